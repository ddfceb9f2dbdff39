import type { Logger } from 'pino';
import { SIMULATOR_URL, type AppConfig } from '../config/index.js';
import { RealtimeClient } from './realtime-client.js';
import { RealtimeUpstreamSession } from './realtime-upstream-session.js';
import type { UpstreamCallSettings, UpstreamListener, UpstreamSession, UpstreamSessionFactory } from './upstream-session.js';
import { upstreamTarget, type UpstreamTarget } from './upstream-target.js';

/**
 * Makes one Realtime session per call (and per reconnect), aimed at the configured upstream.
 * `simulatorUrl` is asked per session: the simulator's address is known only once it has started
 * (src/upstream wires it, so this folder does not import the simulator, which imports ours).
 */
export class RealtimeUpstreamSessionFactory implements UpstreamSessionFactory {
  constructor(
    private readonly config: AppConfig,
    private readonly simulatorUrl: () => string | undefined,
  ) {}

  /** `openai`: a call's effective settings (its profile may choose the model, hence `?model=`). */
  target(openai: AppConfig['openai'] = this.config.openai): UpstreamTarget {
    const base = openai.realtimeUrl === SIMULATOR_URL ? this.simulatorUrl() : openai.realtimeUrl;
    if (!base) throw new Error('the simulated upstream is selected but not running');
    return upstreamTarget(base, openai);
  }

  /** `call`: the call's profile settings when known before the connect; else the env's (open() then gets the call's). */
  create(logger: Logger, listener: UpstreamListener, call?: UpstreamCallSettings): UpstreamSession {
    const openai = call?.openai ?? this.config.openai;
    const target = this.target(openai);
    return new RealtimeUpstreamSession(
      openai,
      (handlers) => new RealtimeClient(target, openai.connectTimeoutMs, openai.heartbeatMs, logger, handlers),
      logger,
      listener,
    );
  }
}
