/**
 * The GPT-Live (`/v1/live/sessions`) event shapes this service speaks, typed from the `openai`
 * package's declarations, version 7.59.0 (the first 6.x/7.x line with Live is 7.14.0). The project
 * runs on Node 20 and keeps openai@6 for Realtime, so 7.59.0 is installed under the alias
 * `openai-live-types` and imported with `import type` only: nothing of it loads at run time.
 */
import type {
  AudioFormat,
  BuiltInVoice,
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
  ServerEvent,
  SessionCloseEvent,
  SessionClosedEvent,
  SessionConfig,
  SessionStartEvent,
  SessionStartedEvent,
  SessionUsageUpdatedEvent,
  ThinkingAppendEvent,
} from 'openai-live-types/resources/live/live';

export type {
  AudioFormat,
  BuiltInVoice,
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
  ServerEvent,
  SessionCloseEvent,
  SessionClosedEvent,
  SessionConfig,
  SessionStartEvent,
  SessionStartedEvent,
  SessionUsageUpdatedEvent,
  ThinkingAppendEvent,
};

/** A server event as parsed off the wire: only `type` is trusted until a field is checked. */
export type LiveWireEvent = { type: string; [key: string]: unknown };

/**
 * The built-in voices (SDK `BuiltInVoice`, 23 names: a superset of Realtime's ten). The `satisfies`
 * clause fails the type check if the declarations and this list ever disagree.
 */
const VOICES = {
  alloy: true,
  ash: true,
  ballad: true,
  beacon: true,
  bossa: true,
  cedar: true,
  cinder: true,
  coral: true,
  delta: true,
  echo: true,
  gleam: true,
  marin: true,
  meridian: true,
  quartz: true,
  ripple: true,
  sage: true,
  shida: true,
  shimmer: true,
  stone: true,
  tempo: true,
  verse: true,
  vesper: true,
  willow: true,
} as const satisfies Record<BuiltInVoice, true>;

export const LIVE_VOICES: readonly BuiltInVoice[] = Object.keys(VOICES) as BuiltInVoice[];

/** A custom voice is given by its id (`{"id":"voice_…"}` on the wire). */
export const CUSTOM_VOICE_PREFIX = 'voice_';

export function isLiveVoice(voice: string): boolean {
  return (
    (LIVE_VOICES as readonly string[]).includes(voice) ||
    (voice.startsWith(CUSTOM_VOICE_PREFIX) && voice.length > CUSTOM_VOICE_PREFIX.length)
  );
}
