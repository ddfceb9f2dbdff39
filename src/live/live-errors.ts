/**
 * What GPT-Live's error codes mean for a call (codes from ../shared/reference/gpt-live.md §d.9),
 * counted under a bounded vocabulary.
 */
import type { UpstreamErrorInfo } from '../realtime/upstream-session.js';

/** A command raced the session (an append while closing, a fixture active): nothing to do. */
const BENIGN = new Set(['decision_already_made']);

/** No new session can help: a bad key, no quota, a refused account. */
const FATAL = new Set([
  'invalid_api_key',
  'insufficient_quota',
  'account_deactivated',
  'billing_hard_limit_reached',
  'model_not_found',
  'invalid_model',
]);

/** Our request is wrong: a new session with the same settings is refused the same way. */
const CONFIGURATION = new Set([
  'unknown_parameter',
  'immutable_field_update',
  'invalid_value',
  'invalid_type',
  'missing_required_parameter',
]);

const KNOWN = new Set([
  ...BENIGN,
  ...FATAL,
  ...CONFIGURATION,
  'invalid_audio',
  'rate_limit_exceeded',
  'server_error',
  'session_expired',
  'invalid_request_error',
]);

const MAX_MESSAGE_CHARS = 500;

function boundedLiveCode(code: string): string {
  return KNOWN.has(code) ? code : 'other';
}

/**
 * Classifies one `error` event. `beforeStart`: it came before `session.started`, when "a startup
 * error … prevents session.started" (Azure reference), so the session never existed: a refused
 * configuration is fatal to this call's every attempt, anything else may heal in a new one.
 * After the start, "a command error doesn't necessarily close an already-started session".
 */
export function classifyLiveError(raw: unknown, beforeStart: boolean): UpstreamErrorInfo {
  const error = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const rawCode = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : 'unknown';
  const code = boundedLiveCode(rawCode);
  const text = typeof error.message === 'string' ? error.message : 'GPT-Live reported an error without a message';
  const param = typeof error.param === 'string' ? ` (${error.param.slice(0, 100)})` : '';
  const message = `${text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text}${param}`;
  const fatal = FATAL.has(rawCode) || (beforeStart && CONFIGURATION.has(rawCode));
  return { code, message, benign: !beforeStart && BENIGN.has(rawCode), fatal, sessionOver: !fatal && rawCode === 'session_expired' };
}
