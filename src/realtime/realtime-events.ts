/**
 * The OpenAI Realtime GA event shapes this service speaks, typed from the `openai` package's
 * declarations (types only: nothing of the SDK is loaded at run time).
 */
import type {
  RealtimeServerEvent,
  SessionUpdateEvent,
  RealtimeSessionCreateRequest,
  RealtimeFunctionTool,
  RealtimeToolsConfigUnion,
} from 'openai/resources/realtime/realtime';

export type { RealtimeServerEvent, SessionUpdateEvent, RealtimeSessionCreateRequest, RealtimeFunctionTool, RealtimeToolsConfigUnion };

/** A server event as parsed off the wire: the GA shape, with whatever else the server sent. */
export type ServerEvent = { type: string; [key: string]: unknown };

/**
 * Live models have been seen emitting beta event names; they are read as their GA twins so the
 * call logic only ever sees GA names.
 */
const BETA_ALIASES: Readonly<Record<string, string>> = {
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio.done': 'response.output_audio.done',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
  'response.audio_transcript.done': 'response.output_audio_transcript.done',
  'response.text.delta': 'response.output_text.delta',
  'response.text.done': 'response.output_text.done',
  'conversation.item.created': 'conversation.item.added',
};

export function normaliseEventType(type: string): string {
  return BETA_ALIASES[type] ?? type;
}

/** Error codes that describe a harmless race, not a problem the caller should hear about. */
export const BENIGN_ERROR_CODES: ReadonlySet<string> = new Set([
  'response_cancel_not_active',
  'item_truncate_invalid_item_id',
  'conversation_already_has_active_response',
]);

/** Error codes after which a new session cannot help: a bad key, no quota, a policy refusal. */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_api_key',
  'insufficient_quota',
  'account_deactivated',
  'policy_violation',
  'beta_api_shape_disabled',
  'model_not_found',
]);
