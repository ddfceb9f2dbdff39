import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { getJsonCapped, JsonGetError } from '../http-client/get-json-capped.js';
import { ProfileValidator } from './profile-validator.js';
import { warnFallThrough, type ProfileSource, type ProfileSourceCall, type SourcedProfile } from './profile-source.js';

/** "No profile for this call": the next source decides, and nothing is wrong. */
const NO_PROFILE_STATUSES = new Set([204, 404]);

/**
 * AGENT_PROFILE_URL: a web service asked on every call with the call's uuid, transport and
 * metadata (secrets already removed), answering the call's profile. Every failure falls through
 * with one warning, exactly like the instructions web service.
 */
@Injectable()
export class UrlProfileSource implements ProfileSource {
  readonly name = 'url';
  private readonly target?: URL;
  /** Origin and path only: the userinfo and query string may hold credentials. */
  private readonly loggableUrl?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly validator: ProfileValidator,
  ) {
    const raw = config.profiles.url?.trim();
    if (raw) {
      this.target = new URL(raw);
      this.loggableUrl = `${this.target.origin}${this.target.pathname}`;
    }
  }

  isConfigured(): boolean {
    return this.target !== undefined;
  }

  async load(call: ProfileSourceCall): Promise<SourcedProfile | null> {
    if (!this.target) return null;
    const { authHeader, timeoutMs, maxBytes } = this.config.profiles;
    let body: unknown;
    try {
      body = await getJsonCapped(this.target, {
        method: 'POST',
        body: JSON.stringify({ uuid: call.uuid, transport: call.transport, metadata: call.metadata }),
        headers: {
          'X-AVR-UUID': call.uuid,
          Accept: 'application/json',
          'Content-Type': 'application/json',
          ...(authHeader ? { Authorization: authHeader } : {}),
        },
        timeoutMs,
        maxBytes,
      });
    } catch (err) {
      if (err instanceof JsonGetError && err.status !== undefined && NO_PROFILE_STATUSES.has(err.status)) {
        call.logger.debug({ source: this.name, status: err.status }, 'profile web service has no profile for the call');
        return null;
      }
      const reason = err instanceof JsonGetError ? err.message : `request failed: ${String(err)}`;
      return warnFallThrough(call, this.name, reason, { url: this.loggableUrl });
    }
    const checked = this.validator.validate(body);
    if (!checked.ok) return warnFallThrough(call, this.name, `invalid profile: ${checked.problems.join('; ')}`, { url: this.loggableUrl });
    const { profile } = checked;
    return { profile, name: profile.name ?? 'web', ...(profile.version ? { version: profile.version } : {}) };
  }
}
