/**
 * The GPT-Live (`/v1/live/sessions`) event shapes this service speaks, typed from the `openai`
 * package's declarations, version 7.59.0 (the first 6.x/7.x line with Live is 7.14.0). The project
 * runs on Node 20 and keeps openai@6 for Realtime, so 7.59.0 is installed under the alias
 * `openai-live-types` and imported with `import type` only: nothing of it loads at run time.
 */
export type {
  AudioFormat,
  ClientEvent,
  CommentaryAppendEvent,
  ErrorEvent,
  FunctionTool,
  InitialItem,
  InputAudioAppendEvent,
  InputTranscriptDeltaEvent,
  InstructionsAppendEvent,
  OutputAudioDeltaEvent,
  OutputTranscriptDeltaEvent,
  ResponseCreateEvent,
  ResponseEvent,
  ResponseItemCreateEvent,
  ResponsesDelegationConfig,
  SessionCloseEvent,
  SessionClosedEvent,
  SessionConfig,
  SessionStartEvent,
  SessionStartedEvent,
  SessionUsageUpdatedEvent,
  ThinkingAppendEvent,
} from 'openai-live-types/resources/live/live';

/** A server event as parsed off the wire: only `type` is trusted until a field is checked. */
export type LiveWireEvent = { type: string; [key: string]: unknown };

export { LIVE_VOICES, CUSTOM_VOICE_PREFIX } from '../config/live-voices.js';
