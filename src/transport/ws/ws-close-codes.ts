import type { CallOutcome } from '../../call/call-sink.js';

/** WebSocket close codes this service uses (documented in the README). */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** Invalid UTF-8 text (sent by the ws library itself). */
  invalidPayload: 1007,
  unauthorised: 1008,
  /** A policy of this service: no init in time, messages far faster than AVR core sends them. */
  policy: 1008,
  /** A message over MAX_MESSAGE_BYTES (sent by the ws library itself). */
  tooBig: 1009,
  upstreamFailed: 1011,
  tryAgainLater: 1013,
} as const;

export function closeCodeFor(outcome: CallOutcome): number {
  switch (outcome) {
    case 'upstream_failed':
    case 'error':
      return WS_CLOSE.upstreamFailed;
    case 'drained':
      return WS_CLOSE.goingAway;
    case 'refused':
      return WS_CLOSE.tryAgainLater;
    default:
      return WS_CLOSE.normal;
  }
}
