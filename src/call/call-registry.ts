import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';

import type { Transport } from '../common/call-facts.js';

export type { Transport };

/** What the registry needs of a live call: who it is and how to end it when the grace runs out. */
export interface LiveCall {
  readonly uuid: string;
  readonly transport: Transport;
  /** The grace is about to run out: hand the call over (announcement, AMI action) where configured. */
  windDown(reason: string): void;
  /** Ends the call cleanly, telling the caller why. */
  terminate(reason: string): void;
}

export type Admission = { ok: true } | { ok: false; reason: 'draining' | 'full' | 'too_many_pending'; message: string };

/** A connection that has no call yet (a WebSocket before its `init`). */
export interface PendingConnection {
  /** Closes it, telling the client why: the service is stopping. */
  closeForShutdown(reason: string): void;
}

/** Failed uuids remembered at once (a few hundred bytes each). */
const MAX_FAILED_TRACKED = 10_000;

/** The live calls of this process: admission against the limit, drain on shutdown. */
@Injectable()
export class CallRegistry implements BeforeApplicationShutdown {
  private readonly calls = new Set<LiveCall>();
  /** Connections without a call yet: they hold a slot, and a drain must close them too. */
  private readonly pending = new Set<PendingConnection>();
  /** Uuids whose call ended in failure lately, with when the hold ends (oldest first). */
  private readonly failedUntil = new Map<string, number>();
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get size(): number {
    return this.calls.size;
  }

  get limit(): number {
    return this.config.server.maxConcurrentCalls;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A call may start: connections still waiting for their `init` count against the limit too. */
  admit(): Admission {
    if (this.draining) return { ok: false, reason: 'draining', message: 'service is shutting down' };
    if (this.calls.size + this.pending.size >= this.limit) {
      return { ok: false, reason: 'full', message: `concurrent call limit reached (${this.limit})` };
    }
    return { ok: true };
  }

  /** A connection without a call yet may stay open (and then holds a slot until `init` or its end). */
  admitPending(): Admission {
    const admission = this.admit();
    if (!admission.ok) return admission;
    const max = this.config.server.maxPendingConnections;
    if (this.pending.size >= max)
      return { ok: false, reason: 'too_many_pending', message: `too many connections waiting for init (${max})` };
    return { ok: true };
  }

  addPending(connection: PendingConnection): void {
    this.pending.add(connection);
  }

  removePending(connection: PendingConnection): void {
    this.pending.delete(connection);
  }

  /**
   * A call ended in failure: AVR core does not hang up the phone on a close, it comes straight
   * back with the same uuid. For FAILED_CALL_HOLD_MS such a comeback opens no new upstream session.
   */
  noteFailed(uuid: string): void {
    const holdMs = this.config.server.failedCallHoldMs;
    if (holdMs <= 0) return;
    const now = Date.now();
    this.failedUntil.delete(uuid);
    this.failedUntil.set(uuid, now + holdMs);
    // Bounded: expired entries go first, then the oldest beyond the cap.
    for (const [key, until] of this.failedUntil) {
      if (until > now && this.failedUntil.size <= MAX_FAILED_TRACKED) break;
      this.failedUntil.delete(key);
    }
  }

  /** How long a comeback of this uuid is still held (0: not held). */
  failedHoldLeftMs(uuid: string): number {
    const until = this.failedUntil.get(uuid);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left <= 0) this.failedUntil.delete(uuid);
    return Math.max(0, left);
  }

  private closePending(reason: string): void {
    for (const p of [...this.pending]) {
      this.pending.delete(p);
      p.closeForShutdown(reason);
    }
  }

  add(call: LiveCall): void {
    this.calls.add(call);
  }

  remove(call: LiveCall): void {
    this.calls.delete(call);
    if (this.calls.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The app is closing (after a drain, or in tests): no call may outlive it. */
  beforeApplicationShutdown(): void {
    this.draining = true;
    this.closePending('service stopped');
    for (const c of [...this.calls]) c.terminate('service stopped');
  }

  /**
   * Stops admitting calls. Resolves when every live call has ended, or terminates them after
   * graceMs. `windDownMs` before that, the calls still live are asked to wind down (handed over
   * with an announcement where a failure action is configured), so that is done within the grace.
   */
  async drain(graceMs: number, windDownMs = 0): Promise<{ terminated: number }> {
    this.draining = true;
    // A connection that never sent init has no call to finish: it is closed now, or it would
    // hold the server open past the grace (upgraded sockets are beyond the HTTP server's reach).
    this.closePending('service is shutting down');
    const reason = 'service is shutting down';
    const windDownAt = Math.max(0, graceMs - windDownMs);
    if (await this.idleWithin(windDownAt)) return { terminated: 0 };
    if (windDownMs > 0) {
      for (const c of [...this.calls]) c.windDown(reason);
      if (await this.idleWithin(graceMs - windDownAt)) return { terminated: 0 };
    }
    const left = [...this.calls];
    for (const c of left) c.terminate(reason);
    return { terminated: left.length };
  }

  /** Whether every call has ended within ms (at once when there is none). */
  private async idleWithin(ms: number): Promise<boolean> {
    if (this.calls.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const ended = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return ended;
  }
}
