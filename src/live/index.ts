export * from './agent-turns.js';
export * from './live-errors.js';
export * from './live-events.js';
export * from './live-failure.js';
export * from './live-session-start.js';
export * from './live-text.js';
export * from './live-upstream-session.js';
export * from './transcript-turns.js';
