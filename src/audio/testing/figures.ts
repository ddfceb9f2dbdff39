/**
 * Assertions that carry the measured figure: a failing quality check says what was measured,
 * where, and what the limit is (jest's expect has no message argument).
 */
export interface Measurement {
  /** What was measured and where, e.g. "image rejection at 3400 Hz". */
  what: string;
  value: number;
  unit: string;
}

export function expectAtLeast(m: Measurement, min: number): void {
  if (!(m.value >= min)) throw new Error(`${m.what}: measured ${m.value.toFixed(3)} ${m.unit}, need >= ${min} ${m.unit}`);
}

export function expectAtMost(m: Measurement, max: number): void {
  if (!(m.value <= max)) throw new Error(`${m.what}: measured ${m.value.toFixed(3)} ${m.unit}, need <= ${max} ${m.unit}`);
}

/** The measurement with the smallest value (the worst case of a "higher is better" sweep). */
export function lowest(ms: Measurement[]): Measurement {
  return ms.reduce((a, b) => (b.value < a.value ? b : a));
}

/** The measurement with the largest value (the worst case of a "lower is better" sweep). */
export function highest(ms: Measurement[]): Measurement {
  return ms.reduce((a, b) => (b.value > a.value ? b : a));
}
