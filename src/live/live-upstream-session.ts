import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import type {
  UpstreamAudioFormat,
  UpstreamCapabilities,
  UpstreamEvent,
  UpstreamListener,
  UpstreamSession,
  UpstreamSessionSettings,
  UpstreamUsage,
} from '../realtime/upstream-session.js';
import { zeroTokenCounts } from '../realtime/upstream-session.js';
import { failureFromHttpStatus, failureFromSocketError } from '../realtime/upstream-failure.js';
import { AgentTurns, type AgentTurnOptions } from './agent-turns.js';
import { CallerTurnEnds } from './caller-turn-ends.js';
import { classifyLiveError } from './live-errors.js';
import type {
  ClientEvent,
  CommentaryAppendEvent,
  InstructionsAppendEvent,
  LiveWireEvent,
  ResponseCreateEvent,
  ResponseItemCreateEvent,
  SessionCloseEvent,
  SessionClosedEvent,
  ThinkingAppendEvent,
} from './live-events.js';
import { LiveFailure } from './live-failure.js';
import { buildSessionStart } from './live-session-start.js';
import { APPEND_MAX_TOKENS, truncateToTokens } from './live-text.js';
import { DEFAULT_TURN_GAP_MS, TranscriptTurns, type TranscriptFragment } from './transcript-turns.js';
import { closeUpstreamSocket, startHeartbeat } from '../realtime/upstream-socket.js';

export interface LiveSessionOptions {
  /** wss://api.openai.com/v1/live/sessions, an Azure `/openai/v1/live/sessions`, or a local one. */
  url: string;
  apiKey?: string;
  model: string;
  voice: string;
  audioFormat: UpstreamAudioFormat;
  backendModel: string;
  connectTimeoutMs: number;
  heartbeatMs: number;
  /** How long close() waits for `session.closed` (final usage) before cutting the socket. */
  closeTimeoutMs?: number;
  /** Transcript fragments further apart than this are two turns (default 800 ms). */
  turnGapMs?: number;
  agentTurns?: AgentTurnOptions;
  /**
   * A caller transcript fragment counts as talking over the agent when it overlaps the agent's
   * speech by at least this much (session-timeline estimates; transcripts lag speech). Default 200.
   */
  minOverlapMs?: number;
}

const MAX_UPSTREAM_MESSAGE = 64 * 1024 * 1024;
const DEFAULT_MIN_OVERLAP_MS = 200;

/** `session.closed` reasons (SDK `SessionClosedEvent`); anything else reads as `unknown`, so labels stay bounded. */
const CLOSE_REASONS = [
  'close_requested',
  'expired',
  'content',
  'remote_hangup',
  'connection_lost',
] as const satisfies readonly SessionClosedEvent['reason'][];

/** Said (as commentary) after appended instructions: "what reliably makes the model speak" (§d.6). */
export const BEGIN_PROMPT = 'Begin the conversation now, following the instructions provided.';
export const CONTINUE_PROMPT = 'Continue the conversation now, following the instructions just provided.';
/** Framing of text the caller entered without speaking (a keypress), as quiet context. */
export const USER_TEXT_PREFIX = 'Input from the caller, not spoken (for example a keypress): ';

type State = 'idle' | 'connecting' | 'started' | 'closing' | 'closed';

