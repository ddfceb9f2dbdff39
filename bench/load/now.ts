/**
 * One clock for every thread of the bench: milliseconds since the epoch at performance.now()
 * resolution. performance.now() alone starts at each thread's own origin; timeOrigin + now()
 * is the same in the main thread (simulator) and the worker (callers) to a few microseconds.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A performance.now() reading of this thread on the common clock. */
export function toCommonMs(performanceNow: number): number {
  return performance.timeOrigin + performanceNow;
}
