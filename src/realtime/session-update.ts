import type { AppConfig } from '../config/index.js';
import type { RealtimeSessionCreateRequest, RealtimeToolsConfigUnion, SessionUpdateEvent } from './realtime-events.js';
import type { UpstreamCallSettings } from './upstream-session.js';

/** What a call's profile adds to its session beyond the env's `openai` shape. */
export type SessionExtras = Omit<UpstreamCallSettings, 'openai'>;

/**
 * Transcription models that take no `prompt` (the declarations: "not supported with
 * gpt-realtime-whisper in GA Realtime sessions"; the diarize model takes none either).
 */
export function takesTranscriptionPrompt(model: string): boolean {
  return !/^gpt-realtime-whisper\b|diarize/.test(model);
}

/** Models that take `reasoning.effort`. */
export function isReasoningModel(model: string): boolean {
  return /^gpt-realtime-2(\b|[.-])/.test(model);
}

/** The upstream audio format for the configured mode: 24 kHz PCM through our resampler, or G.711 mu-law at 8 kHz. */
function upstreamAudioFormat(mode: AppConfig['openai']['audioFormat']) {
  return mode === 'pcmu' ? ({ type: 'audio/pcmu' } as const) : ({ type: 'audio/pcm', rate: 24000 } as const);
}

/**
 * The first (and, after a reconnect, the same) `session.update` of a call, GA shape only. The live
 * GA server refuses the whole update over one unknown field (`session.temperature` is the one AVR's
 * connector sends: "Unknown parameter: 'session.temperature'.") and the model is chosen by the
 * URL's `?model=` (proxies and Azure deployment names have been refused as `session.model`), so
 * neither is ever sent.
 *
 * `openai` is the call's effective settings (its profile over the env's); `extras` what only a
 * profile sets. Transcription keywords go as the transcription `prompt` (the declarations have no
 * `keywords` field; for whisper-1 the prompt is "a list of keywords"). With a stored prompt and no
 * instructions text, `instructions` is left out so the stored prompt's own apply.
 */
export function buildSessionUpdate(
  openai: AppConfig['openai'],
  instructions: string,
  tools: RealtimeToolsConfigUnion[],
  extras: SessionExtras = {},
): SessionUpdateEvent {
  const format = upstreamAudioFormat(openai.audioFormat);
  const turnDetection =
    openai.turnDetection === 'none'
      ? null
      : openai.turnDetection === 'semantic_vad'
        ? { type: 'semantic_vad' as const, eagerness: openai.eagerness, create_response: true, interrupt_response: true }
        : {
            type: 'server_vad' as const,
            threshold: openai.vadThreshold,
            prefix_padding_ms: openai.vadPrefixPaddingMs,
            silence_duration_ms: openai.vadSilenceMs,
            create_response: true,
            interrupt_response: true,
          };
  const keywords =
    extras.transcriptionKeywords?.length && takesTranscriptionPrompt(openai.transcriptionModel)
      ? extras.transcriptionKeywords.join(', ')
      : undefined;
  const session: RealtimeSessionCreateRequest = {
    type: 'realtime',
    ...(instructions || !extras.prompt ? { instructions } : {}),
    output_modalities: ['audio'],
    audio: {
      input: {
        format,
        transcription: {
          model: openai.transcriptionModel,
          ...(openai.language ? { language: openai.language } : {}),
          ...(keywords ? { prompt: keywords } : {}),
        },
        // Omitted when off: the server's default is no noise reduction.
        ...(openai.noiseReduction === 'none' ? {} : { noise_reduction: { type: openai.noiseReduction } }),
        turn_detection: turnDetection,
      },
      output: { format, voice: openai.voice, ...(extras.outputSpeed !== undefined ? { speed: extras.outputSpeed } : {}) },
    },
    max_output_tokens: openai.maxTokens,
    ...(extras.prompt ? { prompt: storedPrompt(extras.prompt) } : {}),
  };
  if (isReasoningModel(openai.model)) session.reasoning = { effort: openai.reasoningEffort };
  const allTools: RealtimeToolsConfigUnion[] = [
    ...tools,
    ...openai.mcpServers.map((s) => ({
      type: 'mcp' as const,
      server_label: s.server_label,
      server_url: s.server_url,
      ...(s.headers ? { headers: s.headers } : {}),
      ...(s.allowed_tools ? { allowed_tools: s.allowed_tools } : {}),
      require_approval: 'never' as const,
    })),
  ];
  if (allTools.length > 0) {
    session.tools = allTools;
    session.tool_choice = 'auto';
  }
  return { type: 'session.update', session };
}

/** Only the fields the declarations name (`ResponsePrompt`): id, and version and variables when set. */
function storedPrompt(prompt: NonNullable<SessionExtras['prompt']>): NonNullable<RealtimeSessionCreateRequest['prompt']> {
  return {
    id: prompt.id,
    ...(prompt.version ? { version: prompt.version } : {}),
    ...(prompt.variables && Object.keys(prompt.variables).length > 0 ? { variables: { ...prompt.variables } } : {}),
  };
}
