/** Why a call moved to a new upstream session. */
export type SwitchCause = 'dropped' | 'expired' | 'rotation';

/**
 * Exponential back-off with jitter for reconnect attempt n (1 = the first retry): base * 2^(n-1),
 * scaled by a random factor in [0.5, 1.5) so calls that lost the same upstream do not return in
 * lockstep.
 */
export function backoffMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** (Math.max(1, retry) - 1) * (0.5 + random()));
}

export const CONTINUE_AFTER_SWITCH =
  'Your connection was briefly interrupted while you were speaking. Continue from where you stopped, without repeating yourself and without mentioning the interruption.';
