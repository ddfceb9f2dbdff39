import type { Env } from '../config/env-reader.js';
import { SIMULATOR_URL, type AppConfig } from '../config/app-config.js';
import type { Logger } from 'pino';
import type { UpstreamListener } from '../realtime/upstream-session.js';
import { LiveUpstreamSession, type LiveSessionOptions } from './live-upstream-session.js';

/**
 * Variables that mean nothing on GPT-Live: it has no turn detection, transcription settings, noise
 * reduction, temperature or voice-model reasoning and token limits (its strict schema would refuse
 * them, so they are never sent). And the other way round on Realtime. Start-up lists the ones set.
 */
const MEANINGLESS_ON_LIVE = [
  'OPENAI_REALTIME_URL',
  'OPENAI_TURN_DETECTION',
  'OPENAI_TURN_DETECTION_EAGERNESS',
  'OPENAI_VAD_THRESHOLD',
  'OPENAI_VAD_SILENCE_MS',
  'OPENAI_VAD_PREFIX_PADDING_MS',
  'OPENAI_TRANSCRIPTION_MODEL',
  'OPENAI_LANGUAGE',
  'OPENAI_NOISE_REDUCTION',
  'OPENAI_TEMPERATURE',
  'OPENAI_REASONING_EFFORT',
  'OPENAI_MAX_TOKENS',
] as const;

const MEANINGLESS_ON_REALTIME = ['OPENAI_LIVE_URL', 'OPENAI_LIVE_BACKEND_MODEL'] as const;

/** The configured variables the chosen interface ignores, for one start-up line. */
export function ignoredSettings(iface: AppConfig['openai']['interface'], env: Env): string[] {
  const names: readonly string[] = iface === 'live' ? MEANINGLESS_ON_LIVE : MEANINGLESS_ON_REALTIME;
  return names.filter((name) => (env[name]?.trim() ?? '') !== '');
}

/**
 * The options of every Live session of the service. `simulatorUrl` is the built-in simulator's
 * address when OPENAI_LIVE_URL=simulator.
 */
export function liveSessionOptions(openai: AppConfig['openai'], simulatorUrl?: string): LiveSessionOptions {
  const url = openai.liveUrl === SIMULATOR_URL ? simulatorUrl : openai.liveUrl;
  if (!url) throw new Error('OPENAI_LIVE_URL=simulator but the built-in simulator is not running');
  return {
    url,
    apiKey: openai.apiKey,
    model: openai.model,
    voice: openai.voice,
    audioFormat: openai.audioFormat,
    backendModel: openai.liveBackendModel,
    connectTimeoutMs: openai.connectTimeoutMs,
    heartbeatMs: openai.heartbeatMs,
  };
}

/**
 * Makes the Live session of each upstream connection of a call (the first and every replacement),
 * in the shape of the seam's session factory: `create(logger, listener)`. Options are read per
 * session, so a simulator address known only after start-up is picked up.
 */
export class LiveUpstreamSessionFactory {
  constructor(private readonly options: () => LiveSessionOptions) {}

  create(logger: Logger, listener: UpstreamListener): LiveUpstreamSession {
    return new LiveUpstreamSession(this.options(), logger, listener);
  }
}
