import { Module } from '@nestjs/common';
import { CallRegistry } from './call-registry.js';

@Module({
  providers: [CallRegistry],
  exports: [CallRegistry],
})
export class CallModule {}
