import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module.js';
import { InstructionsModule } from '../instructions/instructions.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { UpstreamModule } from '../upstream/upstream.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { CallRecordsModule } from '../records/index.js';
import { GuardsModule } from '../guards/index.js';
import { CallRegistry } from './call-registry.js';
import { CallService } from './call.service.js';

@Module({
  imports: [UpstreamModule, InstructionsModule, AudioModule, ToolsModule, CallRecordsModule, GuardsModule, ProfilesModule],
  providers: [CallRegistry, CallService],
  exports: [CallRegistry, CallService],
})
export class CallModule {}
