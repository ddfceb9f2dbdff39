/**
 * What the OpenAI Realtime error codes mean for a call (codes seen in practice, from
 * ../shared/reference/openai-realtime.md), and the bounded vocabulary they are counted under.
 */
import type { UpstreamErrorInfo } from './upstream-session.js';

/** Error codes that describe a harmless race, not a problem the caller should hear about. */
const BENIGN_ERROR_CODES: ReadonlySet<string> = new Set([
  'response_cancel_not_active',
  'item_truncate_invalid_item_id',
  'conversation_already_has_active_response',
]);

/** Error codes after which a new session cannot help: a bad key, no quota, a policy refusal. */
const FATAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_api_key',
  'insufficient_quota',
  'billing_hard_limit_reached',
  'account_deactivated',
  'policy_violation',
  'beta_api_shape_disabled',
  'model_not_found',
]);

/** The session is over, but a new one may carry the call on. */
const SESSION_OVER_CODES: ReadonlySet<string> = new Set(['session_expired']);

/** Every code counted under its own name; anything else is `other`, so a metric label stays bounded. */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...BENIGN_ERROR_CODES,
  ...FATAL_ERROR_CODES,
  ...SESSION_OVER_CODES,
  'rate_limit_exceeded',
  'inference_rate_limit_exceeded',
  'unknown_parameter',
  'missing_required_parameter',
  'invalid_value',
  'invalid_type',
  'unsupported_content_type',
  'server_error',
  'transcription_failed',
  'invalid_request_error',
]);

/** Longest upstream error text passed on to a log line or a call record. */
const MAX_MESSAGE_CHARS = 500;

export function boundedErrorCode(code: string): string {
  return KNOWN_CODES.has(code) ? code : 'other';
}

export function boundedMessage(message: string): string {
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length} chars)` : message;
}

/** What a client event was, so an error naming its event_id can be read in context. */
export type SentKind = 'session.update' | 'response.create' | 'conversation.item.truncate' | 'conversation.item.create' | 'response.cancel';

/**
 * Classifies one error. `answering` is the kind of client event the error names by event_id, when
 * it names one of ours: a refused truncation (the item is already shorter than what we asked, or
 * holds no model audio) is as harmless as the races above.
 */
export function classifyError(rawCode: string, message: string, answering: SentKind | undefined): UpstreamErrorInfo {
  const code = boundedErrorCode(rawCode);
  const refusedTruncation =
    (answering === 'conversation.item.truncate' || /already shorter than|truncat/i.test(message)) &&
    (rawCode === 'invalid_value' || rawCode === 'unsupported_content_type' || rawCode === 'item_truncate_invalid_item_id');
  return {
    code,
    message: boundedMessage(message),
    benign: BENIGN_ERROR_CODES.has(rawCode) || refusedTruncation,
    fatal: FATAL_ERROR_CODES.has(rawCode),
    sessionOver: SESSION_OVER_CODES.has(rawCode),
  };
}
