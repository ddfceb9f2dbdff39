import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { callerAudioBudget } from '../rate-budget.js';

/**
 * One legacy AVR core call over `POST /speech-to-speech-stream`: the request body is raw caller
 * PCM as it arrives, the response body is raw agent PCM. The response starts as soon as the
 * upstream session is configured, so an upstream refusal can still be answered with 502.
 */
export class HttpCallAdapter implements CallSink {
  private session: CallSession | undefined;
  private readonly audioBudget = callerAudioBudget();
  private droppedAudioBytes = 0;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly log: Logger,
    private readonly endGraceMs: number,
    private readonly metrics: MetricsService,
  ) {}

  attach(session: CallSession): void {
    this.session = session;
    this.req.on('data', (chunk: Buffer) => this.guard('caller audio', () => this.callerAudio(session, chunk)));
    this.req.on('end', () =>
      this.guard('the end of the request body', () => {
        if (!session.isEnded) session.finishAfterAgent(this.endGraceMs);
      }),
    );
    // The client went away (abort, network): no one hears the agent any more.
    this.res.on('close', () =>
      this.guard('the connection close', () => {
        if (!session.isEnded) session.hangUp();
      }),
    );
  }

  /** Caller audio beyond real time plus a margin is dropped (whole samples) and counted, logged once. */
  private callerAudio(session: CallSession, chunk: Buffer): void {
    const granted = this.audioBudget.takeUpTo(chunk.length, 2);
    if (granted < chunk.length) {
      if (this.droppedAudioBytes === 0) this.log.warn({ uuid: session.uuid }, 'caller audio faster than real time: dropping what is beyond it');
      this.droppedAudioBytes += chunk.length - granted;
      this.metrics.callerAudioDropped.labels('http').inc(chunk.length - granted);
    }
    if (granted > 0) session.pushCallerAudio(granted === chunk.length ? chunk : chunk.subarray(0, granted));
  }

  /** A fault while handling one event of this request ends this call only, with a log line. */
  private guard(what: string, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.log.error({ err, uuid: this.session?.uuid }, `internal error while handling ${what}: ending this call`);
      try {
        if (this.session && !this.session.isEnded) this.session.end({ outcome: 'error', reason: `internal error while handling ${what}` });
        else this.res.destroy();
      } catch {
        this.res.destroy();
      }
    }
  }

  ready(): void {
    this.startResponse();
  }

  audio(frame: Buffer): void {
    this.startResponse();
    if (!this.res.writableEnded) this.res.write(frame);
  }

  transcript(role: 'user' | 'agent', text: string): void {
    // No side channel on this transport: transcripts go to the log.
    this.log.info({ uuid: this.session?.uuid, role, text }, 'transcript');
  }

  interruption(): void {
    // Nothing to send: the session has already dropped the agent audio not yet written.
  }

  error(message: string): void {
    this.log.warn({ uuid: this.session?.uuid }, `call error (not sent: no side channel on HTTP): ${message}`);
  }

  end(end: CallEnd): void {
    if (!this.res.headersSent) {
      this.res.setHeader('Connection', 'close');
      const status = end.outcome === 'upstream_failed' ? 502 : end.outcome === 'drained' ? 503 : 500;
      if (end.outcome === 'caller_hung_up') {
        this.res.status(200).end();
      } else {
        this.res.status(status).json({ error: end.clientMessage ?? end.reason, outcome: end.outcome });
      }
    } else if (!this.res.writableEnded) {
      this.res.end();
    }
    if (this.droppedAudioBytes > 0) this.log.info({ uuid: this.session?.uuid, droppedAudioBytes: this.droppedAudioBytes }, 'caller audio dropped over the call for its rate');
    // Stop reading the caller: nothing consumes the body any more.
    this.req.removeAllListeners('data');
    this.req.resume();
  }

  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  private startResponse(): void {
    if (this.res.headersSent) return;
    // Historical services label the raw PCM stream text/event-stream and AVR core expects that;
    // the body is raw 8 kHz 16-bit PCM, not SSE.
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream');
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    // One call per connection: when the call ends the socket goes too, even if the body still flows.
    this.res.setHeader('Connection', 'close');
    this.res.flushHeaders();
  }
}
