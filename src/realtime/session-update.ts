import type { AppConfig } from '../config/index.js';
import type { RealtimeSessionCreateRequest, RealtimeToolsConfigUnion, SessionUpdateEvent } from './realtime-events.js';

/** Models that take `reasoning.effort`. */
export function isReasoningModel(model: string): boolean {
  return /^gpt-realtime-2(\b|[.-])/.test(model);
}

/** The upstream audio format for the configured mode: 24 kHz PCM through our resampler, or G.711 mu-law at 8 kHz. */
export function upstreamAudioFormat(mode: AppConfig['openai']['audioFormat']) {
  return mode === 'pcmu' ? ({ type: 'audio/pcmu' } as const) : ({ type: 'audio/pcm', rate: 24000 } as const);
}

/**
 * The first (and, after a reconnect, the same) `session.update` of a call, GA shape only. The live
 * GA server refuses the whole update over one unknown field (`session.temperature` is the one AVR's
 * connector sends: "Unknown parameter: 'session.temperature'.") and the model is chosen by the
 * URL's `?model=` (proxies and Azure deployment names have been refused as `session.model`), so
 * neither is ever sent.
 */
export function buildSessionUpdate(
  openai: AppConfig['openai'],
  instructions: string,
  tools: RealtimeToolsConfigUnion[],
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
  const session: RealtimeSessionCreateRequest = {
    type: 'realtime',
    instructions,
    output_modalities: ['audio'],
    audio: {
      input: {
        format,
        transcription: { model: openai.transcriptionModel, ...(openai.language ? { language: openai.language } : {}) },
        // Omitted when off: the server's default is no noise reduction.
        ...(openai.noiseReduction === 'none' ? {} : { noise_reduction: { type: openai.noiseReduction } }),
        turn_detection: turnDetection,
      },
      output: { format, voice: openai.voice },
    },
    max_output_tokens: openai.maxTokens,
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
