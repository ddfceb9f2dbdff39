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

/** A server event as parsed off the wire: an object with a string `type`; every other field unread. */
export type ServerEvent = { type: string; [key: string]: unknown };

/** The GA server event names (beta names are read as these). */
export type ServerEventType = RealtimeServerEvent['type'];

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