/**
 * One GPT-Live session of one call, behind the same seam as Realtime. Live has no turn, response
 * or item events, so this class derives what the call engine needs:
 *
 * - agent turns from the output audio (a speech gate, see AgentTurns): `response_started`, the
 *   turn's `agent_audio`, its grouped `transcript`, `agent_audio_done` and `response_done`, so the
 *   framer flush, the response-latency metric and "last words have played" work unchanged;
 * - caller turns from the timed input transcript (grouped at 800 ms gaps), the caller's end of
 *   speech before each agent turn (`caller_turn_ended`, see CallerTurnEnds) for the response
 *   latency, and
 *   `caller_speech_started` when a caller fragment overlaps an agent turn still under way (the
 *   model stops by itself; this only lets the engine send AVR `interruption`);
 * - tool calls from the backend's nested `response.output_item.done` (function_call, completed),
 *   answered with `response.item.create`; `respond()` then sends the one `response.create`.
 *
 * `respond()`: continues the delegated backend response once every call has its result; with
 * instructions and nothing to continue it acts as addInstruction(instructions) (a greeting asked
 * for the Realtime way still works); otherwise a no-op: Live decides by itself when to talk.
 * `cancel()` and `heard()` are no-ops: Live has neither cancel nor truncate.
 */
export class LiveUpstreamSession implements UpstreamSession {
  readonly capabilities: UpstreamCapabilities = {
    callerTurnEvents: false,
    responseEvents: false,
    truncation: false,
    explicitResponses: false,
  };

  private ws: WebSocket | undefined;
  private state: State = 'idle';
  private lostReported = false;
  /** close() was called: nothing is reported lost after it, and a pending open() reads as aborted. */
  private closedByUs = false;
  private malformed = 0;
  private droppedAudio = 0;
  private stopHeartbeat: (() => void) | undefined;
  private startedAt = 0;
  private sessionId: string | undefined;
  private expiresAtMs: number | undefined;
  /** The server's cumulative billed seconds of this session (`usage.seconds`). */
  private sessionSeconds = 0;
  /** Seconds already reported to the engine (usage events carry the increase, so they add up per call). */
  private reportedSeconds = 0;
  /** The session's own instructions (sent in session.start), so a per-response request does not append them again. */
  private sessionInstructions = '';
  private closedReason: string | undefined;
  private eventSeq = 0;
  /** Calls of the delegated backend still waiting for a result. */
  private readonly pendingCalls = new Set<string>();
  private resultsToContinue = false;
  private continueRequested = false;
  /** Backend response id per delegation, for tool calls' responseId. */
  private readonly responseOfDelegation = new Map<string, string>();
  private agentSpoke = false;
  private interruptedTurn: string | undefined;
  private readonly callerTurns: TranscriptTurns;
  private readonly agentTranscript: TranscriptTurns;
  private readonly agentTurns: AgentTurns;
  private readonly callerEnds = new CallerTurnEnds((at) => this.emit({ type: 'caller_turn_ended', at }));
  private agentTurnText: string[] = [];
  /** The agent turn whose transcript is being gathered (until its end has been reported). */
  private agentTurnOpen: string | undefined;

  constructor(
    private readonly opts: LiveSessionOptions,
    private readonly logger: Logger,
    private readonly listener: UpstreamListener,
  ) {
    const gap = opts.turnGapMs ?? DEFAULT_TURN_GAP_MS;
    this.callerTurns = new TranscriptTurns(gap, (turn) =>
      this.emit({ type: 'transcript', role: 'user', text: turn.text, startedAt: this.wallClockOf(turn.startMs) }),
    );
    // Agent fragments belong to the open agent turn; ones arriving between turns are grouped alone.
    this.agentTranscript = new TranscriptTurns(gap, (turn) => {
      if (this.agentTurnOpen) this.agentTurnText.push(turn.text);
      else this.emit({ type: 'transcript', role: 'agent', text: turn.text, startedAt: this.wallClockOf(turn.startMs) });
    });
    this.agentTurns = new AgentTurns(
      opts.audioFormat,
      {
        started: (turnId) => {
          this.agentSpoke = true;
          this.agentTurnOpen = turnId;
          // The caller speech before this turn is what it answers (reported once settled).
          this.callerEnds.agentTurnStarted(this.agentTurns.openedAt);
          this.emit({ type: 'response_started', responseId: turnId });
        },
        audio: (turnId, audio) => this.emit({ type: 'agent_audio', audio, itemId: turnId, responseId: turnId }),
        ended: (turnId) => this.endAgentTurn(turnId),
      },
      opts.agentTurns,
    );
  }

