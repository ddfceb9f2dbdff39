export * from './instruction-source.js';
export * from './instructions.service.js';
export * from './instructions.module.js';
