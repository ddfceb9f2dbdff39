import type { Logger } from 'pino';
import type { AgentProfile } from './agent-profile.js';

/** Names of the built-in sources; a custom source may use any other name. */
export type ProfileSourceName = 'url' | 'file' | 'provider_config' | 'env' | (string & {});

/** What the engine knows of a call when it asks for its profile. */
export interface ProfileCall {
  uuid: string;
  transport: 'ws' | 'http';
  /**
   * The call's query parameters and init fields (init.provider_config among them). Untrusted;
   * the service removes anything secret-looking again before a source sees it.
   */
  metadata: Readonly<Record<string, unknown>>;
}

/** The call as a source sees it; the logger already carries the call uuid. */
export interface ProfileSourceCall extends ProfileCall {
  logger: Logger;
}

/** A validated profile and the name/version it goes by in records. */
export interface SourcedProfile {
  profile: AgentProfile;
  name: string;
  version?: string;
}

/**
 * One place profiles may come from. The service asks the configured sources in priority order;
 * the first non-null answer wins.
 */
export interface ProfileSource {
  readonly name: ProfileSourceName;
  isConfigured(): boolean;
  /** Start-up work (e.g. checking files); a ConfigError thrown here stops the service. */
  prepare?(): Promise<void>;
  /**
   * Whether a profile from here could set the model or interface (what the upstream connection
   * depends on). Unimplemented means "it could".
   */
  mayChangeConnection?(): boolean;
  /** A validated profile, or null to fall through (after one warning when something failed). */
  load(call: ProfileSourceCall): Promise<SourcedProfile | null>;
}

/** Injection token of the ordered list of sources, highest priority first. */
export const PROFILE_SOURCES = Symbol('PROFILE_SOURCES');

/** The one warning a source writes when it gives up for this call: {uuid, source, reason}. */
export function warnFallThrough(call: ProfileSourceCall, source: ProfileSourceName, reason: string, extra: object = {}): null {
  call.logger.warn({ ...extra, source, reason }, 'profile source failed, using the next one');
  return null;
}
