import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, SIMULATOR_URL, type AppConfig } from '../config/index.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { RealtimeClient, type RealtimeClientHandlers } from './realtime-client.js';
import { upstreamTarget, type UpstreamTarget } from './upstream-target.js';

/** Makes one RealtimeClient per call (and per reconnect), aimed at the configured upstream. */
@Injectable()
export class RealtimeClientFactory {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly simulator: SimulatorService,
  ) {}

  target(): UpstreamTarget {
    const base = this.config.openai.realtimeUrl === SIMULATOR_URL ? this.simulator.url : this.config.openai.realtimeUrl;
    if (!base) throw new Error('the simulated upstream is selected but not running');
    return upstreamTarget(base, this.config.openai);
  }

  create(logger: Logger, handlers: RealtimeClientHandlers): RealtimeClient {
    return new RealtimeClient(this.target(), this.config.openai.connectTimeoutMs, this.config.openai.heartbeatMs, logger, handlers);
  }
}
