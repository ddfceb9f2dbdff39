export * from './call-record.js';
export * from './call-records.module.js';
export * from './call-records.service.js';
