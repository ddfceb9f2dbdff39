export * from './logger.js';
export * from './logging.module.js';
export * from './nest-logger.adapter.js';
export * from './redaction.js';
export * from './log-budget.js';
export * from './last-resort.js';
