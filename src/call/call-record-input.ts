import type { FailureHandling } from '../guards/index.js';
import type { UpstreamUsage } from '../realtime/upstream-session.js';
import type { Transport } from './call-registry.js';
import type { CallOutcome } from './call-sink.js';
import type { ConversationItem } from './conversation.js';

/** Token usage summed over every response of a call (all upstream sessions). */
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
  /** Billed session seconds, summed over the call's sessions (GPT-Live); 0 on Realtime. */
  sessionSeconds: number;
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
  /** For an upstream failure: what the caller got instead of silence (announcement, then hangup or transfer). */
  handling?: FailureHandling;
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
  /** The call's agent profile (name, version, source); unset for calls refused before one was resolved. */
  profile?: { name: string; version?: string; source: string };
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
    sessionSeconds: 0,
  };
}

/** Adds usage the upstream reported (a response's, or the session's) to the call's totals. */
export function addUsage(totals: UsageTotals, usage: UpstreamUsage, ofResponse: boolean): void {
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  totals.totalTokens += usage.totalTokens;
  totals.inputTextTokens += usage.inputTextTokens;
  totals.inputAudioTokens += usage.inputAudioTokens;
  totals.inputCachedTokens += usage.inputCachedTokens;
  totals.outputTextTokens += usage.outputTextTokens;
  totals.outputAudioTokens += usage.outputAudioTokens;
  totals.sessionSeconds += usage.sessionSeconds ?? 0;
  if (ofResponse) totals.responses++;
}
