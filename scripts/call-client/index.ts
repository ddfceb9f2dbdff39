/** A recorded caller for an STS service: the operators' call CLI, the demo and the load benchmark use it. */
export { runCall } from './run-call.js';
export type { CallEvent } from './types.js';
export { readWav, decodeWav, writeWav } from '../../src/audio/wav/wav.js';
export { findSpeechTurns } from './speech-turns.js';
export { LatencyTracker } from './latency.js';
export { frameSendTimeMs, paceFrames, type Clock } from './pacing.js';
export { FRAME_MS, FRAME_BYTES, FRAME_SAMPLES } from './frames.js';
export { formatEvent, formatProgress, formatSummary } from './report.js';
export { audioMessage, initMessage, decodeServiceMessage, plainAudioPayload } from './avr-protocol.js';
