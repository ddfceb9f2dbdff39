import { Injectable } from '@nestjs/common';
import type { ProfileSource, SourcedProfile } from './profile-source.js';

/** The env defaults as they are: always configured, so it ends every fall-through chain. */
@Injectable()
export class EnvProfileSource implements ProfileSource {
  readonly name = 'env';

  isConfigured(): boolean {
    return true;
  }

  mayChangeConnection(): boolean {
    return false;
  }

  async load(): Promise<SourcedProfile | null> {
    return { profile: {}, name: 'env' };
  }
}
