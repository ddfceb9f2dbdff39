import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';

export type Transport = 'ws' | 'http';

/** What the registry needs of a live call: who it is and how to end it when the grace runs out. */
export interface LiveCall {
  readonly uuid: string;
  readonly transport: Transport;
  /** Ends the call cleanly, telling the caller why. */
  terminate(reason: string): void;
}

export type Admission = { ok: true } | { ok: false; reason: 'draining' | 'full'; message: string };

/** The live calls of this process: admission against the limit, drain on shutdown. */
@Injectable()
export class CallRegistry implements BeforeApplicationShutdown {
  private readonly calls = new Set<LiveCall>();
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

  admit(): Admission {
    if (this.draining) return { ok: false, reason: 'draining', message: 'service is shutting down' };
    if (this.calls.size >= this.limit) {
      return { ok: false, reason: 'full', message: `concurrent call limit reached (${this.limit})` };
    }
    return { ok: true };
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
    for (const c of [...this.calls]) c.terminate('service stopped');
  }

  /** Stops admitting calls. Resolves when every live call has ended, or terminates them after graceMs. */
  async drain(graceMs: number): Promise<{ terminated: number }> {
    this.draining = true;
    if (this.calls.size === 0) return { terminated: 0 };
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const ended = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (ended) return { terminated: 0 };
    const left = [...this.calls];
    for (const c of left) c.terminate('service is shutting down');
    return { terminated: left.length };
  }
}