  get isReady(): boolean {
    return this.state === 'started' && this.ws?.readyState === WebSocket.OPEN;
  }

  /** The Live session id (`live_…`), once started. */
  get id(): string | undefined {
    return this.sessionId;
  }

  /** When the server will end this session (`session.started.session.expires_at`), epoch ms. */
  get expiresAt(): number | undefined {
    return this.expiresAtMs;
  }

  get malformedEvents(): number {
    return this.malformed;
  }

  /** Caller audio offered before `session.started` (dropped: Live refuses audio before it). */
  get droppedAudioBytes(): number {
    return this.droppedAudio;
  }

  open(settings: UpstreamSessionSettings, signal: AbortSignal): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new LiveFailure('configuration', 'a Live session opens once', { retryable: false }));
    if (signal.aborted) {
      this.state = 'closed';
      return Promise.reject(new LiveFailure('aborted', 'Live session open aborted', { retryable: false }));
    }
    this.state = 'connecting';
    this.sessionInstructions = settings.instructions.trim();
    const startEvent = buildSessionStart(settings, this.opts);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const headers: Record<string, string> = {};
      if (this.opts.apiKey) headers.Authorization = `Bearer ${this.opts.apiKey}`;
      const ws = new WebSocket(this.opts.url, {
        headers,
        handshakeTimeout: this.opts.connectTimeoutMs,
        perMessageDeflate: false,
        maxPayload: MAX_UPSTREAM_MESSAGE,
      });
      this.ws = ws;
      const fail = (failure: LiveFailure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.state = 'closed';
        ws.removeAllListeners('message');
        ws.terminate();
        this.disposeTimers();
        reject(this.closedByUs ? new LiveFailure('aborted', 'Live session closed while opening', { retryable: false }) : failure);
      };
      const onAbort = () => fail(new LiveFailure('aborted', 'Live session open aborted', { retryable: false }));
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () =>
          fail(
            new LiveFailure('timeout', `GPT-Live did not start the session within ${this.opts.connectTimeoutMs} ms`, { retryable: true }),
          ),
        this.opts.connectTimeoutMs,
      );
      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        const refused = () => fail(LiveFailure.from(failureFromHttpStatus(res.statusCode ?? 0, body)));
        res.on('end', refused);
        res.on('error', refused);
      });
      ws.on('open', () => this.sendEvent(startEvent));
      ws.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled) fail(LiveFailure.from(failureFromSocketError(err)));
        else this.reportLost(LiveFailure.from(failureFromSocketError(err)));
      });
      ws.on('close', (code: number, reason: Buffer) => {
        const why = `${code}${reason.length ? ` ${reason.toString().slice(0, 200)}` : ''}`;
        if (!settled)
          return fail(new LiveFailure('closed', `GPT-Live closed before the session started (${why})`, { retryable: true, status: code }));
        this.onSocketClosed(code, why);
      });
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        const event = this.parse(data, isBinary);
        if (!event) return;
        if (!settled) {
          if (event.type === 'error') {
            const info = classifyLiveError(event.error, true);
            return fail(
              new LiveFailure('configuration', `GPT-Live refused session.start: ${info.message}`, { retryable: false, code: info.code }),
            );
          }
          if (event.type !== 'session.started') return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.onStarted(event);
          resolve();
          return;
        }
        this.onEvent(event);
      });
    });
  }

  appendAudio(audio: Uint8Array): void {
    if (!this.isReady) {
      this.droppedAudio += audio.byteLength;
      return;
    }
    const b64 = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
    this.ws!.send(`{"type":"session.input_audio.append","audio":"${b64}"}`);
  }

  respond(instructions?: string): void {
    if (this.resultsToContinue || this.pendingCalls.size > 0) {
      this.continueRequested = true;
      this.maybeContinue();
      return;
    }
    const extra = instructions ? this.beyondSessionInstructions(instructions) : '';
    if (extra) this.addInstruction(extra);
  }

  /**
   * The engine asks for a response the Realtime way, where per-response instructions replace the
   * session's and so repeat them ("<session instructions>\n\nStart the call now…"). Live already has
   * them from session.start: only what follows is appended (an append holds 500 tokens at most).
   */
  private beyondSessionInstructions(instructions: string): string {
    const text = instructions.trim();
    const base = this.sessionInstructions;
    return base && text.startsWith(base) ? text.slice(base.length).trim() : text;
  }

  cancel(): void {
    // Live stops speaking by itself on barge-in; there is no cancel command.
  }

  heard(_itemId: string, _audioEndMs: number): void {
    // No truncate on Live: the server is not told how much of its audio was played.
  }

  addUserText(text: string): void {
    const event: ThinkingAppendEvent = {
      type: 'session.thinking.append',
      event_id: this.nextId('thinking'),
      delegation_id: null,
      content: truncateToTokens(`${USER_TEXT_PREFIX}${text}`, APPEND_MAX_TOKENS),
    };
    this.sendEvent(event);
  }

  addInstruction(text: string): void {
    const instructions: InstructionsAppendEvent = {
      type: 'session.instructions.append',
      event_id: this.nextId('instructions'),
      delegation_id: null,
      content: truncateToTokens(text, APPEND_MAX_TOKENS),
    };
    const prompt: CommentaryAppendEvent = {
      type: 'session.commentary.append',
      event_id: this.nextId('commentary'),
      delegation_id: null,
      content: this.agentSpoke ? CONTINUE_PROMPT : BEGIN_PROMPT,
    };
    this.sendEvent(instructions);
    this.sendEvent(prompt);
  }

  toolResult(callId: string, output: string): void {
    const event: ResponseItemCreateEvent = {
      type: 'response.item.create',
      event_id: this.nextId('tool_result'),
      item: { type: 'function_call_output', call_id: callId, output },
    };
    if (!this.sendEvent(event)) return;
    this.pendingCalls.delete(callId);
    this.resultsToContinue = true;
    this.maybeContinue();
  }

  close(): void {
    this.closedByUs = true;
    if (this.state === 'closed' || this.state === 'closing') return;
    const ws = this.ws;
    const wasStarted = this.state === 'started';
    // The last turns are reported before closing, so the call record has every word.
    this.agentTurns.end();
    this.callerTurns.flush();
    this.state = 'closing';
    this.disposeTimers();
    if (!ws) return void (this.state = 'closed');
    if (wasStarted && ws.readyState === WebSocket.OPEN) {
      // Kept open until session.closed (final usage) arrives, as the docs ask, within a bound.
      const event: SessionCloseEvent = { type: 'session.close', event_id: this.nextId('close') };
      ws.send(JSON.stringify(event));
      const cut = setTimeout(() => this.terminate(), this.opts.closeTimeoutMs ?? 5000);
      ws.once('close', () => clearTimeout(cut));
      return;
    }
    this.terminate();
  }

  private terminate(): void {
    this.state = 'closed';
    const ws = this.ws;
    if (!ws) return;
    closeUpstreamSocket(ws);
  }

  private onStarted(event: LiveWireEvent): void {
    this.state = 'started';
    this.startedAt = Date.now();
    const session = isObject(event.session) ? event.session : {};
    if (typeof session.id === 'string') this.sessionId = session.id;
    if (typeof session.expires_at === 'number' && Number.isFinite(session.expires_at)) this.expiresAtMs = session.expires_at * 1000;
    this.startHeartbeat();
    this.logger.debug({ liveSessionId: this.sessionId, expiresAt: this.expiresAtMs }, 'GPT-Live session started');
  }

  /** Every server event after session.started; unknown types and wrong field types are ignored. */
  private onEvent(event: LiveWireEvent): void {
    switch (event.type) {
      case 'session.output_audio.delta': {
        if (typeof event.delta !== 'string') return this.countMalformed(event.type);
        const audio = Buffer.from(event.delta, 'base64');
        if (audio.length > 0 && this.state === 'started') this.agentTurns.push(audio);
        this.measureSeconds();
        return;
      }
      case 'session.output_transcript.delta': {
        const fragment = fragmentOf(event);
        if (!fragment) return this.countMalformed(event.type);
        this.agentTurns.transcriptActivity();
        this.agentTranscript.add(fragment);
        return;
      }
      case 'session.input_transcript.delta': {
        const fragment = fragmentOf(event);
        if (!fragment) return this.countMalformed(event.type);
        // First: a caller end it settles belongs to the turn before a barge-in it may start.
        this.callerEnds.fragment(this.wallClockOf(fragment.startMs), this.wallClockOf(fragment.endMs));
        this.noticeOverlap(fragment);
        this.callerTurns.add(fragment);
        return;
      }
      case 'response.event':
        return this.onBackendEvent(event);
      case 'session.usage.updated':
        return this.onUsage(event.usage);
      case 'session.closed':
        this.closedReason = CLOSE_REASONS.find((r) => r === event.reason) ?? 'unknown';
        this.onUsage(event.usage);
        if (this.closedReason === 'expired' || this.closedReason === 'content') {
          const content = this.closedReason === 'content';
          this.emit({
            type: 'error',
            error: {
              code: content ? 'session_closed_content' : 'session_expired',
              message: content ? 'GPT-Live closed the session: a safety filter' : 'GPT-Live session reached its duration limit',
              benign: false,
              fatal: content,
              sessionOver: !content,
            },
          });
        }
        return;
      case 'error': {
        const error = classifyLiveError(event.error, false);
        return this.emit({ type: 'error', error });
      }
      case 'info':
        this.logger.debug({ code: typeof event.code === 'string' ? event.code.slice(0, 100) : undefined }, 'GPT-Live notice');
        return;
      default:
        // Acks (instructions/commentary/thinking appended, session.updated), delegation metadata.
        return;
    }
  }

  /** Nested Responses events of the delegated backend: tool calls, usage, failures. */
  private onBackendEvent(event: LiveWireEvent): void {
    const nested = isObject(event.event) ? event.event : undefined;
    if (!nested || typeof nested.type !== 'string') return this.countMalformed('response.event');
    const delegationId = typeof event.delegation_id === 'string' ? event.delegation_id : undefined;
    const response = isObject(nested.response) ? nested.response : undefined;
    if (nested.type === 'response.created' && delegationId && typeof response?.id === 'string') {
      this.responseOfDelegation.set(delegationId, response.id);
      return;
    }
    if (nested.type === 'response.output_item.done') {
      const item = isObject(nested.item) ? nested.item : undefined;
      // "an arguments-done event alone is not sufficient": only completed function_call items count.
      if (!item || item.type !== 'function_call' || item.status !== 'completed') return;
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string') return this.countMalformed('response.output_item.done');
      const args = typeof item.arguments === 'string' ? item.arguments : '{}';
      this.pendingCalls.add(item.call_id);
      const responseId = (delegationId && this.responseOfDelegation.get(delegationId)) ?? delegationId;
      this.emit({ type: 'tool_call', callId: item.call_id, name: item.name, arguments: args, ...(responseId ? { responseId } : {}) });
      // The delegated response now waits for the result (one call at a time, parallel_tool_calls
      // false): its nested response.completed only comes after the continuation, so its calls are
      // reported complete here, for the engine to answer them and then ask to continue (respond()).
      this.emit({ type: 'response_done', ...(responseId ? { responseId } : {}), status: 'completed' });
      return;
    }
    if (nested.type === 'response.completed' || nested.type === 'response.incomplete' || nested.type === 'response.failed') {
      if (delegationId) this.responseOfDelegation.delete(delegationId);
      const usage = backendUsage(response?.usage);
      if (usage) this.emit({ type: 'usage', usage });
      if (nested.type === 'response.failed') {
        const error = isObject(response?.error)
          ? response.error
          : { code: 'server_error', message: 'the delegated backend response failed' };
        this.emit({ type: 'error', error: { ...classifyLiveError(error, false), fatal: false } });
      }
    }
  }

  private onUsage(raw: unknown): void {
    if (!isObject(raw) || typeof raw.seconds !== 'number' || !Number.isFinite(raw.seconds)) return;
    // Cumulative per session ("Do not sum this value across usage events").
    this.sessionSeconds = Math.max(this.sessionSeconds, raw.seconds);
    this.reportSeconds(this.sessionSeconds);
  }

  /**
   * The server reports seconds about once a minute and its final figure in session.closed, which
   * comes after the call's record is written. Live bills every active second, silence included,
   * and streams output all along: each delta counts the session's elapsed whole seconds, so the
   * record is right to the second (the server's figure wins where higher).
   */
  private measureSeconds(): void {
    const elapsed = Math.floor((Date.now() - this.startedAt) / 1000);
    if (elapsed > this.reportedSeconds) this.reportSeconds(Math.max(elapsed, this.sessionSeconds));
  }

  /** Reports the increase of this session's seconds up to `total`, so usage events add up across sessions. */
  private reportSeconds(total: number): void {
    const increase = total - this.reportedSeconds;
    if (!(increase > 0)) return;
    this.reportedSeconds = total;
    this.emit({ type: 'usage', usage: { ...ZERO_USAGE, sessionSeconds: increase } });
  }

  private noticeOverlap(fragment: TranscriptFragment): void {
    const turnId = this.agentTurns.current;
    if (!turnId || this.interruptedTurn === turnId) return;
    // The caller's words and the agent's speech, both on the session timeline, must overlap by a
    // margin: a caller turn that ended as the agent began (a quick answer, clocks a little apart)
    // or speech begun after the agent fell quiet (the turn's hangover) is no barge-in.
    const turnStartMs = this.agentTurns.openedAt - this.startedAt;
    const speechEndMs = this.agentTurns.loudUntil - this.startedAt;
    const overlapMs = Math.min(fragment.endMs, speechEndMs) - Math.max(fragment.startMs, turnStartMs);
    if (overlapMs < (this.opts.minOverlapMs ?? DEFAULT_MIN_OVERLAP_MS)) return;
    this.interruptedTurn = turnId;
    this.emit({ type: 'caller_speech_started' });
    // Live never says when the caller stops, and the engine holds planned rotations while the
    // caller speaks: the overlap is reported as a whole (its transcript is already in hand).
    this.emit({ type: 'caller_speech_stopped' });
  }

  private endAgentTurn(turnId: string): void {
    // Fragments still grouping belong to this turn; they trail the audio.
    this.agentTranscript.flush();
    this.agentTurnOpen = undefined;
    this.callerEnds.agentTurnEnded();
    const text = this.agentTurnText.join(' ').trim();
    this.agentTurnText = [];
    if (text) this.emit({ type: 'transcript', role: 'agent', text, itemId: turnId, startedAt: this.agentTurns.openedAt });
    this.emit({ type: 'agent_audio_done', itemId: turnId, responseId: turnId });
    this.emit({ type: 'response_done', responseId: turnId, status: 'completed' });
  }

  private maybeContinue(): void {
    if (!this.continueRequested || this.pendingCalls.size > 0 || !this.resultsToContinue) return;
    const event: ResponseCreateEvent = { type: 'response.create', event_id: this.nextId('continue') };
    if (!this.sendEvent(event)) return;
    this.continueRequested = false;
    this.resultsToContinue = false;
  }

  private onSocketClosed(code: number, why: string): void {
    const reason = this.closedReason;
    this.agentTurns.end();
    this.callerTurns.flush();
    this.disposeTimers();
    if (this.state === 'closing' || this.state === 'closed') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    const detail = reason ? `after session.closed (${reason})` : `without session.closed (${why})`;
    // `content` is a policy end: a new session would be cut the same way.
    this.reportLost(
      new LiveFailure('closed', `GPT-Live closed the connection ${detail}`, {
        retryable: reason !== 'content',
        status: code,
        ...(reason ? { code: reason } : {}),
      }),
    );
  }

  private startHeartbeat(): void {
    this.stopHeartbeat = startHeartbeat(this.ws!, this.opts.heartbeatMs, () => {
      this.reportLost(new LiveFailure('timeout', `GPT-Live did not answer a ping within ${this.opts.heartbeatMs} ms`, { retryable: true }));
      this.state = 'closed';
    });
  }

  private disposeTimers(): void {
    this.stopHeartbeat?.();
    this.agentTurns.dispose();
    this.agentTranscript.dispose();
    this.callerTurns.dispose();
  }

  private reportLost(failure: LiveFailure): void {
    if (this.lostReported || this.closedByUs) return;
    this.lostReported = true;
    this.listener.lost(failure);
  }

  private emit(event: UpstreamEvent): void {
    // After close() only the final usage still matters to the call record.
    if ((this.state === 'closing' || this.state === 'closed') && event.type !== 'usage') return;
    try {
      this.listener.event(event);
    } catch (err) {
      this.logger.error({ err, event: event.type }, 'call engine failed handling a GPT-Live event');
    }
  }

  private sendEvent(event: ClientEvent): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    if (event.type !== 'session.start' && this.state !== 'started') return false;
    ws.send(JSON.stringify(event));
    return true;
  }

  private nextId(kind: string): string {
    return `live_${kind}_${++this.eventSeq}`;
  }

  /**
   * Session-timeline ms ("milliseconds from the beginning of the session") as epoch ms, counted
   * from when session.started arrived: the server's own start is likely earlier by that event's
   * delivery, so times map that much late, and a latency measured from them is that much short.
   */
  private wallClockOf(sessionMs: number): number {
    return this.startedAt + sessionMs;
  }

  private countMalformed(type: string): void {
    if (this.malformed++ === 0) this.logger.warn({ event: type.slice(0, 64) }, 'malformed GPT-Live event ignored');
  }

  private parse(data: WebSocket.RawData, isBinary: boolean): LiveWireEvent | undefined {
    let event: unknown;
    try {
      event = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      event = undefined;
    }
    if (!isObject(event) || typeof event.type !== 'string') {
      this.countMalformed('unparsable');
      return undefined;
    }
    return event as LiveWireEvent;
  }
}

const ZERO_USAGE: UpstreamUsage = zeroTokenCounts();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fragmentOf(event: LiveWireEvent): TranscriptFragment | undefined {
  const { delta, start_ms: startMs, end_ms: endMs } = event;
  if (typeof delta !== 'string' || typeof startMs !== 'number' || typeof endMs !== 'number') return undefined;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return undefined;
  return { text: delta, startMs, endMs: Math.max(startMs, endMs) };
}

/** Token usage of one delegated backend response (Responses `usage`); these add up per call. */
function backendUsage(raw: unknown): UpstreamUsage | undefined {
  if (!isObject(raw)) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const inputDetails = isObject(raw.input_tokens_details) ? raw.input_tokens_details : {};
  const input = n(raw.input_tokens);
  const output = n(raw.output_tokens);
  return {
    ...ZERO_USAGE,
    inputTokens: input,
    outputTokens: output,
    totalTokens: n(raw.total_tokens) || input + output,
    inputTextTokens: input,
    inputCachedTokens: n(inputDetails.cached_tokens),
    outputTextTokens: output,
  };
}
