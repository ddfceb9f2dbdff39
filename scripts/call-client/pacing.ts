import { FRAME_MS } from './frames.js';

/**
 * When frame `index` is due, in ms after the first one. Every send time is computed from the
 * start of the call rather than from the previous send, so timer lateness never accumulates:
 * a late frame is followed by a shorter wait, as AVR core's steady 20 ms clock would do.
 */
export function frameSendTimeMs(index: number, realtimeFactor = 1): number {
  return (index * FRAME_MS) / realtimeFactor;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Calls send(i) for i = 0..count-1, each at its frameSendTimeMs from the start. Stops early when
 * send returns false (the call is over). Returns how many frames were sent.
 */
export async function paceFrames(
  count: number,
  realtimeFactor: number,
  send: (index: number) => boolean,
  clock: Clock = systemClock,
): Promise<number> {
  const start = clock.now();
  for (let i = 0; i < count; i++) {
    const wait = start + frameSendTimeMs(i, realtimeFactor) - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (!send(i)) return i;
  }
  return count;
}
