/**
 * A scriptable fake of the OpenAI Realtime API for the e2e tests: a real WebSocket server on
 * loopback that sends exactly what a test tells it to, in GA event shapes (the same builders the
 * product's simulator uses), and records and validates every client event it receives.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RealtimeErrorEvent } from 'openai/resources/realtime/realtime';
import { WebSocket } from 'ws';
import {
  applySessionUpdate,
  conversationItemTruncated,
  defaultSession,
  encodeFromPcm16,
  errorEvent,
  inputAudioCommitted,
  inputTranscriptionCompleted,
  inputTranscriptionFailed,
  LoopbackWsServer,
  msForBytes,
  newId,
  PCM_24K,
  responseCreateProblem,
  ResponseWriter,
  sampleRateOf,
  sessionCreated,
  sessionUpdated,
  sineWave,
  speechStarted,
  speechStopped,
  writeFunctionCallResponse,
  type AudioItemWriter,
  type CancelReason,
  type ErrorDetails,
  type FunctionCallResponse,
  type RealtimeAudioFormat,
  type ServerSession,
  type UpgradeDecision,
} from '../../src/simulator/index.js';
import { validateClientEvent, validateServerEvent } from './realtime-schema.js';

/**
 * How the next upgrade is treated: accepted ('accept'), accepted but never spoken to ('silent':
 * no session.created, nothing), never answered ('hang'), or refused with an HTTP status.
 */
export type FakeMode = 'accept' | 'silent' | 'hang' | { refuseStatus: number; body?: string };

/** Audio formats by the names the service's configuration uses. */
export type FakeAudioFormat = 'pcm16' | 'pcmu' | 'pcma';

const FORMATS: Record<FakeAudioFormat, RealtimeAudioFormat> = {
  pcm16: PCM_24K,
  pcmu: { type: 'audio/pcmu' },
  pcma: { type: 'audio/pcma' },
};

/** The fake's response audio: a continuous 440 Hz sine, so order and gaps are recognisable. */
export const TEST_TONE_HZ = 440;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Waiter {
  type: string;
  predicate?: (ev: any) => boolean;
  resolve: (ev: any) => void;
}

/** Events in arrival order, with waiting for one that has arrived or will arrive. */
export class EventLog {
  readonly events: any[] = [];
  private waiters: Waiter[] = [];

  push(ev: any): void {
    this.events.push(ev);
    const matched = this.waiters.filter((w) => ev?.type === w.type && (!w.predicate || w.predicate(ev)));
    if (matched.length === 0) return;
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(ev);
  }

  find(type: string, predicate?: (ev: any) => boolean): any {
    return this.events.find((ev) => ev?.type === type && (!predicate || predicate(ev)));
  }

  ofType(type: string): any[] {
    return this.events.filter((ev) => ev?.type === type);
  }

  count(type: string): number {
    return this.ofType(type).length;
  }

