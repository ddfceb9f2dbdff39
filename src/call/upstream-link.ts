import type { Logger } from 'pino';
import type { MetricsService } from '../metrics/metrics.service.js';
import {
  UpstreamFailure,
  type UpstreamEvent,
  type UpstreamSession,
  type UpstreamSessionFactory,
  type UpstreamSessionSettings,
} from '../realtime/upstream-session.js';
import { backoffMs, type SwitchCause } from './continuity.js';
import { later, sleep } from '../common/waits.js';

/**
 * Where the call's upstream stands: opening its first session (`connecting`), one session ready
 * (`ready`), replacing a lost, expired or aged session (`switching`), or gone for good (`closed`).
 */
export type LinkState = 'connecting' | 'ready' | 'switching' | 'closed';

export interface LinkListener {
  /** What the next session is opened with (the conversation so far is replayed into it). */
  settings(cause: SwitchCause | undefined): Promise<UpstreamSessionSettings>;
  event(event: UpstreamEvent): void;
  /** The session in use went away and a new one is being opened: keep audio, forget the turn. */
  down(cause: SwitchCause): void;
  /** A session is ready (the first, or a replacement after `down`). */
  ready(cause: SwitchCause | undefined, gapMs: number): void;
  /** No session could be had, or none may be: the call ends with this reason. */
  failed(reason: string, clientMessage: string): void;
  /** Whether now is a quiet moment for a planned rotation (no response, caller silent). */
  canRotate(): boolean;
  stateChanged?(from: LinkState, to: LinkState): void;
}

export interface LinkOptions {
  maxReconnectAttempts: number;
  reconnectBaseMs: number;
  maxSessionsPerMinute: number;
  rotateAfterMs: number;
}

/** A session that lived at least this long was healthy: losing it starts a fresh retry budget. */
const STABLE_SESSION_MS = 5000;
/** How often a due session rotation looks again for a quiet moment between turns. */
const ROTATION_RETRY_MS = 500;
const MINUTE_MS = 60_000;
const MAX_EARLY_EVENTS = 256;
/** A session that says when it expires is rotated this long before (between turns, like any rotation). */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * The call's link to its upstream: opens sessions through the factory, retries with back-off what
 * can heal, replaces a session that is lost or has expired (and rotates one before the upstream's
 * age limit, between turns), and reports through its listener. Only the current session's events
 * reach the call; a replaced session's are stale.
 *
 * Storm guards: a session that does not live STABLE_SESSION_MS does not give its streak of
 * connects a fresh budget; every replacement waits its back-off, the first too; and no call opens
 * more than `maxSessionsPerMinute` sessions in a minute.
 */
export class UpstreamLink {
  private current: LinkState = 'connecting';
  private active: UpstreamSession | undefined;
  private activeSince = 0;
  /** Connects of the current streak (since the call's first switch, or the last stable session). */
  private streak = 0;
  private readonly opens: number[] = [];
  /** Events of the session being opened that came before its open() settled, delivered once it is ready. */
  private early: UpstreamEvent[] = [];
  private opening: UpstreamSession | undefined;
  private cancelRotation: () => void = () => undefined;
  /** Upstream sessions opened after the first. */
  reconnects = 0;

