import type { FailureHandling } from '../guards/index.js';
import { TOKEN_COUNTS, zeroTokenCounts, type TokenCounts, type UpstreamUsage } from '../realtime/upstream-session.js';
import type { CallOutcome, ConversationItem, Transport } from '../common/call-facts.js';

/** Token usage summed over every response of a call (all upstream sessions). */
export interface UsageTotals extends TokenCounts {
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
  return { ...zeroTokenCounts(), responses: 0, sessionSeconds: 0 };
}

/** Adds usage the upstream reported (a response's, or the session's) to the call's totals. */
export function addUsage(totals: UsageTotals, usage: UpstreamUsage, ofResponse: boolean): void {
  for (const name of TOKEN_COUNTS) totals[name] += usage[name];
  totals.sessionSeconds += usage.sessionSeconds ?? 0;
  if (ofResponse) totals.responses++;
}
