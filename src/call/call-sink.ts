import type { FailureHandling } from '../guards/index.js';

import type { CallOutcome } from '../common/call-facts.js';

export type { CallOutcome };

export interface CallEnd {
  outcome: CallOutcome;
  /** Human-readable cause, for logs and call records. */
  reason: string;
  /** Told to the caller's side before the end, when set. */
  clientMessage?: string;
  /** For an upstream failure: what the caller got instead of silence. */
  handling?: FailureHandling;
}

/**
 * What a call session needs of its transport: the only way call logic reaches AVR core.
 * The transports' call adapters (WsCallAdapter, HttpCallAdapter) implement it.
 */
export interface CallSink {
  /** One 20 ms frame (320 bytes) of 8 kHz 16-bit agent audio. */
  audio(frame: Buffer): void;
  transcript(role: 'user' | 'agent', text: string): void;
  /** The caller started talking over the agent: drop agent audio not yet played. */
  interruption(): void;
  /**
   * Only right before the call ends (AVR core stops all audio on any error message): what the
   * service tells the caller's side about why. Faults the call survives are logged, never sent.
   */
  error(message: string): void;
  /** The call is over; release the connection. Called exactly once. */
  end(end: CallEnd): void;
  /** The upstream session is configured and audio flows (HTTP starts its response here). */
  ready?(): void;
  /** Agent audio handed to the transport and not yet taken by the client (back-pressure). */
  readonly bufferedBytes: number;
}
