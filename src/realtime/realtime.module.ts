import { Module } from '@nestjs/common';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { RealtimeUpstreamSessionFactory } from './realtime-upstream-session.factory.js';
import { UPSTREAM_SESSION_FACTORY } from './upstream-session.js';

@Module({
  imports: [SimulatorModule],
  providers: [RealtimeUpstreamSessionFactory, { provide: UPSTREAM_SESSION_FACTORY, useExisting: RealtimeUpstreamSessionFactory }],
  exports: [RealtimeUpstreamSessionFactory, UPSTREAM_SESSION_FACTORY],
})
export class RealtimeModule {}
