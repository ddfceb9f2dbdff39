import { Module } from '@nestjs/common';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { RealtimeUpstreamSessionFactory } from './realtime-upstream-session.factory.js';

/** The OpenAI Realtime GA implementation of the upstream seam (its simulator when the URL says so). */
@Module({
  imports: [SimulatorModule],
  providers: [RealtimeUpstreamSessionFactory],
  exports: [RealtimeUpstreamSessionFactory],
})
export class RealtimeModule {}
