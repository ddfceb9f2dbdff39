import { Module } from '@nestjs/common';
import { CallRecordsService } from './call-records.service.js';
import { DEFAULT_RETRY_TIMING, RETRY_TIMING } from './retry-timing.js';

/** Needs APP_CONFIG, ROOT_LOGGER and MetricsService, all global in the app. */
@Module({
  providers: [{ provide: RETRY_TIMING, useValue: DEFAULT_RETRY_TIMING }, CallRecordsService],
  exports: [CallRecordsService],
})
export class CallRecordsModule {}
