/**
 * Reads one parsed OpenAI Realtime server event into what the call engine acts on. Total: every
 * field is narrowed with a typeof check against the shape the `openai` package declares, and a
 * value of the wrong type (an object where a string belongs, a number for an id) makes the event
 * `malformed` instead of throwing. Nothing here recurses into values, so nesting depth is harmless.
 */
import type {
  RealtimeConversationItemFunctionCall,
  RealtimeResponse,
  RealtimeResponseUsage,
  RealtimeResponseUsageInputTokenDetails,
  RealtimeResponseUsageOutputTokenDetails,
} from 'openai/resources/realtime/realtime';
import type { ServerEvent, ServerEventType } from './realtime-events.js';
import type { UpstreamEvent, UpstreamUsage } from './upstream-session.js';

type DoneStatus = Exclude<NonNullable<RealtimeResponse['status']>, 'in_progress'>;

export type Reading =
  /** Something the call engine hears about. */
  | { kind: 'event'; event: UpstreamEvent }
  | { kind: 'session_updated' }
  /** An error event; `code` as the server said it (classified by the session, which knows event ids). */
  | { kind: 'error'; code: string; message: string; eventId?: string }
  | { kind: 'transcription_failed'; itemId?: string; code: string; message: string }
  /** A function call that did not complete (barged in, cancelled): never run. */
  | { kind: 'skipped_call'; name?: string; status: string }
  /** A known field had the wrong type: the event is dropped and counted. */
  | { kind: 'malformed'; what: string }
  /** Nothing the call needs. */
  | { kind: 'ignored' };

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** An optional string field: absent/null is fine, anything else but a string is not. */
const optStr = (v: unknown): string | undefined | false => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : false);

const DONE_STATUSES: ReadonlySet<string> = new Set<DoneStatus>(['completed', 'cancelled', 'failed', 'incomplete']);
const isDoneStatus = (v: unknown): v is DoneStatus => typeof v === 'string' && DONE_STATUSES.has(v);

const IGNORED: Reading = { kind: 'ignored' };
const malformed = (what: string): Reading => ({ kind: 'malformed', what });

export function readServerEvent(ev: ServerEvent): Reading {
  // The GA names this reader handles; the compiler checks each against the openai declarations.
  const type = ev.type as ServerEventType;
  switch (type) {
    case 'response.output_audio.delta': {
      const delta = str(ev.delta);
      const itemId = optStr(ev.item_id);
      const responseId = optStr(ev.response_id);
      if (delta === undefined || itemId === false || responseId === false) return malformed(type);
      // The hot path (one per delta, ~10 a second per call): no spread, no intermediate objects.
      return { kind: 'event', event: { type: 'agent_audio', audio: Buffer.from(delta, 'base64'), itemId, responseId } };
    }
    case 'response.output_audio.done': {
      const itemId = optStr(ev.item_id);
      const responseId = optStr(ev.response_id);
      if (itemId === false || responseId === false) return malformed(type);
      return { kind: 'event', event: { type: 'agent_audio_done', ...ids(itemId, responseId) } };
    }
    case 'response.created': {
      const id = str(obj(ev.response)?.id);
      return id === undefined ? malformed(type) : { kind: 'event', event: { type: 'response_started', responseId: id } };
    }
    case 'response.done':
      return readResponseDone(ev);
    case 'response.output_item.done':
      return readOutputItemDone(ev);
    case 'input_audio_buffer.speech_started': {
      const itemId = optStr(ev.item_id);
      if (itemId === false) return malformed(type);
      return { kind: 'event', event: { type: 'caller_speech_started', ...(itemId ? { itemId } : {}) } };
    }
    case 'input_audio_buffer.speech_stopped':
      return { kind: 'event', event: { type: 'caller_speech_stopped' } };
    case 'response.output_audio_transcript.done':
      return readTranscript('agent', ev);
    case 'conversation.item.input_audio_transcription.completed':
      return readTranscript('user', ev);
    case 'conversation.item.input_audio_transcription.failed': {
      const error = obj(ev.error);
      const itemId = optStr(ev.item_id);
      return {
        kind: 'transcription_failed',
        ...(typeof itemId === 'string' ? { itemId } : {}),
        code: str(error?.code) ?? 'transcription_failed',
        message: str(error?.message) ?? 'no message',
      };
    }
    case 'session.updated':
      return { kind: 'session_updated' };
    case 'error': {
      const error = obj(ev.error);
      if (!error) return malformed(type);
      const code = str(error.code) ?? str(error.type) ?? 'unknown';
      const eventId = str(error.event_id);
      return { kind: 'error', code, message: str(error.message) ?? 'no message', ...(eventId ? { eventId } : {}) };
    }
    default:
      return IGNORED;
  }
}

