import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import { isLiveVoice } from '../config/live-voices.js';
import type { ResolvedInstructions } from '../instructions/instructions.service.js';
import { takesTranscriptionPrompt } from '../realtime/session-update.js';
import type { UpstreamCallSettings, UpstreamTool } from '../realtime/upstream-session.js';
import type { GreetingMode } from './agent-profile.js';
import type { ProfileCall } from './profile-source.js';
import type { ProfileService } from './profile.service.js';
import type { ResolvedProfile } from './resolved-profile.js';
import { isSecretKey, isSecretValue, withoutSecrets } from './secrets.js';

/** What the call engine needs of the profile service (absent in engine unit tests: env defaults). */
export type CallProfiles = Pick<ProfileService, 'resolve' | 'instructionsFor' | 'mayChangeConnection'>;

/** The profile's name, version and source, for the call record and the call's log lines. */
export interface ProfileLabel {
  name: string;
  version?: string;
  source: string;
}

/**
 * One call's profile as the call engine uses it (the steps at the top of index.ts): resolution
 * starts at once, the connect waits for it only when a profile could change the connection, and
 * until it is known everything reads the env defaults.
 */
export class CallProfile {
  private resolved: ResolvedProfile | undefined;
  /** Settles with the call's profile (undefined: no profile service, env defaults); never rejects. */
  readonly ready: Promise<ResolvedProfile | undefined>;
  /** The call's metadata as logs and records may show it: provider_config cut to its allow-list. */
  readonly publicMetadata: Record<string, unknown>;
  /** Whether the first upstream connect must wait for the profile (it may choose the model). */
  readonly connectsAfterProfile: boolean;

  constructor(
    private readonly config: AppConfig,
    private readonly service: CallProfiles | undefined,
    call: ProfileCall,
    private readonly log: Logger,
  ) {
    this.publicMetadata = metadataForRecords(call.metadata, config.profiles.providerConfigFields);
    this.connectsAfterProfile = service?.mayChangeConnection() ?? false;
    this.ready = service
      ? service.resolve(call, log).then(
          (profile) => (this.resolved = this.forDeployment(profile)),
          (err: unknown) => {
            // resolve() never throws by contract; if it ever does, the call goes on with the defaults.
            log.error({ err }, 'resolving the call profile failed: using the env defaults');
            return undefined;
          },
        )
      : Promise.resolve(undefined);
  }

  /** The call's effective `openai` settings: the profile's once resolved, the env's until then. */
  get openai(): AppConfig['openai'] {
    return this.resolved?.openai ?? this.config.openai;
  }

  /** The profile's greeting mode; undefined: GREETING_MODE decides. */
  get greetingMode(): GreetingMode | undefined {
    return this.resolved?.greetingMode;
  }

  /** The call-guard settings the profile sets (unset ones: the env's), in the guards' terms. */
  get guards(): { idlePromptMs?: number; idleMaxPrompts?: number; maxCallSeconds?: number; wrapUpSeconds?: number } {
    const g = this.resolved?.guards ?? {};
    return {
      idlePromptMs: g.idlePromptMs,
      idleMaxPrompts: g.idleMaxPrompts,
      maxCallSeconds: g.maxCallSeconds,
      wrapUpSeconds: g.maxCallWrapupSeconds,
    };
  }

  get label(): ProfileLabel | undefined {
    const p = this.resolved;
    return p ? { name: p.name, ...(p.version ? { version: p.version } : {}), source: p.source } : undefined;
  }

  /** For the upstream session factory and session.update; undefined until the profile is known. */
  upstream(): UpstreamCallSettings | undefined {
    const p = this.resolved;
    if (!p) return undefined;
    return {
      openai: p.openai,
      ...(p.prompt ? { prompt: p.prompt } : {}),
      ...(p.outputSpeed !== undefined ? { outputSpeed: p.outputSpeed } : {}),
      ...(p.transcriptionKeywords ? { transcriptionKeywords: p.transcriptionKeywords } : {}),
    };
  }

  /** The profile's tool allow-list (unset: every loaded tool); a tool outside it is neither offered nor run. */
  allowedTools(): ReadonlySet<string> | undefined {
    return this.resolved?.tools ? new Set(this.resolved.tools) : undefined;
  }

  offered(tools: readonly UpstreamTool[]): UpstreamTool[] {
    const allowed = this.allowedTools();
    return allowed ? tools.filter((t) => allowed.has(t.name)) : [...tools];
  }

  /** The profile's own instructions win; else the instructions sources', placeholders filled. */
  instructions(fromSources: ResolvedInstructions): ResolvedInstructions {
    if (!this.resolved || !this.service) return fromSources;
    const chosen = this.service.instructionsFor(this.resolved, fromSources, this.log);
    return { text: chosen.text ?? '', source: chosen.source };
  }

  /**
   * One deployment serves one interface (its session factory): a profile asking for the other one
   * keeps the deployment's model, with one warning, rather than a connection that cannot work.
   */
  private forDeployment(profile: ResolvedProfile): ResolvedProfile {
    if (profile.transcriptionKeywords?.length && !takesTranscriptionPrompt(profile.openai.transcriptionModel)) {
      this.log.warn(
        { profile: profile.name, transcriptionModel: profile.openai.transcriptionModel },
        "the profile's transcription keywords are left out: this transcription model takes no prompt",
      );
    }
    const served = this.config.openai.interface;
    if (served === 'live' && !isLiveVoice(profile.openai.voice)) {
      // The same rule as OPENAI_VOICE's at start-up: a voice GPT-Live does not list would fail the session start.
      this.log.warn(
        { profile: profile.name, source: profile.source, voice: profile.openai.voice.slice(0, 64), kept: this.config.openai.voice },
        "the profile's voice is not a GPT-Live voice: the call keeps the deployment's",
      );
      profile = { ...profile, openai: { ...profile.openai, voice: this.config.openai.voice } };
    }
    if (profile.interface === served) return profile;
    this.log.warn(
      { profile: profile.name, source: profile.source, asked: profile.interface, served },
      "the profile's interface is not the one this deployment serves: the call keeps the deployment's model",
    );
    return { ...profile, interface: served, openai: { ...profile.openai, model: this.config.openai.model }, changesConnection: false };
  }
}

/**
 * The call metadata a log line or call record may carry. Once PROVIDER_CONFIG_FIELDS makes
 * init.provider_config a profile source, provider_config keeps only the fields it names, never a
 * secret-looking one (the rest may be another agent's settings or credentials). Without it,
 * provider_config is plain metadata, as before profiles, left to the record's and logger's bounds.
 */
export function metadataForRecords(
  metadata: Readonly<Record<string, unknown>>,
  providerConfigFields: readonly string[],
): Record<string, unknown> {
  if (providerConfigFields.length === 0 || !Object.hasOwn(metadata, 'provider_config')) return { ...metadata };
  const { provider_config: raw, ...rest } = metadata;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return rest;
  const allowed = new Set(providerConfigFields);
  const kept = Object.entries(raw).filter(([key, value]) => allowed.has(key) && !isSecretKey(key) && !isSecretValue(value));
  return kept.length > 0 ? { ...rest, provider_config: withoutSecrets(Object.fromEntries(kept)) } : rest;
}
