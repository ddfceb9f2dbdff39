import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/** Injection token of the validated, frozen AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The configuration is parsed and validated before Nest starts (so a bad value stops the process
 * with readable lines, not a stack trace); this module only hands the result out, as the typed
 * APP_CONFIG object every consumer injects.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
