export * from './app-config.js';
export * from './config.module.js';
export type { Env, VarRule } from './env-reader.js';
