import type { LiveSessionOptions } from '../live-upstream-session.js';

/** A LiveUpstreamSession's options for a spec: the test models, μ-law, short timeouts, `overrides` on top. */
export function liveTestOptions(url: string, overrides: Partial<LiveSessionOptions> = {}): LiveSessionOptions {
  return {
    url,
    model: 'gpt-live-1',
    voice: 'marin',
    audioFormat: 'pcmu',
    backendModel: 'gpt-5.6-terra',
    connectTimeoutMs: 2000,
    heartbeatMs: 5000,
    ...overrides,
  };
}
