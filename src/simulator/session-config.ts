import { parseAudioFormat, PCM_24K, type RealtimeAudioFormat } from './audio-format.js';
import { newId } from './ids.js';
import type { ErrorDetails, ServerSession } from './server-events.js';
import { SESSION_SHAPE, sessionUpdateProblem } from './session-shape.js';

/** What the simulation needs out of the session configuration. */
export interface SessionSettings {
  inputFormat: RealtimeAudioFormat;
  outputFormat: RealtimeAudioFormat;
  voice: string;
  /** null: no turn detection, the client commits and asks for responses itself. */
  turnDetection: { silenceMs: number; createResponse: boolean; interruptResponse: boolean } | null;
}

/** Top-level session fields the server keeps and reports back (`audio` is merged side by side). */
const KEPT_FIELDS = Object.keys(SESSION_SHAPE.fields).filter((field) => field !== 'type' && field !== 'audio');

export function defaultSession(model: string, expiresAtSeconds: number): ServerSession {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: newId('sess'),
    model,
    output_modalities: ['audio'],
    instructions: 'You are a simulated OpenAI Realtime upstream: no model runs here.',
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    expires_at: expiresAtSeconds,
    audio: {
      input: {
        format: PCM_24K,
        turn_detection: {
          type: 'server_vad',
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
          idle_timeout_ms: null,
          create_response: true,
          interrupt_response: true,
        },
      },
      output: { format: PCM_24K, voice: 'marin', speed: 1 },
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type SessionUpdateResult = { session: ServerSession } | { error: ErrorDetails };

/**
 * Applies a client's `session.update` the way the GA server does: `session.type` is required,
 * the whole update is refused (nothing of it applied) over one field the GA declarations do not
 * know, a PCM format without `rate` or a format type the interface does not offer (see
 * session-shape.ts), and nested `audio.input` / `audio.output` are merged field by field.
 */
export function applySessionUpdate(current: ServerSession, update: unknown): SessionUpdateResult {
  if (!isObject(update)) {
    return { error: { code: 'missing_required_parameter', message: "Missing required parameter: 'session'.", param: 'session' } };
  }
  if (update.type === undefined) {
    return { error: { code: 'missing_required_parameter', message: "Missing required parameter: 'session.type'.", param: 'session.type' } };
  }
  if (update.type !== 'realtime') {
    const message = `Invalid value: '${typeof update.type === 'string' ? update.type : JSON.stringify(update.type)}'. The simulator only offers 'realtime' sessions.`;
    return { error: { code: 'invalid_value', message, param: 'session.type' } };
  }
  const problem = sessionUpdateProblem(update);
  if (problem) return { error: problem };
  const next: ServerSession = { ...current, audio: { input: { ...current.audio?.input }, output: { ...current.audio?.output } } };
  for (const field of KEPT_FIELDS) if (update[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = update[field];
  const audio = isObject(update.audio) ? update.audio : {};
  for (const side of ['input', 'output'] as const) {
    const given = audio[side];
    if (!isObject(given)) continue;
    Object.assign(next.audio![side]!, given);
  }
  return { session: next };
}

export function sessionSettings(session: ServerSession): SessionSettings {
  const input = session.audio?.input;
  const output = session.audio?.output;
  const td = input?.turn_detection;
  const voice = output?.voice;
  return {
    inputFormat: parseAudioFormat(input?.format) ?? PCM_24K,
    outputFormat: parseAudioFormat(output?.format) ?? PCM_24K,
    voice: typeof voice === 'string' ? voice : 'marin',
    turnDetection: td
      ? {
          silenceMs: td.type === 'server_vad' && typeof td.silence_duration_ms === 'number' ? td.silence_duration_ms : 500,
          createResponse: td.create_response !== false,
          interruptResponse: td.interrupt_response !== false,
        }
      : null,
  };
}
