import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { CallRecordsService } from './call-records.service.js';
import { DEFAULT_RETRY_TIMING, RETRY_TIMING } from './retry-timing.js';

/** Needs APP_CONFIG, ROOT_LOGGER and MetricsService, all global in the app. */
@Module({
  providers: [
    {
      provide: RETRY_TIMING,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...DEFAULT_RETRY_TIMING, baseDelayMs: config.records.retryBaseMs }),
    },
    CallRecordsService,
  ],
  exports: [CallRecordsService],
})
export class CallRecordsModule {}
