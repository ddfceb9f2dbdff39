/** Counts by key, printed largest first. */
export class Counter {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  entries(): Array<[string, number]> {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
  }

  format(limit = 20): string {
    const e = this.entries();
    if (e.length === 0) return 'none';
    const shown = e.slice(0, limit).map(([k, n]) => `${k}: ${n}`);
    if (e.length > limit) shown.push(`… ${e.length - limit} more`);
    return shown.join(', ');
  }
}

export type Transport = 'ws' | 'http';

/** How one call went, as the caller saw it. */
export interface CallResult {
  transport: Transport;
  /** Undefined: a clean end that we started. Otherwise what ended the call, e.g. "ws close 1011". */
  failure?: string;
  /** Error messages the service sent (WebSocket only). */
  errors: string[];
  agentBytes: number;
  durationMs: number;
}

/** Everything the soak counts. */
export class Tally {
  started = 0;
  completed = 0;
  completedWithAudio = 0;
  readonly startedBy = new Counter();
  readonly failedBy = new Counter();
  readonly clientErrors = new Counter();
  readonly faults = new Counter();
  agentSeconds = 0;

  fault(kind: string): void {
    this.faults.add(kind);
  }

  callStarted(transport: Transport): void {
    this.started++;
    this.startedBy.add(transport);
  }

  callEnded(r: CallResult): void {
    this.agentSeconds += r.agentBytes / 16000;
    if (r.failure) {
      // The close reason already says what the last error message said.
      this.failedBy.add(`${r.transport}: ${r.failure}`);
      return;
    }
    for (const e of r.errors) this.clientErrors.add(`${r.transport} error message "${e.slice(0, 90)}"`);
    this.completed++;
    if (r.agentBytes > 0) this.completedWithAudio++;
  }

  get failed(): number {
    return this.failedBy.total;
  }
}
