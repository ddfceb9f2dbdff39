import { Module } from '@nestjs/common';
import { GuardsService } from './guards.service.js';

/** Call guards: silent callers, maximum length, what the caller hears when the upstream fails. */
@Module({
  providers: [GuardsService],
  exports: [GuardsService],
})
export class GuardsModule {}
