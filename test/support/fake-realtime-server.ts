/**
 * A scriptable fake of the OpenAI Realtime API for the e2e tests: a real WebSocket server on
 * loopback that sends exactly what a test tells it to, in GA event shapes (the same builders the
 * product's simulator uses), and records and validates every client event it receives.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import {
  applySessionUpdate,
  AudioResponseWriter,
  defaultSession,
  encodeFromPcm16,
  errorEvent,
  inputAudioCommitted,
  inputTranscriptionCompleted,
  LoopbackWsServer,
  newId,
  PCM_24K,
  sampleRateOf,
  sessionCreated,
  sessionUpdated,
  sineWave,
  speechStarted,
  speechStopped,
  writeFunctionCallResponse,
  type CancelReason,
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

/** A response under way, for tests that send part of it and then barge in, cancel or drop. */
export class FakeResponse {
  private readonly writer: AudioResponseWriter;
  private readonly chunks: Buffer[] = [];
  private samplesSent = 0;

  constructor(
    send: (ev: object) => void,
    private readonly format: RealtimeAudioFormat,
    transcript: string,
    itemId?: string,
  ) {
    this.writer = new AudioResponseWriter(send, { format, transcript, itemId });
    this.writer.begin();
  }

  get responseId(): string {
    return this.writer.responseId;
  }

  get itemId(): string {
    return this.writer.itemId;
  }

  /** Every audio byte sent so far, in the upstream format. */
  get audio(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Sends `ms` more of the test tone as one output_audio.delta; returns the bytes sent. */
  sendAudio(ms: number): Buffer {
    const rate = sampleRateOf(this.format);
    const count = Math.round((rate * ms) / 1000);
    const chunk = encodeFromPcm16(sineWave(rate, count, TEST_TONE_HZ, 0.5, this.samplesSent), this.format);
    this.samplesSent += count;
    this.chunks.push(chunk);
    this.writer.audio(chunk);
    return chunk;
  }

  /** output_audio.done, transcript done, output_item.done, response.done (completed). */
  finish(): void {
    this.writer.finish();
  }

  /** Ends it as the server does on barge-in or response.cancel: response.done cancelled. */
  cancel(reason: CancelReason = 'turn_detected'): void {
    this.writer.cancel(reason);
  }
}

export interface SendResponseOptions extends FakeResponseOptions {
  audioMs: number;
  /** Audio per delta (default 100 ms). */
  chunkMs?: number;
  /** Wait between deltas (default 0: all at once). */
  paceMs?: number;
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

  /** Stops reading the socket: pings go unanswered, as with a peer that vanished without a FIN. */
  freeze(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    opts: { silent: boolean; autoSessionUpdated: boolean; onInvalid: (event: unknown, problems: string[]) => void },
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
      if (ev?.type === 'session.update' && opts.autoSessionUpdated && !opts.silent) this.answerSessionUpdate(ev);
      this.log.push(ev);
    });
    if (!opts.silent) this.send(sessionCreated(this.session));
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
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(ev));
  }

  /** Sends text as it is (malformed JSON tests); not recorded in `sent`. */
  sendRaw(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  /** input_audio_buffer.speech_started; returns the caller item id it announces. */
  speechStarted(audioStartMs = this.audioClockMs): string {
    this.speechItemId = newId('item');
    this.audioClockMs = audioStartMs;
    this.send(speechStarted(this.speechItemId, audioStartMs));
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
    return new FakeResponse((ev) => this.send(ev), this.formatOf(opts.format), opts.transcript ?? 'Hello from the fake upstream.', opts.itemId);
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
    const argumentsText = typeof args === 'string' ? args : JSON.stringify(args);
    return writeFunctionCallResponse((ev) => this.send(ev), { name, arguments: argumentsText, callId });
  }

  error(code: string, message: string, type = 'invalid_request_error'): void {
    this.send(errorEvent({ code, message, type }));
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

  private answerSessionUpdate(ev: any): void {
    const result = applySessionUpdate(this.session, ev.session);
    if ('error' in result) {
      this.send(errorEvent({ ...result.error, eventId: typeof ev.event_id === 'string' ? ev.event_id : null }));
      return;
    }
    this.session = result.session;
    this.send(sessionUpdated(this.session));
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
  /** Answer session.update with session.updated by itself (default true). */
  autoSessionUpdated?: boolean;
}

export class FakeRealtimeServer {
  readonly connections: FakeConnection[] = [];
  /** Client events that are not valid GA events, from every connection. */
  readonly invalidEvents: Array<{ event: unknown; problems: string[] }> = [];
  /** Every upgrade request, accepted or not, with how it was treated. */
  readonly upgrades: Array<{ url: string; headers: IncomingHttpHeaders; mode: FakeMode }> = [];
  private readonly connectionLog = new EventLog();
  private readonly modeOfRequest = new WeakMap<IncomingMessage, FakeMode>();
  private mode: FakeMode;
  private readonly autoSessionUpdated: boolean;
  private readonly server: LoopbackWsServer;
  private baseUrl = '';

  private constructor(opts: FakeRealtimeServerOptions) {
    this.mode = opts.mode ?? 'accept';
    this.autoSessionUpdated = opts.autoSessionUpdated ?? true;
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
      onInvalid: (event, problems) => this.invalidEvents.push({ event, problems }),
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
