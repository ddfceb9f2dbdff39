import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/index.js';
import { PROFILE_FIELDS } from './profile-schema.js';
import { ProfileValidator } from './profile-validator.js';
import { warnFallThrough, type ProfileSource, type ProfileSourceCall, type SourcedProfile } from './profile-source.js';
import { isSecretKey, isSecretValue } from './secrets.js';

/**
 * Fields a call may not set from provider_config even when listed: MCP headers carry credentials,
 * and `match` only means something in files.
 */
const NEVER_FROM_PROVIDER_CONFIG = new Set(['mcp_servers', 'match']);

/**
 * init.provider_config (AVR's integration guide documents it; it is set per call by whoever
 * configures AVR core): only the fields PROVIDER_CONFIG_FIELDS names apply, secret-looking ones
 * never, and what remains passes the same schema as every other profile.
 */
@Injectable()
export class ProviderConfigProfileSource implements ProfileSource {
  readonly name = 'provider_config';
  private readonly allowed: ReadonlySet<string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly validator: ProfileValidator,
  ) {
    this.allowed = new Set(config.profiles.providerConfigFields);
  }

  isConfigured(): boolean {
    return this.allowed.size > 0;
  }

  mayChangeConnection(): boolean {
    return this.allowed.has('model') || this.allowed.has('interface');
  }

  async prepare(): Promise<void> {
    const problems = [...this.allowed].flatMap((f) =>
      !Object.hasOwn(PROFILE_FIELDS, f)
        ? [`PROVIDER_CONFIG_FIELDS: '${f}' is not a profile field (one of ${Object.keys(PROFILE_FIELDS).join(', ')})`]
        : NEVER_FROM_PROVIDER_CONFIG.has(f)
          ? [`PROVIDER_CONFIG_FIELDS: '${f}' cannot be set from provider_config`]
          : [],
    );
    if (problems.length > 0) throw new ConfigError(problems);
  }

  async load(call: ProfileSourceCall): Promise<SourcedProfile | null> {
    const raw = call.metadata.provider_config;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    const picked: Record<string, unknown> = {};
    let ignored = 0;
    for (const [key, value] of Object.entries(raw)) {
      if (this.allowed.has(key) && !isSecretKey(key) && !isSecretValue(value)) picked[key] = value;
      else ignored++;
    }
    // Only a count: the names of what was dropped may themselves be telling.
    if (ignored > 0) call.logger.debug({ source: this.name, ignored }, 'provider_config fields outside PROVIDER_CONFIG_FIELDS ignored');
    if (Object.keys(picked).length === 0) return null;
    const checked = this.validator.validate(picked);
    if (!checked.ok) return warnFallThrough(call, this.name, `invalid profile: ${checked.problems.join('; ')}`);
    return {
      profile: checked.profile,
      name: checked.profile.name ?? this.name,
      ...(checked.profile.version ? { version: checked.profile.version } : {}),
    };
  }
}
