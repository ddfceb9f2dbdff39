import type { TurnLatency } from './latency.js';
import type { SpeechDetectorOptions } from './speech-turns.js';

export type TransportKind = 'ws' | 'http';

export interface CallOptions {
  /** ws://host:6030 (WebSocket) or http://host:6030/speech-to-speech-stream (HTTP; a bare http://host:6030 gets that path). */
  url: string;
  /** The caller's audio: 8 kHz mono 16-bit (readWav gives this). */
  input: Int16Array;
  /** Call id: sent in init (WebSocket) or X-UUID (HTTP). Default: a random UUID. */
  uuid?: string;
  /** Call metadata as a query string ("from=2000&to=5001"), added to a WebSocket URL as AVR core does; not used for HTTP. */
  query?: string;
  /** Sent as ?token= (WebSocket) or Authorization: Bearer (HTTP). */
  token?: string;
  /** Silence sent after the input, so the answer has time to arrive while the caller is still on the line. Default 4000. */
  tailMs?: number;
  /** >1 sends faster than real time (quick tests). Default 1. */
  realtimeFactor?: number;
  /** How long to wait for the service to finish once the caller hangs up. Default 3000. */
  closeTimeoutMs?: number;
  /** Tuning of the end-of-speech detector used for latencies. */
  speechDetector?: SpeechDetectorOptions;
  /** Hangs up early (the summary is still returned). */
  signal?: AbortSignal;
  onEvent?: (event: CallEvent) => void;
}

/** Everything happening during a call; atMs counts from the first caller frame. */
export type CallEvent =
  | { type: 'connected'; transport: TransportKind; uuid: string; atMs: number }
  | { type: 'progress'; sentMs: number; receivedMs: number; atMs: number }
  | { type: 'agent-audio'; bytes: number; atMs: number }
  | { type: 'transcript'; role: string; text: string; atMs: number }
  | { type: 'interruption'; atMs: number }
  | { type: 'latency'; turn: number; latencyMs: number; atMs: number }
  | { type: 'error'; message: string; atMs: number }
  | { type: 'closed'; code?: number; reason?: string; httpStatus?: number; atMs: number };

export interface CallSummary {
  transport: TransportKind;
  uuid: string;
  framesSent: number;
  /** WebSocket: audio messages; HTTP: whole 20 ms frames' worth of response bytes. */
  framesReceived: number;
  bytesReceived: number;
  /** The agent's audio, 8 kHz mono 16-bit. */
  agentAudio: Int16Array;
  transcripts: Array<{ role: string; text: string; atMs: number }>;
  interruptions: number;
  /** Response latency of each caller turn that was answered, in order. */
  latenciesMs: number[];
  /** Every caller turn found in the input, answered or not. */
  turns: TurnLatency[];
  errors: string[];
  /** WebSocket close code. */
  closeCode?: number;
  closeReason?: string;
  /** HTTP response status. */
  httpStatus?: number;
  durationMs: number;
}
