import { Worker } from 'node:worker_threads';

/** What the callers' thread is given. */
export interface FleetSetup {
  url: string;
  uuids: string[];
  /** Start of each call after the common start, ms (the stagger). */
  offsetsMs: number[];
  speechMs: number;
  silenceMs: number;
}

/** One call as its caller saw it. */
export interface CallerResult {
  uuid: string;
  /** Arrival of each agent frame on the common clock (nowMs), in order. */
  frameTimes: Float64Array;
  malformedFrames: number;
  interruptions: number;
  transcripts: number;
  errors: string[];
  /** -1: we hung up first; otherwise the code of the service's close. */
  closeCode: number | undefined;
  closedByService: boolean;
  framesSent: number;
  framesSkipped: number;
}

/** The callers' thread's own figures over the window. */
export interface FleetWindowStats {
  /** How late caller frames went out against their due time, ms, ascending. */
  sendLateness: Float64Array;
  /** Event-loop delay of the callers' thread beyond the sampling interval, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export type ToFleet = { type: 'mark-start' } | { type: 'mark-end' } | { type: 'drain' } | { type: 'hang-up' };
export type FromFleet =
  | { type: 'started'; t0: number }
  | { type: 'marked-start' }
  | { type: 'marked-end'; stats: FleetWindowStats }
  | { type: 'hung-up'; calls: CallerResult[] };

/**
 * The N callers run in a worker thread of their own: the simulator's work and garbage collection
 * in the main thread cannot delay when a caller sees a frame arrive (or sends one).
 */
export class LoadCallerThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<string, (msg: FromFleet) => void>();
  /** Replies that came before anyone asked for them. */
  private readonly early = new Map<string, FromFleet>();
  private failure: Error | undefined;

  constructor(setup: FleetSetup) {
    this.worker = new Worker(new URL('./caller-worker.js', import.meta.url), { workerData: setup });
    this.worker.on('message', (msg: FromFleet) => {
      const resolve = this.waiting.get(msg.type);
      this.waiting.delete(msg.type);
      if (resolve) resolve(msg);
      else this.early.set(msg.type, msg);
    });
    this.worker.on('error', (err) => {
      this.failure = err;
      for (const [, resolve] of this.waiting) resolve({ type: 'hung-up', calls: [] });
    });
  }

  private request<T extends FromFleet['type']>(send: ToFleet | undefined, reply: T): Promise<Extract<FromFleet, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    const early = this.early.get(reply);
    this.early.delete(reply);
    const answer = early ? Promise.resolve(early) : new Promise<FromFleet>((resolve) => this.waiting.set(reply, resolve));
    if (send) this.worker.postMessage(send);
    return answer.then((msg) => {
      if (this.failure) throw this.failure;
      return msg as Extract<FromFleet, { type: T }>;
    });
  }

  /** Resolves with the common start time once the thread's clock runs. */
  async started(): Promise<number> {
    return (await this.request(undefined, 'started')).t0;
  }

  async markStart(): Promise<void> {
    await this.request({ type: 'mark-start' }, 'marked-start');
  }

  async markEnd(): Promise<FleetWindowStats> {
    return (await this.request({ type: 'mark-end' }, 'marked-end')).stats;
  }

  /** From now on every caller only sends silence. */
  drain(): void {
    this.worker.postMessage({ type: 'drain' } satisfies ToFleet);
  }

  /** Stops the thread at once (after a failure; hangUp() ends it normally). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  /** Every caller hangs up; their results. */
  async hangUp(): Promise<CallerResult[]> {
    const calls = (await this.request({ type: 'hang-up' }, 'hung-up')).calls;
    await this.worker.terminate();
    return calls;
  }
}
