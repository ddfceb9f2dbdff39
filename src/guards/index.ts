export { GuardsModule } from './guards.module.js';
export { GuardsService } from './guards.service.js';
export { CallGuards, greetingInstructions, type GuardedCall, type FailureHandling } from './call-guards.js';
export type { ToolWaitSound } from './tool-wait-sound.js';
