import type { Logger } from 'pino';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';

/**
 * The call's side of its WebSocket: what the session writes to, forwarded to whichever connection
 * carries the call now. Between a lost connection and AVR core's reconnect (same uuid, on its next
 * caller frame) there is none, and agent output is dropped: nobody could hear it.
 */
export class SinkRelay implements CallSink {
  private target: CallSink | undefined;
  private onEnd: (() => void) | undefined;

  constructor(target: CallSink) {
    this.target = target;
  }

  attach(target: CallSink): void {
    this.target = target;
  }

  detach(): void {
    this.target = undefined;
  }

  /** Called once when the call ends, whether or not a connection carries it then. */
  whenEnded(listener: () => void): void {
    this.onEnd = listener;
  }

  audio(frame: Buffer): void {
    this.target?.audio(frame);
  }

  transcript(role: 'user' | 'agent', text: string): void {
    this.target?.transcript(role, text);
  }

  interruption(): void {
    this.target?.interruption();
  }

  error(message: string): void {
    this.target?.error(message);
  }

  ready(): void {
    this.target?.ready?.();
  }

  end(end: CallEnd): void {
    const target = this.target;
    this.target = undefined;
    this.onEnd?.();
    target?.end(end);
  }

  get bufferedBytes(): number {
    return this.target?.bufferedBytes ?? 0;
  }
}

interface Parked {
  session: CallSession;
  relay: SinkRelay;
  timer: NodeJS.Timeout;
}

/**
 * Calls whose WebSocket was lost, kept alive for CLIENT_RESUME_MS: an `init` with the same uuid
 * within it re-attaches (same upstream session, same conversation, one call record); otherwise
 * the call ends as a hang-up. Every entry is a live call already counted against the limit.
 */
export class ResumableCalls {
  private readonly parked = new Map<string, Parked>();

  constructor(private readonly lingerMs: number) {}

  get enabled(): boolean {
    return this.lingerMs > 0;
  }

  park(session: CallSession, relay: SinkRelay, log: Logger): void {
    relay.detach();
    const previous = this.parked.get(session.uuid);
    if (previous && previous.session !== session) {
      // Two calls lost with the same uuid: the older one cannot be told apart any more.
      this.parked.delete(session.uuid);
      clearTimeout(previous.timer);
      previous.session.callerLeft();
    }
    const timer = setTimeout(() => {
      if (this.parked.get(session.uuid)?.session !== session) return;
      this.parked.delete(session.uuid);
      log.info({ lingerMs: this.lingerMs }, 'no reconnect within CLIENT_RESUME_MS: the call ends');
      session.callerLeft();
    }, this.lingerMs);
    this.parked.set(session.uuid, { session, relay, timer });
    relay.whenEnded(() => this.forget(session));
    log.info({ lingerMs: this.lingerMs }, 'client connection lost: the call waits for a reconnect with its uuid');
  }

  /** The parked call of this uuid, taken out of the waiting list; undefined when there is none. */
  take(uuid: string): { session: CallSession; relay: SinkRelay } | undefined {
    const parked = this.parked.get(uuid);
    if (!parked || parked.session.isEnded) return undefined;
    this.parked.delete(uuid);
    clearTimeout(parked.timer);
    return { session: parked.session, relay: parked.relay };
  }

  private forget(session: CallSession): void {
    const parked = this.parked.get(session.uuid);
    if (parked?.session !== session) return;
    clearTimeout(parked.timer);
    this.parked.delete(session.uuid);
  }
}
