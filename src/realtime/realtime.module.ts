import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { LiveUpstreamSessionFactory, liveSessionOptions } from '../live/live-config.js';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { RealtimeUpstreamSessionFactory } from './realtime-upstream-session.factory.js';
import { UPSTREAM_SESSION_FACTORY, type UpstreamSessionFactory } from './upstream-session.js';

/**
 * The configured interface's session factory under UPSTREAM_SESSION_FACTORY: GPT-Live
 * (`OPENAI_INTERFACE=live`) or Realtime. Live options are read per session, so the simulator's
 * address (known only once it has started) is picked up.
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
  imports: [SimulatorModule],
  providers: [
    RealtimeUpstreamSessionFactory,
    {
      provide: UPSTREAM_SESSION_FACTORY,
      useFactory: upstreamSessionFactory,
      inject: [APP_CONFIG, RealtimeUpstreamSessionFactory, SimulatorService],
    },
  ],
  exports: [RealtimeUpstreamSessionFactory, UPSTREAM_SESSION_FACTORY],
})
export class RealtimeModule {}
