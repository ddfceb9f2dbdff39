import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CallModule } from '../call/call.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), CallModule],
  controllers: [HealthController],
})
export class HealthModule {}
