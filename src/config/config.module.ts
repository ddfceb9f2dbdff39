import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config.js';

/** Injection token of the validated, frozen AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The configuration is parsed and validated before Nest starts (so a bad value stops the process
 * with readable lines, not a stack trace); this module only hands the result out, both as the
 * APP_CONFIG object and through @nestjs/config's typed ConfigService (`get('openai', {infer: true})`).
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ...config })], cache: true })],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG, NestConfigModule],
    };
  }
}
