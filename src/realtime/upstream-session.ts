/**
 * The call engine's view of an upstream voice model: call-level verbs and typed events, nothing of
 * any wire protocol. OpenAI Realtime GA (src/realtime/) and GPT-Live (src/live/) each implement it;
 * `src/call/` depends on this file only.
 *
 * Audio crosses this seam in the session's upstream format (see `UpstreamAudioFormat`): the call
 * engine resamples or not, the implementation only base64-encodes.
 */
import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';

/** What the upstream carries: 24 kHz 16-bit PCM (resampled by us) or G.711 mu-law at 8 kHz. */
export type UpstreamAudioFormat = 'pcm16' | 'pcmu';

/** What an implementation can and cannot do; the call engine adapts instead of asking which one it is. */
export interface UpstreamCapabilities {
  /** Tells the engine when caller speech starts and stops (Realtime VAD); GPT-Live does not. */
  readonly callerTurnEvents: boolean;
  /** Marks where each agent response starts and ends; on GPT-Live the engine derives turns from audio. */
  readonly responseEvents: boolean;
  /** Accepts `heard()` (Realtime truncate); GPT-Live has no playback report. */
  readonly truncation: boolean;
  /** A response can be asked for explicitly (`respond()`); GPT-Live decides by itself when to talk. */
  readonly explicitResponses: boolean;
}

/** One entry of the conversation so far, for seeding a replacement session. */
export interface ReplayItem {
  role: 'user' | 'agent' | 'tool';
  text: string;
}

/** A function the model may call, in the JSON-schema form both interfaces take. */
export interface UpstreamTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What a session is opened with; the same settings again on every replacement session of a call. */
export interface UpstreamSessionSettings {
  instructions: string;
  tools: readonly UpstreamTool[];
  /** Conversation so far (empty for the call's first session), oldest first, already within budget. */
  replay: readonly ReplayItem[];
  /** The call's own settings (its agent profile's); unset: the deployment's env settings. */
  call?: UpstreamCallSettings;
}

/**
 * One call's effective settings (its agent profile over the env defaults): the env's `openai` shape,
 * plus what only a profile sets. Implementations read what their interface supports.
 */
export interface UpstreamCallSettings {
  openai: AppConfig['openai'];
  /** An OpenAI stored prompt (Realtime `session.prompt`), variables already filled. */
  prompt?: { id: string; version?: string; variables?: Record<string, string> };
  /** Spoken speed, 0.25-1.5 (Realtime `audio.output.speed`). */
  outputSpeed?: number;
  transcriptionKeywords?: readonly string[];
}

/** The token counts an upstream reports, in one list so totals and zeros are never written twice. */
export const TOKEN_COUNTS = [
  'inputTokens',
  'outputTokens',
  'totalTokens',
  'inputTextTokens',
  'inputAudioTokens',
  'inputCachedTokens',
  'outputTextTokens',
  'outputAudioTokens',
] as const;

export type TokenCounts = Record<(typeof TOKEN_COUNTS)[number], number>;

export interface UpstreamUsage extends TokenCounts {
  /** Billed session seconds (GPT-Live); 0 on Realtime. */
  sessionSeconds?: number;
}

/** Usage with every count at zero. */
export function zeroTokenCounts(): TokenCounts {
  return Object.fromEntries(TOKEN_COUNTS.map((name) => [name, 0])) as TokenCounts;
}

/** An upstream error, classified by the implementation that knows its codes. */
export interface UpstreamErrorInfo {
  /** Bounded vocabulary (known codes, else 'other'): safe as a metric label. */
  code: string;
  message: string;
  /** Nothing the call can do about it (a race, a refused truncation): logged at debug only. */
  benign: boolean;
  /** No new session can help (bad key, quota, policy): the call ends. */
  fatal: boolean;
  /** The session is over but a new one may serve (session expired). */
  sessionOver: boolean;
}

export type UpstreamEvent =
  /** Agent audio in the session's format; itemId when the upstream names items (Realtime). */
  | { type: 'agent_audio'; audio: Buffer; itemId?: string; responseId?: string }
  /** The audio of one agent item is complete (flush the framer's tail). */
  | { type: 'agent_audio_done'; itemId?: string; responseId?: string }
  | { type: 'response_started'; responseId: string }
  | {
      type: 'response_done';
      responseId?: string;
      status: 'completed' | 'cancelled' | 'failed' | 'incomplete';
      /** For failed/incomplete: the code or reason the upstream gave. */
      reason?: string;
      /** For failed: the failure, classified (fatal, transient) like an error event. */
      error?: UpstreamErrorInfo;
      usage?: UpstreamUsage;
    }
  | { type: 'caller_speech_started'; itemId?: string }
  | { type: 'caller_speech_stopped' }
  /**
   * When the caller's turn ended (epoch ms), known only after the fact: GPT-Live's timed transcript,
   * reported once per agent turn that answers caller speech, possibly after that turn began. The
   * response latency runs from `at` to the answer's first frame sent.
   */
  | { type: 'caller_turn_ended'; at: number }
  /** A finished transcript of one turn (GPT-Live: fragments grouped by the implementation). */
  | { type: 'transcript'; role: 'user' | 'agent'; text: string; itemId?: string; startedAt?: number }
  /** A function call that completed (never one of a cancelled or interrupted response). */
  | { type: 'tool_call'; callId: string; name: string; arguments: string; responseId?: string }
  | { type: 'error'; error: UpstreamErrorInfo }
  /** Usage reported outside a response (GPT-Live session usage, final usage on close). */
  | { type: 'usage'; usage: UpstreamUsage };

