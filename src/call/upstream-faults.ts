import type { Logger } from 'pino';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { UpstreamErrorInfo, UpstreamEvent } from '../realtime/upstream-session.js';

export interface FaultsListener {
  /** The call cannot go on: end it with this reason. */
  fatal(reason: string): void;
  /** Ask for the failed turn again. */
  reAsk(): void;
  /** The session is over (expired): move the call to a new one. */
  sessionOver(): void;
}

/**
 * What the call does about an upstream's errors and failed turns: a benign race is a debug line;
 * everything else is one log line and a count by (bounded) code; a fatal one ends the call, an
 * expired session is replaced, a transient server_error turn is asked for again once (until a turn
 * completes). Nothing here reaches the client before the end of a call: AVR core ends the call on
 * any error message.
 */
export class UpstreamFaults {
  private reAsked = false;

  constructor(
    private readonly log: Logger,
    private readonly metrics: MetricsService,
    private readonly listener: FaultsListener,
  ) {}

  error(error: UpstreamErrorInfo): void {
    if (error.benign) {
      this.log.debug({ code: error.code }, `upstream reported a benign race: ${error.message}`);
      return;
    }
    this.log[error.fatal ? 'error' : 'warn']({ code: error.code }, `upstream error: ${error.message}`);
    this.metrics.upstreamErrors.labels(error.code).inc();
    if (error.sessionOver) this.listener.sessionOver();
    else if (error.fatal) this.listener.fatal(`upstream error (${error.code}): ${error.message}`);
  }

  /** A turn is over; a failed one must never be silent. */
  responseDone(ev: Extract<UpstreamEvent, { type: 'response_done' }>): void {
    if (ev.status === 'completed') {
      this.reAsked = false;
    } else if (ev.status === 'incomplete') {
      this.log.info({ reason: ev.reason, responseId: ev.responseId }, `response incomplete (${ev.reason ?? 'no reason given'})`);
    } else if (ev.status === 'failed') {
      // No error event comes with a failed turn: without this line it would be lost in silence.
      const code = ev.error?.code ?? 'response_failed';
      this.log.warn({ code, responseId: ev.responseId }, `response failed (${code})`);
      this.metrics.upstreamErrors.labels(code).inc();
      if (ev.error?.fatal) {
        this.listener.fatal(`upstream response failed (${code})`);
      } else if (code === 'server_error' && !this.reAsked) {
        this.reAsked = true;
        this.listener.reAsk();
      }
    }
  }
}
