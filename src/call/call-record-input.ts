import type { Transport } from './call-registry.js';
import type { CallOutcome } from './call-sink.js';
import type { ConversationItem } from './conversation.js';

/** Token usage summed over every response.done of a call (all upstream sessions). */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  inputTextTokens: number;
  inputAudioTokens: number;
  inputCachedTokens: number;
  outputTextTokens: number;
  outputAudioTokens: number;
  responses: number;
}

/** Everything a call session knows at its end, handed to the call-records module. */
export interface CallRecordInput {
  uuid: string;
  transport: Transport;
  /** Query parameters and extra init fields, as received. */
  metadata: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
  outcome: CallOutcome;
  reason: string;
  /** In spoken order: caller and agent transcripts, tool calls with arguments and results. */
  conversation: readonly ConversationItem[];
  instructionsSource: string;
  model: string;
  voice: string;
  /** Upstream sessions opened after the first (drops, expiry, rotation). */
  reconnects: number;
  /** Per turn: caller's end of speech to the first agent frame sent. */
  latenciesMs: number[];
  usage: UsageTotals;
}

export function emptyUsage(): UsageTotals {
  return {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    inputTextTokens: 0,
    inputAudioTokens: 0,
    inputCachedTokens: 0,
    outputTextTokens: 0,
    outputAudioTokens: 0,
    responses: 0,
  };
}

/** Adds a response.done `usage` object (GA shape) to the totals; unknown shapes add nothing. */
export function addUsage(totals: UsageTotals, usage: unknown): void {
  if (typeof usage !== 'object' || usage === null) return;
  const u = usage as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const input = (u.input_token_details ?? {}) as Record<string, unknown>;
  const output = (u.output_token_details ?? {}) as Record<string, unknown>;
  totals.inputTokens += n(u.input_tokens);
  totals.outputTokens += n(u.output_tokens);
  totals.totalTokens += n(u.total_tokens);
  totals.inputTextTokens += n(input.text_tokens);
  totals.inputAudioTokens += n(input.audio_tokens);
  totals.inputCachedTokens += n(input.cached_tokens);
  totals.outputTextTokens += n(output.text_tokens);
  totals.outputAudioTokens += n(output.audio_tokens);
  totals.responses++;
}