/** How an upstream connection failed to open, was refused its configuration, or was lost. */
export type UpstreamFailureKind = 'refused' | 'dns' | 'http' | 'timeout' | 'closed' | 'network' | 'configuration' | 'aborted' | 'internal';

/**
 * Why an upstream session could not be opened or was lost, in terms the call engine acts on.
 * Implementations reject open() and report lost() with it (a plain `Error & { retryable }` is
 * accepted too; the engine then reads it as a network failure).
 */
export class UpstreamFailure extends Error {
  readonly kind: UpstreamFailureKind;
  /** HTTP status of a refused upgrade, or WebSocket close code. */
  readonly status?: number;
  /** The upstream's error code, when it said one (bounded: safe as a metric label). */
  readonly code?: string;
  /** Whether a new connection could help (not for a bad key, no quota, a refused configuration). */
  readonly retryable: boolean;

  constructor(kind: UpstreamFailureKind, message: string, opts: { retryable: boolean; status?: number; code?: string }) {
    super(message);
    this.name = 'UpstreamFailure';
    this.kind = kind;
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.code !== undefined) this.code = opts.code;
  }

  /** A short, bounded label for metrics: the code, else kind and status. */
  get label(): string {
    return this.code ?? (this.status ? `${this.kind}_${this.status}` : this.kind);
  }
}

export interface UpstreamListener {
  event(event: UpstreamEvent): void;
  /** The connection was lost (not after close()); `failure.retryable` says whether a new one may help. */
  lost(failure: Error & { retryable: boolean }): void;
}

/** Makes one session per upstream connection of a call (the first, and each replacement). */
export interface UpstreamSessionFactory {
  /**
   * `call`: the call's own settings when known before the connect (they may choose the model the
   * connection is opened for); unset: the env settings, and open() then gets the call's settings.
   */
  create(logger: Logger, listener: UpstreamListener, call?: UpstreamCallSettings): UpstreamSession;
}

/** Nest injection token of the configured `UpstreamSessionFactory`. */
export const UPSTREAM_SESSION_FACTORY = Symbol('UPSTREAM_SESSION_FACTORY');

export interface UpstreamSession {
  readonly capabilities: UpstreamCapabilities;
  /** Opened and configured (the upstream acknowledged the settings), and not closed or lost. */
  readonly isReady: boolean;
  /**
   * Opens the connection and configures it with the settings; resolves once the upstream has
   * acknowledged them (session.updated / session.started). Rejects with a classified failure
   * (a refused configuration is not retryable) and on abort.
   */
  open(settings: UpstreamSessionSettings, signal: AbortSignal): Promise<void>;
  /**
   * Optional: opens the connection only, so it can overlap with resolving the settings (the call's
   * instructions may come from a web service); open() then only configures. Same rejections.
   */
  connect?(signal: AbortSignal): Promise<void>;
  appendAudio(audio: Uint8Array): void;
  /** Asks the model to speak (optional per-response instructions). No-op where not explicit. */
  respond(instructions?: string): void;
  /** Stops the response in progress where the upstream does not do so by itself on barge-in. */
  cancel(): void;
  /** Tells the upstream how much of an agent item the caller heard. No-op without truncation. */
  heard(itemId: string, audioEndMs: number): void;
  /** Text the caller "said" (DTMF, injected context), added to the conversation as a user turn. */
  addUserText(text: string): void;
  /** Trusted instruction mid-call (wrap-up, check-in); Realtime: a system message item. */
  addInstruction(text: string): void;
  /** The result of a tool call; the engine calls respond() once every call of a response has one. */
  toolResult(callId: string, output: string): void;
  close(): void;
  /** Server events that could not be read (not JSON, wrong field types) and were ignored. */
  readonly malformedEvents?: number;
  /** When the upstream will end this session by itself (epoch ms), where it says so (GPT-Live `expires_at`). */
  readonly expiresAt?: number;
}
