import type { ReplayItem, UpstreamAudioFormat, UpstreamSessionSettings, UpstreamTool } from '../realtime/upstream-session.js';
import {
  CUSTOM_VOICE_PREFIX,
  type AudioFormat,
  type FunctionTool,
  type InitialItem,
  type SessionConfig,
  type SessionStartEvent,
} from './live-events.js';
import { estimateTokens, INPUT_MAX_MESSAGES, INPUT_MAX_TOKENS, truncateToTokens } from './live-text.js';

export interface LiveStartOptions {
  model: string;
  voice: string;
  audioFormat: UpstreamAudioFormat;
  backendModel: string;
}

const SESSION_START_EVENT_ID = 'live_session_start';

/** The wire format of a session: G.711 mu-law at 8 kHz (no resampling) or 24 kHz PCM (our resampler). */
function liveAudioFormat(format: UpstreamAudioFormat): AudioFormat {
  return format === 'pcmu' ? { type: 'audio/pcmu', rate: 8000 } : { type: 'audio/pcm', rate: 24000 };
}

/**
 * The first message of every Live session of a call: the model and voice are the call's (its agent
 * profile's, else the deployment's). Only fields of the SDK's `SessionConfig` are
 * set (the server refuses unknown ones): no VAD, transcription, noise reduction, temperature or
 * top-level tools exist on Live. Tools go to the backend Responses model (Responses delegation),
 * with the call's instructions as its prompt so business rules hold there too; the migration
 * guide's `parallel_tool_calls: false` keeps one call per backend turn.
 */
export function buildSessionStart(settings: UpstreamSessionSettings, opts: LiveStartOptions): SessionStartEvent {
  // The call's agent profile, where it set them, over the deployment's (CallProfile keeps only a Live voice).
  const { model, voice } = settings.call?.openai ?? opts;
  const session: SessionConfig = {
    model,
    audio: { format: liveAudioFormat(opts.audioFormat), output: { voice: voiceOf(voice) } },
    delegation: {
      type: 'responses',
      responses: {
        model: opts.backendModel,
        ...(settings.instructions ? { instructions: settings.instructions } : {}),
        ...(settings.tools.length > 0
          ? { tools: settings.tools.map(functionTool), tool_choice: 'auto' as const, parallel_tool_calls: false }
          : {}),
        reasoning: { effort: 'low' },
      },
    },
  };
  if (settings.instructions) session.instructions = settings.instructions;
  const input = replayInput(settings.replay);
  if (input.length > 0) session.input = input;
  return { type: 'session.start', event_id: SESSION_START_EVENT_ID, session };
}

function voiceOf(voice: string): string | { id: string } {
  return voice.startsWith(CUSTOM_VOICE_PREFIX) ? { id: voice } : voice;
}

function functionTool(tool: UpstreamTool): FunctionTool {
  return { type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters };
}

/**
 * The conversation so far as `session.input`: the newest messages that fit in 128 messages and
 * 8,192 tokens (estimated high), oldest first. Live has no `system` or tool role: a tool result is
 * a developer note. A single message larger than the whole budget is cut, not dropped.
 */
export function replayInput(replay: readonly ReplayItem[]): InitialItem[] {
  const kept: InitialItem[] = [];
  let tokens = 0;
  for (let i = replay.length - 1; i >= 0 && kept.length < INPUT_MAX_MESSAGES; i--) {
    const item = replay[i];
    if (!item.text.trim()) continue;
    let text = item.role === 'tool' ? `Tool result earlier in this call: ${item.text}` : item.text;
    const cost = estimateTokens(text);
    if (tokens + cost > INPUT_MAX_TOKENS) {
      if (kept.length > 0) break;
      text = truncateToTokens(text, INPUT_MAX_TOKENS);
    }
    tokens += estimateTokens(text);
    kept.push(initialItem(item.role, text));
  }
  return kept.reverse();
}

function initialItem(role: ReplayItem['role'], text: string): InitialItem {
  if (role === 'agent') return { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] };
  if (role === 'user') return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
  return { type: 'message', role: 'developer', content: [{ type: 'input_text', text }] };
}
