export * from './tool.js';
export * from './call-control-tools.js';
export * from './tool-registry.js';
export * from './tool-runner.js';
export * from './tools.module.js';