  waitFor(type: string, predicate?: (ev: any) => boolean, timeoutMs = 5000): Promise<any> {
    const found = this.find(type, predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        type,
        predicate,
        resolve: (ev) => {
          clearTimeout(timer);
          resolve(ev);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.events.map((e) => e?.type).join(', ');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${type}; events so far: [${seen}]`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface FakeResponseOptions {
  format?: FakeAudioFormat;
  transcript?: string;
  itemId?: string;
}

/**
 * A response under way, for tests that send part of it and then barge in, cancel or drop, or that
 * build responses of several items: audio items play in the order they are sent (starting one
 * closes the one before), function calls complete at once or stay open until the response ends.
 */
export class FakeResponse {
  private readonly writer: ResponseWriter;
  private current: AudioItemWriter | undefined;
  private readonly audioItems: AudioItemWriter[] = [];
  private readonly chunks = new Map<string, Buffer[]>();
  private samplesSent = 0;

  constructor(
    send: (ev: object) => void,
    private readonly format: RealtimeAudioFormat,
    private readonly transcript: string,
    itemId?: string,
    withAudioItem = true,
  ) {
    this.writer = new ResponseWriter(send, { format });
    this.writer.begin();
    if (withAudioItem) this.nextAudioItem({ transcript, itemId });
  }

  get responseId(): string {
    return this.writer.responseId;
  }

  /** The first audio item's id. */
  get itemId(): string {
    return this.audioItems[0]?.itemId ?? '';
  }

  /** Every audio item's id, in playback order. */
  get itemIds(): string[] {
    return this.audioItems.map((item) => item.itemId);
  }

  /** Every audio byte sent so far, in the upstream format, all items in order. */
  get audio(): Buffer {
    return Buffer.concat(this.itemIds.map((id) => this.audioOf(id)));
  }

  /** The audio bytes of one item. */
  audioOf(itemId: string): Buffer {
    return Buffer.concat(this.chunks.get(itemId) ?? []);
  }

  /** Milliseconds of audio the current audio item holds: what it can be truncated to. */
  get audioMs(): number {
    return this.current?.audioMs ?? 0;
  }

  /** Until it ends: the server refuses response.create meanwhile. */
  get isActive(): boolean {
    return this.writer.isStreaming;
  }

  /** Starts the next audio item (closing the one before as completed); returns its id. */
  nextAudioItem(opts: { transcript?: string; itemId?: string } = {}): string {
    this.current = this.writer.audioItem({ transcript: opts.transcript ?? this.transcript, itemId: opts.itemId });
    this.audioItems.push(this.current);
    this.chunks.set(this.current.itemId, []);
    return this.current.itemId;
  }

  /** Sends `ms` more of the test tone as one output_audio.delta (in a new audio item if none is open); returns the bytes sent. */
  sendAudio(ms: number): Buffer {
    const rate = sampleRateOf(this.format);
    const count = Math.round((rate * ms) / 1000);
    const chunk = encodeFromPcm16(sineWave(rate, count, TEST_TONE_HZ, 0.5, this.samplesSent), this.format);
    // After the response ended nothing more goes out (as on the live server).
    if (!this.writer.isStreaming) return chunk;
    if (!this.current?.isOpen) this.nextAudioItem();
    this.samplesSent += count;
    this.chunks.get(this.current!.itemId)!.push(chunk);
    this.current!.audio(chunk);
    return chunk;
  }

  /** A completed function call item; `args` as a string is sent verbatim. */
  functionCall(name: string, args: object | string, callId?: string): { itemId: string; callId: string } {
    this.current = undefined;
    const call = this.writer.functionCall({ name, arguments: argumentsText(args), callId });
    return { itemId: call.itemId, callId: call.callId };
  }

  /** A function call left open: when the response is cancelled it closes `incomplete` (and must not run). */
  startFunctionCall(name: string, args: object | string, callId?: string): { itemId: string; callId: string } {
    this.current = undefined;
    const call = this.writer.startFunctionCall({ name, arguments: argumentsText(args), callId });
    call.streamArguments();
    return { itemId: call.itemId, callId: call.callId };
  }

  /** Closes the open item and ends the response completed: output_audio.done … response.done. */
  finish(): void {
    this.writer.end({ status: 'completed' });
  }

  /** Ends it as the server does on barge-in or response.cancel: the open item incomplete, response.done cancelled. */
  cancel(reason: CancelReason = 'turn_detected'): void {
    this.writer.end({ status: 'cancelled', reason });
  }

  /** response.done incomplete with its reason (the open item incomplete). */
  incomplete(reason: 'max_output_tokens' | 'content_filter' = 'max_output_tokens'): void {
    this.writer.end({ status: 'incomplete', reason });
  }

  /** response.done failed, the error in status_details.error (no `error` event comes with it). */
  fail(code = 'server_error', type = 'server_error'): void {
    this.writer.end({ status: 'failed', error: { type, code } });
  }
}

function argumentsText(args: object | string): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

export interface SendResponseOptions extends FakeResponseOptions {
  audioMs: number;
  /** Audio per delta (default 100 ms). */
  chunkMs?: number;
  /** Wait between deltas (default 0: all at once). */
  paceMs?: number;
}

/** A client event the fake answered with an `error`, and that error's `error` object. */
export interface FakeRefusal {
  event: any;
  error: RealtimeErrorEvent['error'];
}

interface ConnectionOptions {
  silent: boolean;
  autoSessionUpdated: boolean;
  itemAudioShortfallMs: number;
  serverCancels: boolean;
  onInvalid: (event: unknown, problems: string[]) => void;
  onRefused: (event: unknown, error: FakeRefusal['error']) => void;
  onBenign: (event: unknown, error: FakeRefusal['error']) => void;
}

export class FakeConnection {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed client events in arrival order. */
  readonly received: any[];
  /** Every event this fake sent, in order. */
  readonly sent: any[] = [];
  /** Resolves when the socket closes (normally: when the service closes its upstream). */
  readonly closed: Promise<{ code: number; reason: string }>;
  session: ServerSession;
  private readonly log = new EventLog();
  private speechItemId = '';
  private audioClockMs = 0;
  private activeResponse: string | undefined;
  /** Completed function calls this fake sent whose function_call_output has not come yet: call_id -> name. */
  private readonly callsAwaitingOutput = new Map<string, string>();
  /** The last response built with startResponse/beginResponse, which the server may cancel. */
  private lastFakeResponse: FakeResponse | undefined;
  /** Every item this connection knows, with the bytes of output audio it holds. */
  private readonly items = new Map<string, { kind: string; bytes: number }>();
  /** The audio format of items whose response named its own. */
  private readonly itemFormats = new Map<string, RealtimeAudioFormat>();

  /** Stops reading the socket: pings go unanswered, as with a peer that vanished without a FIN. */
  freeze(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    private readonly opts: ConnectionOptions,
  ) {
    this.url = request.url ?? '/';
    this.headers = request.headers;
    this.received = this.log.events;
    const model = new URL(this.url, 'ws://fake').searchParams.get('model') ?? 'gpt-realtime-2.1';
    this.session = defaultSession(model, Math.floor(Date.now() / 1000) + 3600);
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const text = data.toString();
      let ev: any;
      try {
        ev = JSON.parse(text);
      } catch {
        opts.onInvalid(text, ['not valid JSON']);
        return;
      }
      const problems = validateClientEvent(ev);
      if (problems.length > 0) opts.onInvalid(ev, problems);
      if (!opts.silent) this.answer(ev);
      this.log.push(ev);
    });
    if (!opts.silent) this.send(sessionCreated(this.session));
  }

  /** The response the server is generating (from response.created to its response.done), if any. */
  get activeResponseId(): string | undefined {
    return this.activeResponse;
  }

  waitFor(type: string, predicate?: (ev: any) => boolean, timeoutMs = 5000): Promise<any> {
    return this.log.waitFor(type, predicate, timeoutMs);
  }

  count(type: string): number {
    return this.log.count(type);
  }

  /** Bytes of caller audio received (decoded base64 of every input_audio_buffer.append). */
  audioBytesReceived(): number {
    return this.log.ofType('input_audio_buffer.append').reduce((sum, ev) => sum + Buffer.from(String(ev.audio ?? ''), 'base64').length, 0);
  }

  send(ev: object): void {
    this.sent.push(ev);
    this.track(ev as any);
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(ev));
  }

  /** Sends text as it is (malformed JSON tests); not recorded in `sent`. */
  sendRaw(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  /** input_audio_buffer.speech_started; returns the caller item id it announces. */
  speechStarted(audioStartMs = this.audioClockMs): string {
    this.speechItemId = newId('item');
    this.items.set(this.speechItemId, { kind: 'input_audio', bytes: 0 });
    this.audioClockMs = audioStartMs;
    this.send(speechStarted(this.speechItemId, audioStartMs));
    const td = this.session.audio?.input?.turn_detection;
    if (this.opts.serverCancels && td && td.interrupt_response !== false) this.cancelOwn('turn_detected');
    return this.speechItemId;
  }

  /** input_audio_buffer.speech_stopped and .committed for the current caller item (default: 1 s after it started). */
  speechStopped(audioEndMs = this.audioClockMs + 1000): string {
    const itemId = this.speechItemId || newId('item');
    this.audioClockMs = audioEndMs;
    this.send(speechStopped(itemId, audioEndMs));
    this.send(inputAudioCommitted(itemId, null));
    return itemId;
  }

  /** The caller's transcript (conversation.item.input_audio_transcription.completed). */
  userTranscript(text: string, itemId = this.speechItemId || newId('item')): void {
    this.send(inputTranscriptionCompleted(itemId, text, 1));
  }

  /** response.created, output_item.added, conversation.item.added: the rest is up to the test. */
  startResponse(opts: FakeResponseOptions = {}): FakeResponse {
    return this.newResponse(opts, true);
  }

  /** response.created only: the test adds the items (audio, function calls) and ends it. */
  beginResponse(opts: FakeResponseOptions = {}): FakeResponse {
    return this.newResponse(opts, false);
  }

  private newResponse(opts: FakeResponseOptions, withAudioItem: boolean): FakeResponse {
    const format = this.formatOf(opts.format);
    const send = (ev: object) => {
      // Known before the item's first event goes out, so its audio is counted in its own format.
      if ((ev as any).type === 'response.output_item.added') this.itemFormats.set((ev as any).item.id, format);
      this.send(ev);
    };
    this.lastFakeResponse = new FakeResponse(send, format, opts.transcript ?? 'Hello from the fake upstream.', opts.itemId, withAudioItem);
    return this.lastFakeResponse;
  }

  /** The server's own cancel of the response it is sending (serverCancels). */
  private cancelOwn(reason: CancelReason): void {
    const response = this.lastFakeResponse;
    if (response?.isActive && response.responseId === this.activeResponse) response.cancel(reason);
  }

  /** A whole audio response: created, items, `audioMs` of test tone in deltas, the done events. */
  async sendResponse(opts: SendResponseOptions): Promise<{ responseId: string; itemId: string; audio: Buffer }> {
    const response = this.startResponse(opts);
    const chunkMs = opts.chunkMs ?? 100;
    for (let sent = 0; sent < opts.audioMs; sent += chunkMs) {
      if (sent > 0 && opts.paceMs) await delay(opts.paceMs);
      response.sendAudio(Math.min(chunkMs, opts.audioMs - sent));
    }
    response.finish();
    return { responseId: response.responseId, itemId: response.itemId, audio: response.audio };
  }

  /** A response calling a function; `args` as a string is sent verbatim (may be invalid JSON). */
  async toolCall(name: string, args: object | string, callId?: string): Promise<FunctionCallResponse> {
    return writeFunctionCallResponse((ev) => this.send(ev), { name, arguments: argumentsText(args), callId });
  }

  /** One response calling several functions (reasoning models, parallel_tool_calls), completed. */
  toolCalls(calls: Array<{ name: string; args: object | string; callId?: string }>): {
    responseId: string;
    calls: Array<{ itemId: string; callId: string }>;
  } {
    const response = this.beginResponse();
    const made = calls.map((c) => response.functionCall(c.name, c.args, c.callId));
    response.finish();
    return { responseId: response.responseId, calls: made };
  }

  /**
   * A function call the response was cut off in (the caller barged in): arguments.done and
   * output_item.done still come, with the item `incomplete`, then response.done cancelled.
   */
  cancelledToolCall(name: string, args: object | string, opts: { callId?: string; reason?: CancelReason; audioMsBefore?: number } = {}) {
    const response = this.beginResponse();
    if (opts.audioMsBefore) response.sendAudio(opts.audioMsBefore);
    const call = response.startFunctionCall(name, args, opts.callId);
    response.cancel(opts.reason ?? 'turn_detected');
    return { responseId: response.responseId, ...call, audioItemIds: response.itemIds };
  }

  /** A whole response of several audio items (gpt-realtime-2 on long replies), `itemsMs[i]` of tone each. */
  sendAudioItems(
    itemsMs: number[],
    opts: { format?: FakeAudioFormat; chunkMs?: number } = {},
  ): { responseId: string; itemIds: string[]; audio: Buffer[] } {
    const response = this.beginResponse({ format: opts.format });
    const chunkMs = opts.chunkMs ?? 100;
    for (const [i, ms] of itemsMs.entries()) {
      response.nextAudioItem({ transcript: `Part ${i + 1} from the fake upstream.` });
      for (let sent = 0; sent < ms; sent += chunkMs) response.sendAudio(Math.min(chunkMs, ms - sent));
    }
    response.finish();
    return { responseId: response.responseId, itemIds: response.itemIds, audio: response.itemIds.map((id) => response.audioOf(id)) };
  }

  /** A response that fails before any output: response.created, then response.done failed (no `error` event). */
  failedResponse(code = 'server_error', type = 'server_error'): string {
    const response = this.beginResponse();
    response.fail(code, type);
    return response.responseId;
  }

  /** conversation.item.input_audio_transcription.failed for a caller item (default: the current one). */
  transcriptionFailed(itemId = this.speechItemId || newId('item'), message = 'Input audio could not be transcribed.'): void {
    this.send(inputTranscriptionFailed(itemId, { type: 'server_error', code: 'transcription_failed', message }));
  }

  /** An `error` event; `answering` is the client event it answers (its event_id is echoed, as live). */
  error(code: string, message: string, type = 'invalid_request_error', answering?: { event_id?: unknown }): void {
    const eventId = typeof answering?.event_id === 'string' ? answering.event_id : null;
    this.send(errorEvent({ code, message, type, eventId }));
  }

  /** The live server's answer to a field it does not know: `error` unknown_parameter naming it, answering `answering`. */
  unknownParameter(param: string, answering: { event_id?: unknown }): void {
    const eventId = typeof answering.event_id === 'string' ? answering.event_id : null;
    this.send(errorEvent({ code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param, eventId }));
  }

  /** The 60-minute limit: error session_expired, then the server closes. */
  expire(closeCode = 1000): void {
    this.error('session_expired', 'Your session hit the maximum duration of 60 minutes.');
    this.ws.close(closeCode, 'session expired');
  }

  /** Cuts the TCP connection without a closing handshake. */
  drop(): void {
    this.ws.terminate();
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  /** What the live server answers to a client event, before the test sees it. */
  private answer(ev: any): void {
    switch (ev?.type) {
      case 'session.update':
        return this.answerSessionUpdate(ev);
      case 'response.create':
        if (this.callsAwaitingOutput.size > 0) {
          // The live server takes it, and the model answers without those results: a protocol mistake all the same.
          const calls = [...this.callsAwaitingOutput].map(([id, name]) => `${name} (${id})`).join(', ');
          this.opts.onInvalid(ev, [`response.create while function calls still lack their function_call_output: ${calls}`]);
        }
        if (isObject(ev.response)) {
          const problem = responseCreateProblem(ev.response);
          if (problem) return this.refuse(ev, problem);
        }
        if (this.activeResponse === undefined) return;
        return this.refuse(ev, {
          code: 'conversation_already_has_active_response',
          message: `Conversation already has an active response in progress: ${this.activeResponse}. Wait until the response is finished before creating a new one.`,
        });
      case 'response.cancel':
        // A race the live server answers too (the server's own turn detection cancelled first).
        if (this.activeResponse === undefined) {
          return this.refuse(ev, { code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.' }, true);
        }
        if (this.opts.serverCancels) this.cancelOwn('client_cancelled');
        return;
      case 'conversation.item.truncate':
        return this.answerTruncate(ev);
      case 'conversation.item.create':
        if (typeof ev.item?.id === 'string') this.items.set(ev.item.id, { kind: String(ev.item.type ?? 'message'), bytes: 0 });
        if (ev.item?.type === 'function_call_output') this.callsAwaitingOutput.delete(ev.item.call_id);
        return;
      default:
        return;
    }
  }

  private answerSessionUpdate(ev: any): void {
    const result = applySessionUpdate(this.session, ev.session);
    if ('error' in result) return this.refuse(ev, result.error);
    this.session = result.session;
    if (this.opts.autoSessionUpdated) this.send(sessionUpdated(this.session));
  }

  private answerTruncate(ev: any): void {
    const itemId = String(ev.item_id ?? '');
    const item = this.items.get(itemId);
    if (!item)
      return this.refuse(ev, {
        code: 'item_truncate_invalid_item_id',
        message: `Item with item_id '${itemId}' not found.`,
        param: 'item_id',
      });
    if (item.kind !== 'assistant_audio') {
      return this.refuse(ev, {
        code: 'unsupported_content_type',
        message: 'Only model output audio messages can be truncated',
        param: 'item_id',
      });
    }
    const format = this.itemFormats.get(itemId) ?? this.formatOf();
    const heldMs = Math.max(0, msForBytes(format, item.bytes) - this.opts.itemAudioShortfallMs);
    const endMs = Number(ev.audio_end_ms);
    if (!(endMs <= heldMs)) {
      return this.refuse(ev, {
        code: 'invalid_value',
        message: `Audio content of ${Math.floor(heldMs)}ms is already shorter than ${ev.audio_end_ms}ms`,
        param: 'audio_end_ms',
      });
    }
    this.send(conversationItemTruncated(itemId, Number(ev.content_index ?? 0), endMs));
  }

  /** Answers a client event with the live `error` shape (carrying the event's event_id) and files it. */
  private refuse(ev: any, error: ErrorDetails, benign = false): void {
    const event = errorEvent({ ...error, eventId: typeof ev?.event_id === 'string' ? ev.event_id : null });
    this.send(event);
    (benign ? this.opts.onBenign : this.opts.onRefused)(ev, event.error);
  }

  /** Follows what this fake told the client: the active response and every item's audio. */
  private track(ev: any): void {
    switch (ev?.type) {
      case 'response.created':
        this.activeResponse = ev.response?.id;
        return;
      case 'response.done':
        if (ev.response?.id === this.activeResponse) this.activeResponse = undefined;
        return;
      case 'response.output_item.added':
      case 'conversation.item.added': {
        const item = ev.item;
        if (typeof item?.id !== 'string' || this.items.has(item.id)) return;
        const kind = item.type === 'message' ? `${item.role === 'assistant' ? 'assistant' : 'input'}_audio` : String(item.type);
        this.items.set(item.id, { kind, bytes: 0 });
        return;
      }
      case 'response.output_item.done':
        // Only a completed call is to be run and answered; an incomplete one (barge-in) must not be.
        if (ev.item?.type === 'function_call' && ev.item.status === 'completed')
          this.callsAwaitingOutput.set(ev.item.call_id, ev.item.name);
        return;
      case 'response.output_audio.delta': {
        const item = this.items.get(ev.item_id);
        if (item) item.bytes += Buffer.from(String(ev.delta ?? ''), 'base64').length;
        return;
      }
      default:
        return;
    }
  }

  /** The given format, else the session's output format (as the service configured it). */
  private formatOf(name?: FakeAudioFormat): RealtimeAudioFormat {
    if (name) return FORMATS[name];
    const type = (this.session.audio?.output?.format as { type?: string } | undefined)?.type;
    return Object.values(FORMATS).find((f) => f.type === type) ?? PCM_24K;
  }
}

export interface FakeRealtimeServerOptions {
  mode?: FakeMode;
  /** Answer an accepted session.update with session.updated by itself (default true). */
  autoSessionUpdated?: boolean;
  /**
   * How much shorter than the audio it sent the server counts an item for truncation (default 0;
   * the live server has been seen ~85 ms short).
   */
  itemAudioShortfallMs?: number;
  /**
   * Cancel the response being sent by itself, as the live server does (default false: the test
   * ends every response itself, so it can also check what the service does with audio that still
   * arrives): on speech_started when the session's turn detection has `interrupt_response`, and on
   * `response.cancel`. A response.cancel after the server's own cancel then meets the benign
   * response_cancel_not_active.
   */
  serverCancels?: boolean;
}

export class FakeRealtimeServer {
  readonly connections: FakeConnection[] = [];
  /** Client events that are not valid GA events, from every connection. */
  readonly invalidEvents: Array<{ event: unknown; problems: string[] }> = [];
  /**
   * Client events the fake refused as the live server would (a session.update it would not apply,
   * response.create during a response, a truncation it would not do), from every connection.
   */
  readonly refusedEvents: FakeRefusal[] = [];
  /** Errors a correct client also meets, by a race it cannot avoid (response_cancel_not_active). */
  readonly benignErrors: FakeRefusal[] = [];
  /** Every upgrade request, accepted or not, with how it was treated. */
  readonly upgrades: Array<{ url: string; headers: IncomingHttpHeaders; mode: FakeMode }> = [];
  private readonly connectionLog = new EventLog();
  private readonly modeOfRequest = new WeakMap<IncomingMessage, FakeMode>();
  private mode: FakeMode;
  private readonly autoSessionUpdated: boolean;
  private readonly itemAudioShortfallMs: number;
  private readonly serverCancels: boolean;
  private readonly server: LoopbackWsServer;
  private baseUrl = '';

  private constructor(opts: FakeRealtimeServerOptions) {
    this.mode = opts.mode ?? 'accept';
    this.autoSessionUpdated = opts.autoSessionUpdated ?? true;
    this.itemAudioShortfallMs = opts.itemAudioShortfallMs ?? 0;
    this.serverCancels = opts.serverCancels ?? false;
    this.server = new LoopbackWsServer({
      decideUpgrade: (req) => this.decideUpgrade(req),
      onConnection: (ws, req) => this.onConnection(ws, req),
    });
  }

  static async start(opts: FakeRealtimeServerOptions = {}): Promise<FakeRealtimeServer> {
    const fake = new FakeRealtimeServer(opts);
    fake.baseUrl = await fake.server.start();
    return fake;
  }

  /** ws://127.0.0.1:port — the base URL; the service appends `?model=…`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Changes how the next upgrade requests are treated. */
  setMode(mode: FakeMode): void {
    this.mode = mode;
  }

  /** The connection at `index` (default: the next one to arrive). */
  async waitForConnection(index = this.connections.length, timeoutMs = 5000): Promise<FakeConnection> {
    const event = await this.connectionLog.waitFor('connection', (ev) => ev.index === index, timeoutMs);
    return event.connection as FakeConnection;
  }

  /** Client events of every connection, connection by connection. */
  allReceived(): any[] {
    return this.connections.flatMap((c) => c.received);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private decideUpgrade(req: IncomingMessage): UpgradeDecision {
    const mode = this.mode;
    this.upgrades.push({ url: req.url ?? '/', headers: req.headers, mode });
    this.modeOfRequest.set(req, mode);
    return mode === 'silent' ? 'accept' : mode;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const silent = this.modeOfRequest.get(req) === 'silent';
    const connection = new FakeConnection(ws, req, {
      silent,
      autoSessionUpdated: this.autoSessionUpdated,
      itemAudioShortfallMs: this.itemAudioShortfallMs,
      serverCancels: this.serverCancels,
      onInvalid: (event, problems) => this.invalidEvents.push({ event, problems }),
      onRefused: (event, error) => this.refusedEvents.push({ event, error }),
      onBenign: (event, error) => this.benignErrors.push({ event, error }),
    });
    this.connections.push(connection);
    this.connectionLog.push({ type: 'connection', index: this.connections.length - 1, connection });
  }
}

/**
 * The client side, for tests of a Realtime server (the product's simulator, or this fake): every
 * server event is recorded and validated as a GA RealtimeServerEvent.
 */
export class RealtimeTestClient {
  readonly log = new EventLog();
  /** Server events that are not valid RealtimeServerEvents. */
  readonly invalidEvents: Array<{ event: unknown; problems: string[] }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString());
      const problems = validateServerEvent(ev);
      if (problems.length > 0) this.invalidEvents.push({ event: ev, problems });
      this.log.push(ev);
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<RealtimeTestClient> {
    const ws = new WebSocket(url, { headers });
    const client = new RealtimeTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get events(): any[] {
    return this.log.events;
  }

  send(ev: object): void {
    this.ws.send(JSON.stringify(ev));
  }

  /** Sends text as it is (malformed JSON tests). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  waitFor(type: string, predicate?: (ev: any) => boolean, timeoutMs = 5000): Promise<any> {
    return this.log.waitFor(type, predicate, timeoutMs);
  }

  /** Appends audio (already in the session's input format) in pieces of `pieceBytes`. */
  appendAudio(audio: Buffer, pieceBytes = 4800): void {
    for (let at = 0; at < audio.length; at += pieceBytes) {
      this.send({ type: 'input_audio_buffer.append', audio: audio.subarray(at, at + pieceBytes).toString('base64') });
    }
  }

  /** All output_audio.delta bytes of one response, decoded from base64. */
  responseAudio(responseId: string): Buffer {
    const deltas = this.log.ofType('response.output_audio.delta').filter((ev) => ev.response_id === responseId);
    return Buffer.concat(deltas.map((ev) => Buffer.from(ev.delta, 'base64')));
  }

  close(): void {
    this.ws.close();
  }
}
