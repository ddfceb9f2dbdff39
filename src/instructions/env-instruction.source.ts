import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { InstructionSource } from './instruction-source.js';

/** OPENAI_INSTRUCTIONS: fixed text, the highest priority. */
@Injectable()
export class EnvInstructionSource implements InstructionSource {
  readonly name = 'env';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  isConfigured(): boolean {
    return Boolean(this.config.instructions.text?.trim());
  }

  async load(): Promise<string | null> {
    return this.config.instructions.text?.trim() || null;
  }
}
