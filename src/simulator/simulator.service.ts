import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, SIMULATOR_URL, type AppConfig } from '../config/index.js';
import { ROOT_LOGGER } from '../logging/index.js';
import { LiveSimulator } from './live-simulator.js';
import { RealtimeSimulator } from './realtime-simulator.js';

/**
 * Runs the built-in simulated upstream of the configured interface when its URL is `simulator`
 * (OPENAI_REALTIME_URL for Realtime, OPENAI_LIVE_URL for GPT-Live), so the service can be tried
 * (`npm run demo`, `npm run demo -- --live`) without an OpenAI key. Otherwise it does nothing.
 */
@Injectable()
export class SimulatorService implements OnModuleInit, OnModuleDestroy {
  private simulator: RealtimeSimulator | LiveSimulator | undefined;
  private address: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** The simulator's ws:// base URL while it runs; undefined when the real upstream is used. */
  get url(): string | undefined {
    return this.address;
  }

  async onModuleInit(): Promise<void> {
    const { openai } = this.config;
    const live = openai.interface === 'live';
    if ((live ? openai.liveUrl : openai.realtimeUrl) !== SIMULATOR_URL) return;
    const { reply, sessionLimitMs } = this.config.simulator;
    const simulator = live ? new LiveSimulator({ reply, sessionLimitMs }) : new RealtimeSimulator({ reply, sessionLimitMs });
    this.address = await simulator.start({ host: '127.0.0.1', port: 0 });
    this.simulator = simulator;
    this.logger.info(
      { simulatorUrl: this.address, reply, sessionLimitMs },
      `using the built-in simulated OpenAI ${live ? 'GPT-Live' : 'Realtime'} upstream (no model, no API key): replies are simulated`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    const simulator = this.simulator;
    this.simulator = undefined;
    this.address = undefined;
    await simulator?.close();
  }
}
