export * from './instruction-source.js';
export * from './instructions.service.js';
export * from './instructions.module.js';
export { EnvInstructionSource } from './env-instruction.source.js';
export { UrlInstructionSource } from './url-instruction.source.js';
export { FileInstructionSource } from './file-instruction.source.js';
export { DefaultInstructionSource } from './default-instruction.source.js';