  constructor(
    private readonly factory: UpstreamSessionFactory,
    private readonly log: Logger,
    private readonly metrics: MetricsService,
    private readonly options: LinkOptions,
    private readonly signal: AbortSignal,
    private readonly listener: LinkListener,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  get state(): LinkState {
    return this.current;
  }

  /** The ready session, if any. */
  get session(): UpstreamSession | undefined {
    return this.current === 'ready' ? this.active : undefined;
  }

  get malformedEvents(): number {
    return this.active?.malformedEvents ?? 0;
  }

  /** Opens the call's first session; false (after `failed`) when none could be had. */
  async start(): Promise<boolean> {
    const ok = await this.establish(undefined);
    if (ok) {
      this.listener.ready(undefined, 0);
      this.deliverEarly();
    }
    return ok;
  }

  /**
   * Moves the call to a new session (drop, expiry, planned rotation). A failure no new session can
   * heal (bad key, refused configuration) ends the call without another connect.
   */
  async replace(cause: SwitchCause, failure?: Error & { retryable: boolean }): Promise<void> {
    if (this.current !== 'ready') return;
    if (failure && !failure.retryable) {
      this.fail(`upstream connection lost: ${failure.message}`, failure.message);
      return;
    }
    const lostAt = this.now();
    const old = this.active;
    const lived = lostAt - this.activeSince;
    if (this.reconnects === 0 || lived >= STABLE_SESSION_MS) this.streak = 0;
    this.active = undefined;
    this.cancelRotation();
    this.set('switching');
    old?.close();
    this.listener.down(cause);
    if (!(await this.establish(cause))) return;
    this.reconnects++;
    this.metrics.upstreamSwitches.labels(cause).inc();
    this.listener.ready(cause, this.now() - lostAt);
    this.deliverEarly();
  }

  close(): void {
    if (this.current === 'closed') return;
    this.set('closed');
    this.cancelRotation();
    this.active?.close();
  }

  /** Opens and configures a session, retrying with back-off; false (after `failed`) when it cannot. */
  private async establish(cause: SwitchCause | undefined): Promise<boolean> {
    const limit = 1 + this.options.maxReconnectAttempts;
    let failure: UpstreamFailure | undefined;
    for (let attempt = 1; ; attempt++) {
      // The call's first connect goes at once, so does a planned rotation's; everything else waits.
      if (attempt > 1 || (cause !== undefined && cause !== 'rotation')) {
        await sleep(backoffMs(Math.max(1, this.streak), this.options.reconnectBaseMs, this.random), this.signal);
      }
      if (this.signal.aborted) return false;
      if (this.streak >= limit) break;
      if (this.tooManySessions()) {
        const reason = `upstream sessions opened too often (${this.opens.length} in the last minute, UPSTREAM_MAX_SESSIONS_PER_MINUTE=${this.options.maxSessionsPerMinute})`;
        this.log.error({ cause: cause ?? 'start' }, `upstream connect failed: ${reason}`);
        this.fail(reason, 'upstream unavailable');
        return false;
      }
      this.streak++;
      this.opens.push(this.now());
      const opened = await this.open(cause);
      if (opened === true) return true;
      if (this.signal.aborted) return false;
      failure = opened;
      this.metrics.upstreamErrors.labels(failure.label).inc();
      if (!failure.retryable || this.streak >= limit) break;
      // At info: the fault is told once, at error, if the retries do not heal it.
      this.log.info(
        { attempt, of: limit, kind: failure.kind, status: failure.status },
        `upstream connect attempt failed, retrying: ${failure.message}`,
      );
    }
    const message = failure?.message ?? `no upstream session lasted ${STABLE_SESSION_MS} ms in ${this.streak} connects`;
    this.log.error(
      { cause: cause ?? 'start', attempts: this.streak, kind: failure?.kind, code: failure?.code },
      `upstream connect failed: ${message}`,
    );
    this.fail(message, message);
    return false;
  }

  /** One session: true when ready, else why not. */
  private async open(cause: SwitchCause | undefined): Promise<true | UpstreamFailure> {
    let session: UpstreamSession | undefined;
    const started = this.now();
    try {
      session = this.factory.create(this.log, {
        event: (ev) => this.onEvent(session, ev),
        lost: (f) => session === this.active && this.onLost(f),
      });
      this.opening = session;
      this.early = [];
      // The connection opens while the settings (instructions) resolve, where the upstream can.
      const [settings] = await Promise.all([this.listener.settings(cause), session.connect?.(this.signal)]);
      if (this.signal.aborted) throw new UpstreamFailure('aborted', 'call ended', { retryable: false });
      await session.open(settings, this.signal);
    } catch (err) {
      session?.close();
      return asFailure(err);
    } finally {
      this.opening = undefined;
    }
    if (this.signal.aborted) {
      session.close();
      return new UpstreamFailure('aborted', 'call ended', { retryable: false });
    }
    this.metrics.upstreamConnect.observe((this.now() - started) / 1000);
    this.active = session;
    this.activeSince = this.now();
    this.set('ready');
    this.scheduleRotation();
    return true;
  }

  private onEvent(from: UpstreamSession | undefined, ev: UpstreamEvent): void {
    if (from === this.active && this.current === 'ready') {
      this.listener.event(ev);
    } else if (from !== undefined && from === this.opening && this.early.length < MAX_EARLY_EVENTS) {
      // The session was acknowledged and spoke in the same read, before open() resolved.
      this.early.push(ev);
    }
  }

  /** Hands the events that came while the session was opening to the call, now that it is ready. */
  private deliverEarly(): void {
    const early = this.early;
    this.early = [];
    for (const ev of early) {
      if (this.current !== 'ready') return;
      this.listener.event(ev);
    }
  }

  private onLost(failure: Error & { retryable: boolean }): void {
    const f = asFailure(failure);
    this.log.warn({ kind: f.kind, status: f.status }, `upstream lost: ${f.message}`);
    this.metrics.upstreamErrors.labels(f.label).inc();
    this.replaceSafely('dropped', f);
  }

  /** A replacement started from an event: a fault in it ends this call, never the process. */
  replaceSafely(cause: SwitchCause, failure?: Error & { retryable: boolean }): void {
    this.replace(cause, failure).catch((err: unknown) => {
      this.log.error({ err, cause }, 'replacing the upstream session failed');
      this.fail('internal error replacing the upstream session', 'internal error');
    });
  }

  /** Plans a switch to a fresh session before the upstream's session limit, taken between turns. */
  private scheduleRotation(): void {
    this.cancelRotation();
    const tryRotate = () => {
      if (this.current !== 'ready') return;
      if (!this.listener.canRotate()) {
        this.cancelRotation = later(ROTATION_RETRY_MS, this.signal, tryRotate);
        return;
      }
      this.replaceSafely('rotation');
    };
    this.cancelRotation = later(this.rotationDueMs(), this.signal, tryRotate);
  }

  /** SESSION_ROTATE_AFTER_MS, or earlier where the session says when it expires (a minute ahead, at most half its time left). */
  private rotationDueMs(): number {
    const expiresAt = this.active?.expiresAt;
    if (expiresAt === undefined) return this.options.rotateAfterMs;
    const left = Math.max(0, expiresAt - this.now());
    return Math.min(this.options.rotateAfterMs, left - Math.min(EXPIRY_MARGIN_MS, left / 2));
  }

  private tooManySessions(): boolean {
    const since = this.now() - MINUTE_MS;
    while (this.opens.length > 0 && this.opens[0] < since) this.opens.shift();
    return this.opens.length >= this.options.maxSessionsPerMinute;
  }

  private fail(reason: string, clientMessage: string): void {
    if (this.current === 'closed') return;
    this.close();
    this.listener.failed(reason, clientMessage);
  }

  private set(next: LinkState): void {
    const from = this.current;
    if (from === next) return;
    this.current = next;
    this.listener.stateChanged?.(from, next);
  }
}

function asFailure(err: unknown): UpstreamFailure {
  if (err instanceof UpstreamFailure) return err;
  const retryable = typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === true;
  return new UpstreamFailure('network', err instanceof Error ? err.message : String(err), { retryable });
}
