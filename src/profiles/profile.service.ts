import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { ResolvedInstructions } from '../instructions/index.js';
import { errorText } from '../common/error-text.js';
import { configuredSafely, withinDeadline, withUuid } from '../common/source-chain.js';
import { ROOT_LOGGER } from '../logging/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  PROFILE_SOURCES,
  warnFallThrough,
  type ProfileCall,
  type ProfileSource,
  type ProfileSourceCall,
  type SourcedProfile,
} from './profile-source.js';
import { fillTemplate, templateValues } from './profile-template.js';
import { overlay, type ResolvedProfile } from './resolved-profile.js';
import { withoutSecrets } from './secrets.js';

/** Beyond the web service's timeout, how long resolution may take before the rest is skipped. */
const DEADLINE_SLACK_MS = 500;

/** The instructions a call is configured with; no text when a stored prompt carries them. */
export interface CallInstructions {
  text?: string;
  /** 'profile', 'prompt', or the instructions source that gave the text. */
  source: string;
}

/**
 * A call's profile: the first configured source (in priority order) that has one, overlaid on the
 * env defaults. Never throws and settles within the web service timeout plus a little slack,
 * because the call engine awaits it before (or while) it connects the upstream.
 */
@Injectable()
export class ProfileService implements OnModuleInit {
  private readonly calls: Counter<'source'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly rootLogger: Logger,
    @Inject(PROFILE_SOURCES) private readonly sources: readonly ProfileSource[],
    metrics: MetricsService,
  ) {
    this.calls = new Counter({
      name: 'avr_sts_profile_source_total',
      help: 'Calls by the source of their agent profile',
      labelNames: ['source'] as const,
      registers: [metrics.registry],
    });
    for (const s of sources) this.calls.labels(s.name).inc(0);
  }

  /** Checks what the sources can check before the first call (profile files, PROVIDER_CONFIG_FIELDS); a problem stops start-up. */
  async onModuleInit(): Promise<void> {
    for (const source of this.sources) await source.prepare?.();
  }

  /**
   * False when no configured source can set the model or interface: the engine may then open the
   * upstream with the env defaults while the profile resolves. (A profile file edited in between
   * still shows as `changesConnection` on the resolved profile, and the engine reconnects.)
   */
  mayChangeConnection(): boolean {
    return this.sources.some((s) => {
      try {
        return s.isConfigured() && (s.mayChangeConnection?.() ?? true);
      } catch {
        return true;
      }
    });
  }

  async resolve(call: ProfileCall, log?: Logger): Promise<ResolvedProfile> {
    const started = Date.now();
    const logger = withUuid(log ?? this.rootLogger, call.uuid);
    const metadata = (withoutSecrets(call.metadata) ?? {}) as Record<string, unknown>;
    const sourceCall: ProfileSourceCall = { uuid: call.uuid, transport: call.transport, metadata, logger };
    const deadline = started + this.config.profiles.timeoutMs + DEADLINE_SLACK_MS;

    let found: { sourced: SourcedProfile; source: string } | undefined;
    for (const source of this.sources) {
      if (!configuredSafely(source, (reason) => warnFallThrough(sourceCall, source.name, reason))) continue;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        warnFallThrough(sourceCall, source.name, 'skipped: profile resolution ran out of time');
        continue;
      }
      const sourced = await ask(source, sourceCall, remainingMs);
      if (sourced) {
        found = { sourced, source: source.name };
        break;
      }
    }
    // Reached without a profile only if the env source is missing from the list or was skipped for time.
    found ??= { sourced: { profile: {}, name: 'env' }, source: 'env' };

    const unknown = new Set<string>();
    const placeholders = templateValues({ uuid: call.uuid, metadata }, this.config.profiles.timezone, new Date(started));
    const resolved = overlay(this.config, found.sourced, found.source, placeholders, (name) => unknown.add(name));
    warnUnknown(logger, unknown);
    this.calls.labels(found.source).inc();
    // Names, never the instructions: they may be long and are the operator's business.
    logger.info(
      {
        profile: resolved.name,
        version: resolved.version,
        source: resolved.source,
        changesConnection: resolved.changesConnection,
        ms: Date.now() - started,
      },
      'profile resolved',
    );
    return resolved;
  }

  /**
   * The call's instructions: the profile's own, else none when its stored prompt carries them,
   * else what the instructions sources gave, with the call's placeholders filled in.
   */
  instructionsFor(profile: ResolvedProfile, fromSources: ResolvedInstructions, log?: Logger): CallInstructions {
    if (profile.instructions) return { text: profile.instructions, source: 'profile' };
    if (profile.prompt) return { source: 'prompt' };
    const filled = fillTemplate(fromSources.text, profile.placeholders);
    warnUnknown(log ?? this.rootLogger, new Set(filled.unknown));
    return { text: filled.text, source: fromSources.source };
  }
}

/** One source's profile, or null (with one warning) if it fails, throws or takes too long. */
async function ask(source: ProfileSource, call: ProfileSourceCall, withinMs: number): Promise<SourcedProfile | null> {
  try {
    const answer = await withinDeadline(source.load(call), withinMs);
    if (answer === 'overtime') return warnFallThrough(call, source.name, `no answer within ${withinMs} ms`);
    return answer;
  } catch (err) {
    return warnFallThrough(call, source.name, `failed: ${errorText(err)}`);
  }
}

function warnUnknown(logger: Logger, unknown: ReadonlySet<string>): void {
  if (unknown.size > 0) logger.warn({ placeholders: [...unknown] }, 'unknown placeholders left as written');
}
