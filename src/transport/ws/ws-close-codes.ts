import type { CallOutcome } from '../../call/call-sink.js';

/**
 * WebSocket close codes this service sends (documented in the README). The ws library itself
 * sends 1007 (invalid UTF-8 text) and 1009 (a message over MAX_MESSAGE_BYTES); nothing here does.
 */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unauthorised: 1008,
  /** A policy of this service: no init in time, messages far faster than AVR core sends them. */
  policy: 1008,
  /**
   * RFC 6455's "internal error": the call cannot go on on the service's side, whatever the cause
   * (an upstream failure, a fault while handling the call, a hold over on a closed upstream).
   */
  callFailed: 1011,
  tryAgainLater: 1013,
} as const;

export function closeCodeFor(outcome: CallOutcome): number {
  switch (outcome) {
    case 'upstream_failed':
    case 'error':
      return WS_CLOSE.callFailed;
    case 'drained':
      return WS_CLOSE.goingAway;
    case 'refused':
      return WS_CLOSE.tryAgainLater;
    default:
      return WS_CLOSE.normal;
  }
}
