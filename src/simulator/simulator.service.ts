import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, SIMULATOR_URL, type AppConfig } from '../config/index.js';
import { ROOT_LOGGER } from '../logging/index.js';
import { RealtimeSimulator } from './realtime-simulator.js';

/**
 * Runs the built-in simulated upstream when OPENAI_REALTIME_URL=simulator, so the service can be
 * tried (`npm run demo`) without an OpenAI key. Otherwise it does nothing.
 */
@Injectable()
export class SimulatorService implements OnModuleInit, OnModuleDestroy {
  private simulator: RealtimeSimulator | undefined;
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
    if (this.config.openai.realtimeUrl !== SIMULATOR_URL) return;
    const { reply, sessionLimitMs } = this.config.simulator;
    const simulator = new RealtimeSimulator({ reply, sessionLimitMs });
    this.address = await simulator.start({ host: '127.0.0.1', port: 0 });
    this.simulator = simulator;
    this.logger.info(
      { simulatorUrl: this.address, reply, sessionLimitMs },
      'using the built-in simulated OpenAI Realtime upstream (no model, no API key): replies are simulated',
    );
  }

  async onModuleDestroy(): Promise<void> {
    const simulator = this.simulator;
    this.simulator = undefined;
    this.address = undefined;
    await simulator?.close();
  }
}
