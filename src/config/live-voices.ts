import type { BuiltInVoice } from 'openai-live-types/resources/live/live';

// GPT-Live's voices are configuration facts (OPENAI_VOICE is checked against them at start-up), so
// they live with the configuration; src/live/ re-exports them for the wire.

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

/** Backend Responses model when OPENAI_LIVE_BACKEND_MODEL is unset: the one OpenAI's Live examples use. */
export const DEFAULT_LIVE_BACKEND_MODEL = 'gpt-5.6-terra';
