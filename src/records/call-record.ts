import type { CallRecordInput, UsageTotals } from './call-record-input.js';
import type { CallOutcome, ConversationItem, Transport } from '../common/call-facts.js';
import { boundedUntrusted } from '../logging/redaction.js';

/**
 * One spoken turn. `role`, `text` and `timestamp` are the names the legacy call-summary receivers
 * read. Without transcripts, `text` is left out and only its length (`chars`) is kept.
 */
export interface TranscriptEntry {
  role: 'user' | 'agent';
  text?: string;
  chars?: number;
  timestamp: string;
  interrupted?: true;
}

/**
 * One tool call. Without transcripts, `arguments`, `result` and `error` are left out: a tool's
 * arguments and answers carry what the caller said (names, numbers, addresses) as much as the
 * transcript does, and an error message often echoes them. Name, outcome and timing remain.
 */
export interface ToolCallEntry {
  name: string;
  ok: boolean;
  arguments?: unknown;
  result?: string;
  error?: string;
  durationMs: number;
  timestamp: string;
}

/** Token usage with OpenAI's own field names, so it can be read next to the Realtime docs. */
export interface RecordUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_token_details: { text_tokens: number; audio_tokens: number; cached_tokens: number };
  output_token_details: { text_tokens: number; audio_tokens: number };
  responses: number;
  /** GPT-Live only: billed session seconds over the call's sessions (tokens are then the backend's). */
  session_seconds?: number;
}

/** The JSON posted to the call-summary receiver at the end of each call. */
export interface CallRecord {
  recordVersion: 1;
  sessionUuid: string;
  transport: Transport;
  callerInfo: { phoneNumber: string | null; channel: string | null; extension: string | null };
  metadata: Record<string, unknown>;
  callMetadata: { startTime: string; endTime: string; durationSeconds: number };
  outcome: CallOutcome;
  reason: string;
  /** Upstream failures only: announced_hangup or announced_transfer. */
  handling?: string;
  transcripts: TranscriptEntry[];
  toolCalls: ToolCallEntry[];
  instructionsSource: string;
  /** The call's agent profile: its name, version and the source it came from (url, file, provider_config, env). Absent on a refused call. */
  profile?: { name: string; version?: string; source: string };
  /** Which OpenAI voice interface served the call. */
  interface: 'realtime' | 'live';
  model: string;
  voice: string;
  reconnects: number;
  latency: { perTurnMs: number[]; medianMs: number | null };
  usage: RecordUsage;
  counts: { userTurns: number; agentTurns: number; toolCalls: number };
}

export interface CallRecordOptions {
  /** False: no transcript text, tool arguments or tool results leave the service. */
  includeTranscripts: boolean;
  /** The configured OpenAI interface (default realtime). */
  interface?: 'realtime' | 'live';
}

export function buildCallRecord(input: CallRecordInput, opts: CallRecordOptions): CallRecord {
  // Client metadata is untrusted: bounded (a 20,000-deep init extra must not cost the record)
  // and without secret-looking keys at any depth, whatever the transport passed on.
  const metadata = boundedUntrusted(input.metadata);
  const spoken = input.conversation.filter((item) => item.role === 'user' || item.role === 'agent');
  const tools = input.conversation.filter((item) => item.role === 'tool' && item.tool !== undefined);
  return {
    recordVersion: 1,
    sessionUuid: input.uuid,
    transport: input.transport,
    callerInfo: {
      phoneNumber: knownString(metadata.from),
      channel: knownString(metadata.channel),
      extension: knownString(metadata.to),
    },
    metadata,
    callMetadata: {
      startTime: isoTime(input.startedAt),
      endTime: isoTime(input.endedAt),
      durationSeconds: durationSeconds(input.startedAt, input.endedAt),
    },
    outcome: input.outcome,
    reason: input.reason,
    ...(input.handling ? { handling: input.handling } : {}),
    transcripts: spoken.map((item) => transcriptEntry(item, opts.includeTranscripts)),
    toolCalls: tools.map((item) => toolCallEntry(item, opts.includeTranscripts)),
    instructionsSource: input.instructionsSource,
    ...(input.profile
      ? {
          profile: {
            name: input.profile.name,
            ...(input.profile.version ? { version: input.profile.version } : {}),
            source: input.profile.source,
          },
        }
      : {}),
    interface: opts.interface ?? 'realtime',
    model: input.model,
    voice: input.voice,
    reconnects: input.reconnects,
    latency: { perTurnMs: [...input.latenciesMs], medianMs: median(input.latenciesMs) },
    usage: openAiUsage(input.usage, opts.interface === 'live'),
    counts: {
      userTurns: spoken.filter((item) => item.role === 'user').length,
      agentTurns: spoken.filter((item) => item.role === 'agent').length,
      toolCalls: tools.length,
    },
  };
}

function transcriptEntry(item: ConversationItem, withText: boolean): TranscriptEntry {
  const role = item.role as 'user' | 'agent';
  const timestamp = isoTime(item.at);
  const entry: TranscriptEntry = withText ? { role, text: item.text, timestamp } : { role, chars: item.text.length, timestamp };
  if (item.interrupted) entry.interrupted = true;
  return entry;
}

function toolCallEntry(item: ConversationItem, withText: boolean): ToolCallEntry {
  const tool = item.tool!;
  const ok = tool.error === undefined;
  const entry: ToolCallEntry = { name: tool.name, ok, durationMs: tool.durationMs, timestamp: isoTime(item.at) };
  if (withText) {
    entry.arguments = tool.arguments;
    if (ok) entry.result = tool.result;
    else entry.error = tool.error;
  }
  return entry;
}

function openAiUsage(u: UsageTotals, live: boolean): RecordUsage {
  const usage: RecordUsage = {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    total_tokens: u.totalTokens,
    input_token_details: { text_tokens: u.inputTextTokens, audio_tokens: u.inputAudioTokens, cached_tokens: u.inputCachedTokens },
    output_token_details: { text_tokens: u.outputTextTokens, audio_tokens: u.outputAudioTokens },
    responses: u.responses,
  };
  if (live) usage.session_seconds = u.sessionSeconds;
  return usage;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Metadata is untrusted caller input: only a non-empty string is a known value. */
function knownString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Millisecond precision; never negative or NaN, whatever the clocks said. */
function durationSeconds(startedAt: number, endedAt: number): number {
  const ms = Math.round(endedAt - startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/** A bad clock value must not cost the whole record (toISOString throws on NaN). */
function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : new Date(0).toISOString();
}
