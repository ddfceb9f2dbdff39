import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { Logger } from 'pino';
import { AppConfigModule, loadConfig, type Env } from '../config/index.js';
import { LoggingModule } from '../logging/index.js';

/**
 * The one test-module builder of the unit specs: the modules under test wired as the app wires them,
 * on the configuration `env` makes (OPENAI_REALTIME_URL=simulator unless it says otherwise) and this
 * logger. Returns the builder, so a spec can still override a provider before compile().
 */
export function testModule(env: Env, logger: Logger, metadata: ModuleMetadata = {}): TestingModuleBuilder {
  return Test.createTestingModule({
    ...metadata,
    imports: [
      AppConfigModule.forRoot(loadConfig({ OPENAI_REALTIME_URL: 'simulator', ...env })),
      LoggingModule.forRoot(logger),
      ...(metadata.imports ?? []),
    ],
  });
}
