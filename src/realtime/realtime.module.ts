import { Module } from '@nestjs/common';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { RealtimeClientFactory } from './realtime-client.factory.js';

@Module({
  imports: [SimulatorModule],
  providers: [RealtimeClientFactory],
  exports: [RealtimeClientFactory],
})
export class RealtimeModule {}
