/** A recorded caller for an STS service: the operators' call CLI, the demo and the load benchmark use it. */
export { runCall } from './run-call.js';
export type { CallEvent, CallOptions, CallSummary, TransportKind } from './types.js';
export { readWav, decodeWav, writeWav, WavFormatError, type DecodedWav, type WavAudio } from './wav.js';
export { resample, toMono8k, floatToInt16, AVR_RATE } from './resample.js';
export { findSpeechTurns, speechEndMs, type SpeechTurn, type SpeechDetectorOptions } from './speech-turns.js';
export { LatencyTracker, type TurnLatency } from './latency.js';
export { frameSendTimeMs, paceFrames, systemClock, type Clock } from './pacing.js';
export { FRAME_MS, FRAME_BYTES, FRAME_SAMPLES } from './frames.js';
export { resolveTarget, displayUrl, type CallTarget } from './target.js';
export { formatEvent, formatProgress, formatSummary } from './report.js';
export {
  audioMessage,
  initMessage,
  decodeServiceMessage,
  plainAudioPayload,
  CLEAN_CLOSE_CODES,
  type ServiceMessage,
} from './avr-protocol.js';