function ids(itemId: string | undefined, responseId: string | undefined): { itemId?: string; responseId?: string } {
  return { ...(itemId ? { itemId } : {}), ...(responseId ? { responseId } : {}) };
}

function readTranscript(role: 'user' | 'agent', ev: ServerEvent): Reading {
  const transcript = str(ev.transcript);
  const itemId = optStr(ev.item_id);
  if (transcript === undefined || itemId === false) return malformed(ev.type);
  return { kind: 'event', event: { type: 'transcript', role, text: transcript, ...(itemId ? { itemId } : {}) } };
}

function readResponseDone(ev: ServerEvent): Reading {
  const response = obj(ev.response);
  if (!response) return malformed('response.done');
  const id = optStr(response.id);
  if (id === false) return malformed('response.done');
  // A response.done without a status is read as completed: it ends the turn either way.
  const status: DoneStatus = isDoneStatus(response.status) ? response.status : 'completed';
  const details = obj(response.status_details);
  const error = obj(details?.error);
  const reason = status === 'failed' ? (str(error?.code) ?? str(error?.type) ?? 'unknown') : str(details?.reason);
  const usage = readUsage(response.usage);
  return {
    kind: 'event',
    event: { type: 'response_done', status, ...(id ? { responseId: id } : {}), ...(reason ? { reason } : {}), ...(usage ? { usage } : {}) },
  };
}

function readOutputItemDone(ev: ServerEvent): Reading {
  const item = obj(ev.item);
  if (!item) return malformed('response.output_item.done');
  if (item.type !== ('function_call' satisfies RealtimeConversationItemFunctionCall['type'])) return IGNORED;
  const name = str(item.name);
  if (item.status !== ('completed' satisfies RealtimeConversationItemFunctionCall['status'])) {
    return { kind: 'skipped_call', ...(name ? { name } : {}), status: str(item.status) ?? 'unknown' };
  }
  const callId = str(item.call_id);
  // Arguments are JSON text in the declarations; some models send "" for tools without parameters.
  const args = item.arguments === undefined || item.arguments === null ? '' : str(item.arguments);
  const responseId = optStr(ev.response_id);
  if (name === undefined || callId === undefined || args === undefined || responseId === false)
    return malformed('response.output_item.done');
  return { kind: 'event', event: { type: 'tool_call', callId, name, arguments: args, ...(responseId ? { responseId } : {}) } };
}

/** A number field whose name the declarations of `T` know (a misspelt name does not compile). */
const field = <T>(o: Json | undefined, key: keyof T & string): number => num(o?.[key]);

/** A response's `usage` (GA shape) as the seam's totals; anything but an object gives none. */
export function readUsage(raw: unknown): UpstreamUsage | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const input = obj(u.input_token_details);
  const output = obj(u.output_token_details);
  return {
    inputTokens: field<RealtimeResponseUsage>(u, 'input_tokens'),
    outputTokens: field<RealtimeResponseUsage>(u, 'output_tokens'),
    totalTokens: field<RealtimeResponseUsage>(u, 'total_tokens'),
    inputTextTokens: field<RealtimeResponseUsageInputTokenDetails>(input, 'text_tokens'),
    inputAudioTokens: field<RealtimeResponseUsageInputTokenDetails>(input, 'audio_tokens'),
    inputCachedTokens: field<RealtimeResponseUsageInputTokenDetails>(input, 'cached_tokens'),
    outputTextTokens: field<RealtimeResponseUsageOutputTokenDetails>(output, 'text_tokens'),
    outputAudioTokens: field<RealtimeResponseUsageOutputTokenDetails>(output, 'audio_tokens'),
  };
}
