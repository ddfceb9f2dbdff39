import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { InstructionSource } from './instruction-source.js';

/** The built-in text: always configured, so it ends every fall-through chain. */
@Injectable()
export class DefaultInstructionSource implements InstructionSource {
  readonly name = 'default';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  isConfigured(): boolean {
    return true;
  }

  async load(): Promise<string | null> {
    return this.config.instructions.defaultText;
  }
}
