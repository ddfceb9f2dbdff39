import { Module, type Type } from '@nestjs/common';
import { DefaultInstructionSource } from './default-instruction.source.js';
import { EnvInstructionSource } from './env-instruction.source.js';
import { FileInstructionSource } from './file-instruction.source.js';
import { INSTRUCTION_SOURCES, type InstructionSource } from './instruction-source.js';
import { InstructionsService } from './instructions.service.js';
import { UrlInstructionSource } from './url-instruction.source.js';

/** Highest priority first. A new source is one class and one line here. */
const SOURCES_IN_PRIORITY_ORDER: Type<InstructionSource>[] = [
  EnvInstructionSource,
  UrlInstructionSource,
  FileInstructionSource,
  DefaultInstructionSource,
];

@Module({
  providers: [
    ...SOURCES_IN_PRIORITY_ORDER,
    {
      provide: INSTRUCTION_SOURCES,
      useFactory: (...sources: InstructionSource[]): InstructionSource[] => sources,
      inject: SOURCES_IN_PRIORITY_ORDER,
    },
    InstructionsService,
  ],
  exports: [InstructionsService],
})
export class InstructionsModule {}
