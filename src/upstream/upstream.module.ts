import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { LiveUpstreamSessionFactory, liveSessionOptions } from '../live/live-config.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { RealtimeUpstreamSessionFactory } from '../realtime/realtime-upstream-session.factory.js';
import { UPSTREAM_SESSION_FACTORY, type UpstreamSessionFactory } from '../realtime/upstream-session.js';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { SimulatorService } from '../simulator/simulator.service.js';

/**
 * The configured interface's session factory under UPSTREAM_SESSION_FACTORY: GPT-Live
 * (`OPENAI_INTERFACE=live`) or Realtime. Live options are read per session, so the simulator's
 * address (known only once it has started) is picked up. Here rather than in either
 * implementation's folder, so neither imports the other.
 */
function upstreamSessionFactory(
  config: AppConfig,
  realtime: RealtimeUpstreamSessionFactory,
  simulator: SimulatorService,
): UpstreamSessionFactory {
  if (config.openai.interface !== 'live') return realtime;
  return new LiveUpstreamSessionFactory(() => liveSessionOptions(config.openai, simulator.url));
}

@Module({
  imports: [RealtimeModule, SimulatorModule],
  providers: [
    {
      provide: UPSTREAM_SESSION_FACTORY,
      useFactory: upstreamSessionFactory,
      inject: [APP_CONFIG, RealtimeUpstreamSessionFactory, SimulatorService],
    },
  ],
  exports: [UPSTREAM_SESSION_FACTORY],
})
export class UpstreamModule {}
