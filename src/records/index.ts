export * from './call-record.js';
export * from './call-records.module.js';
export * from './call-records.service.js';
export { DEFAULT_RETRY_TIMING, RETRY_TIMING, type RetryTiming } from './retry-timing.js';
