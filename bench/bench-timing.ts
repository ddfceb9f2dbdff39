/**
 * Timing for the audio benchmark: warm up until V8 has optimised the code, then time several
 * rounds and keep the median (the machine may be shared; the median shrugs off a noisy round).
 */
export interface Timing {
  /** Median nanoseconds per unit over the rounds. */
  median: number;
  /** Fastest round, for reference. */
  best: number;
}

const WARMUP_MS = 400;
const ROUNDS = 9;
const ROUND_MS = 150;

/** Times `step`, which does some work and returns how many units (e.g. output samples) it made. */
export function nsPerUnit(step: () => number): Timing {
  runFor(step, WARMUP_MS);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { ns, units } = runFor(step, ROUND_MS);
    rounds.push(ns / units);
  }
  rounds.sort((a, b) => a - b);
  return { median: rounds[ROUNDS >> 1], best: rounds[0] };
}

function runFor(step: () => number, ms: number): { ns: number; units: number } {
  const budget = BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let units = 0;
  let elapsed: bigint;
  do {
    for (let i = 0; i < 32; i++) units += step();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return { ns: Number(elapsed), units };
}
