import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, SIMULATOR_URL, type AppConfig } from '../config/index.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { RealtimeClient } from './realtime-client.js';
import { RealtimeUpstreamSession } from './realtime-upstream-session.js';
import type { UpstreamListener, UpstreamSession, UpstreamSessionFactory } from './upstream-session.js';
import { upstreamTarget, type UpstreamTarget } from './upstream-target.js';

/** Makes one Realtime session per call (and per reconnect), aimed at the configured upstream. */
@Injectable()
export class RealtimeUpstreamSessionFactory implements UpstreamSessionFactory {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly simulator: SimulatorService,
  ) {}

  target(): UpstreamTarget {
    const base = this.config.openai.realtimeUrl === SIMULATOR_URL ? this.simulator.url : this.config.openai.realtimeUrl;
    if (!base) throw new Error('the simulated upstream is selected but not running');
    return upstreamTarget(base, this.config.openai);
  }

  create(logger: Logger, listener: UpstreamListener): UpstreamSession {
    const { openai } = this.config;
    const target = this.target();
    return new RealtimeUpstreamSession(openai, (handlers) => new RealtimeClient(target, openai.connectTimeoutMs, openai.heartbeatMs, logger, handlers), logger, listener);
  }
}
