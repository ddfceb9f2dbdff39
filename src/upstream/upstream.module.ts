import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { LiveUpstreamSessionFactory, liveSessionOptions } from '../live/live-config.js';
import { RealtimeUpstreamSessionFactory } from '../realtime/realtime-upstream-session.factory.js';
import { UPSTREAM_SESSION_FACTORY, type UpstreamSessionFactory } from '../realtime/upstream-session.js';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { SimulatorService } from '../simulator/simulator.service.js';

/**
 * The configured interface's session factory under UPSTREAM_SESSION_FACTORY: GPT-Live
 * (`OPENAI_INTERFACE=live`) or Realtime. Both read the simulator's address per session (it is
 * known only once the simulator has started). Here rather than in either implementation's
 * folder, so neither imports the other, nor the simulator (which imports GPT-Live's event types).
 */
function upstreamSessionFactory(config: AppConfig, simulator: SimulatorService): UpstreamSessionFactory {
  if (config.openai.interface !== 'live') return new RealtimeUpstreamSessionFactory(config, () => simulator.url);
  return new LiveUpstreamSessionFactory(() => liveSessionOptions(config.openai, simulator.url));
}

@Module({
  imports: [SimulatorModule],
  providers: [
    {
      provide: UPSTREAM_SESSION_FACTORY,
      useFactory: upstreamSessionFactory,
      inject: [APP_CONFIG, SimulatorService],
    },
  ],
  exports: [UPSTREAM_SESSION_FACTORY],
})
export class UpstreamModule {}
