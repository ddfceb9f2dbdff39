import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CallModule } from './call/call.module.js';
import { AppConfigModule, type AppConfig } from './config/index.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/index.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ProfilesModule } from './profiles/index.js';
import { HttpTransportModule } from './transport/http/http.module.js';
import { WsTransportModule } from './transport/ws/ws.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        MetricsModule,
        CallModule,
        // Per-call agent profiles; the call engine does not ask it yet (its wiring comes with the engine rewrite).
        ProfilesModule,
        HealthModule,
        WsTransportModule,
        HttpTransportModule,
      ],
    };
  }
}
