/**
 * A scriptable fake of GPT-Live (`/v1/live/sessions`) for tests: a real WebSocket server on loopback
 * that is as strict as the reference says the real one is. Every client event is validated against
 * the `openai` 7.59.0 declarations (unknown fields refused with an `error`, as "Unknown
 * configuration fields are rejected"); nothing but `session.start` is accepted before
 * `session.started`. Otherwise it sends exactly what a test tells it to, in the SDK's shapes.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { encodeFromPcm16, LoopbackWsServer, sineWave, type RealtimeAudioFormat, type UpgradeDecision } from '../../src/simulator/index.js';
import { validateLiveClientEvent, type LiveSchemaProblem } from '../../src/simulator/live-schema.js';
import * as liveEvent from '../../src/simulator/live-server-events.js';
import type { SessionClosedEvent, SessionConfig } from '../../src/live/live-events.js';
import { EventLog, TEST_TONE_HZ, type FakeMode } from './fake-realtime-server.js';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The code this fake (and the simulator) uses for a command sent before `session.started`. */
export const NOT_STARTED_CODE = 'session_not_started';

export interface FakeLiveOptions {
  mode?: FakeMode;
  /** Answer a valid session.start with session.started by itself (default true). */
  autoStart?: boolean;
  /** Refuse every session.start with this error instead (after validation passed). */
  refuseStart?: { code: string; message: string; param?: string };
}

export class FakeLiveConnection {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed client events in arrival order (valid or not). */
  readonly received: any[];
  readonly sent: any[] = [];
  /** Client events refused by validation, with the problems. */
  readonly invalid: Array<{ event: unknown; problems: LiveSchemaProblem[] }> = [];
  /** Client events that came before session.started (other than session.start itself). */
  readonly beforeStart: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  session: liveEvent.LiveSessionResource | undefined;
  /** When session.started was sent: 0 on this session's timeline (epoch ms). */
  startedAt = 0;
  config: SessionConfig | undefined;
  private readonly log = new EventLog();
  private tonePhase = 0;
  /** Last cumulative seconds reported: the final usage on a requested close is one more. */
  private usageSeconds = 0;

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    private readonly opts: { autoStart: boolean; refuseStart?: FakeLiveOptions['refuseStart'] },
  ) {
    this.url = request.url ?? '/';
    this.headers = request.headers;
    this.received = this.log.events;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.onMessage(data.toString()));
  }

  get started(): boolean {
    return this.session !== undefined;
  }

  waitFor(type: string, predicate?: (ev: any) => boolean, timeoutMs = 5000): Promise<any> {
    return this.log.waitFor(type, predicate, timeoutMs);
  }

  ofType(type: string): any[] {
    return this.log.ofType(type);
  }

  /** Every caller audio payload, decoded, in order. */
  audioAppends(): Buffer[] {
    return this.log.ofType('session.input_audio.append').map((ev) => Buffer.from(String(ev.audio ?? ''), 'base64'));
  }

  send(ev: object): void {
    this.sent.push(ev);
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(ev));
  }

  sendRaw(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  /** session.started for the received session.start (when autoStart is off). */
  start(expiresInSec = 7200): void {
    const start = this.log.find('session.start');
    this.config = start.session;
    this.session = liveEvent.sessionResource(start.session, Math.floor(Date.now() / 1000) + expiresInSec);
    this.startedAt = Date.now();
    this.send(liveEvent.sessionStarted(this.session, start.event_id));
  }

  /** Now on the session timeline (ms since session.started), for timing transcript fragments. */
  sessionMs(): number {
    return Date.now() - this.startedAt;
  }

  get format(): RealtimeAudioFormat {
    const type = this.session?.audio?.format?.type ?? 'audio/pcm';
    return type === 'audio/pcmu'
      ? { type: 'audio/pcmu' }
      : type === 'audio/pcma'
        ? { type: 'audio/pcma' }
        : { type: 'audio/pcm', rate: 24000 };
  }

  /** `ms` of the 440 Hz test tone as output audio, in `chunkMs` deltas (paced when `paceMs`). Returns the bytes. */
  async agentSpeech(ms: number, opts: { chunkMs?: number; paceMs?: number } = {}): Promise<Buffer> {
    const chunkMs = opts.chunkMs ?? 100;
    const rate = this.format.type === 'audio/pcm' ? 24000 : 8000;
    const sent: Buffer[] = [];
    for (let at = 0; at < ms; at += chunkMs) {
      if (at > 0 && opts.paceMs) await delay(opts.paceMs);
      const count = Math.round((rate * Math.min(chunkMs, ms - at)) / 1000);
      const chunk = encodeFromPcm16(sineWave(rate, count, TEST_TONE_HZ, 0.5, this.tonePhase), this.format);
      this.tonePhase += count;
      sent.push(chunk);
      this.send(liveEvent.outputAudio(chunk));
    }
    return Buffer.concat(sent);
  }

  /** `ms` of digital silence as output audio (what the real server streams between turns). */
  async silence(ms: number, opts: { chunkMs?: number; paceMs?: number } = {}): Promise<void> {
    const chunkMs = opts.chunkMs ?? 100;
    const rate = this.format.type === 'audio/pcm' ? 24000 : 8000;
    for (let at = 0; at < ms; at += chunkMs) {
      if (at > 0 && opts.paceMs) await delay(opts.paceMs);
      const count = Math.round((rate * Math.min(chunkMs, ms - at)) / 1000);
      this.send(liveEvent.outputAudio(encodeFromPcm16(new Int16Array(count), this.format)));
    }
  }

  inputTranscript(delta: string, startMs: number, endMs: number): void {
    this.send(liveEvent.inputTranscript(delta, startMs, endMs));
  }

  outputTranscript(delta: string, startMs: number, endMs: number): void {
    this.send(liveEvent.outputTranscript(delta, startMs, endMs));
  }

  /** A delegated backend function call: delegation.created, response.created, output_item.done (completed). */
  toolCall(name: string, args: object | string): { callId: string; delegationId: string; responseId: string } {
    const { events, ...ids } = liveEvent.delegatedFunctionCall(0, {
      name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args),
    });
    for (const ev of events) this.send(ev);
    return ids;
  }

  /** The nested response.completed of a delegation, with backend token usage. */
  completeResponse(
    delegationId: string,
    responseId: string,
    usage = { input_tokens: 120, output_tokens: 30, total_tokens: 150, input_tokens_details: { cached_tokens: 20 } },
  ): void {
    this.send(liveEvent.responseCompleted(delegationId, responseId, usage));
  }

  usage(seconds: number): void {
    this.usageSeconds = seconds;
    this.send(liveEvent.usageUpdated(seconds, 0.1));
  }

  error(code: string, message: string, param?: string): void {
    this.send(liveEvent.error({ code, message, param }));
  }

  /** session.closed with `reason` and final usage, then the server closes the socket. */
  closeSession(reason: SessionClosedEvent['reason'], seconds: number, clientEventId?: string | null): void {
    if (this.session) this.send(liveEvent.sessionClosed(this.session, reason, seconds, clientEventId));
    this.ws.close(1000, reason);
  }

  /** Stops reading the socket: pings go unanswered, as with a peer that vanished without a FIN. */
  freeze(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  /** Cuts the TCP connection without a closing handshake. */
  drop(): void {
    this.ws.terminate();
  }

  private onMessage(text: string): void {
    let ev: any;
    try {
      ev = JSON.parse(text);
    } catch {
      this.invalid.push({ event: text, problems: [{ code: 'invalid_value', param: '', message: 'not valid JSON' }] });
      this.send(liveEvent.error({ code: 'invalid_json', message: 'The message is not valid JSON.' }));
      return;
    }
    const problems = validateLiveClientEvent(ev);
    const clientEventId = typeof ev?.event_id === 'string' ? ev.event_id : undefined;
    if (problems.length > 0) {
      this.invalid.push({ event: ev, problems });
      this.send(liveEvent.error({ code: problems[0].code, message: problems[0].message, param: problems[0].param, clientEventId }));
      this.log.push(ev);
      return;
    }
    if (!this.started && ev.type !== 'session.start') {
      this.beforeStart.push(ev);
      this.send(
        liveEvent.error({ code: NOT_STARTED_CODE, message: 'Wait for session.started before sending audio or commands.', clientEventId }),
      );
      this.log.push(ev);
      return;
    }
    if (ev.type === 'session.start') {
      if (this.started) this.send(liveEvent.error({ code: 'invalid_value', message: 'The session has already started.', clientEventId }));
      else if (this.opts.refuseStart) this.send(liveEvent.error({ ...this.opts.refuseStart, clientEventId }));
      else if (this.opts.autoStart) {
        this.log.push(ev);
        this.start();
        return;
      }
    }
    if (ev.type === 'session.instructions.append') this.send(liveEvent.appended('session.instructions.appended', 0, clientEventId));
    if (ev.type === 'session.thinking.append') this.send(liveEvent.appended('session.thinking.appended', 0, clientEventId));
    if (ev.type === 'session.commentary.append') this.send(liveEvent.appended('session.commentary.appended', 0, clientEventId));
    if (ev.type === 'session.close') {
      this.log.push(ev);
      this.closeSession('close_requested', this.usageSeconds + 1, clientEventId);
      return;
    }
    this.log.push(ev);
  }
}

export class FakeLiveServer {
  readonly connections: FakeLiveConnection[] = [];
  readonly upgrades: Array<{ url: string; headers: IncomingHttpHeaders; mode: FakeMode }> = [];
  private readonly connectionLog = new EventLog();
  private mode: FakeMode;
  private readonly server: LoopbackWsServer;
  private baseUrl = '';

  private constructor(private readonly opts: FakeLiveOptions) {
    this.mode = opts.mode ?? 'accept';
    this.server = new LoopbackWsServer({
      decideUpgrade: (req) => this.decideUpgrade(req),
      onConnection: (ws, req) => this.onConnection(ws, req),
    });
  }

  static async start(opts: FakeLiveOptions = {}): Promise<FakeLiveServer> {
    const fake = new FakeLiveServer(opts);
    fake.baseUrl = await fake.server.start();
    return fake;
  }

  /** ws://127.0.0.1:port/v1/live/sessions (the path the service is configured with). */
  get url(): string {
    return `${this.baseUrl}/v1/live/sessions`;
  }

  setMode(mode: FakeMode): void {
    this.mode = mode;
  }

  /** Refuses (or, with undefined, accepts again) the next connections' session.start. */
  setRefuseStart(refuse: FakeLiveOptions['refuseStart']): void {
    this.opts.refuseStart = refuse;
  }

  async waitForConnection(index = this.connections.length, timeoutMs = 5000): Promise<FakeLiveConnection> {
    const event = await this.connectionLog.waitFor('connection', (ev) => ev.index === index, timeoutMs);
    return event.connection as FakeLiveConnection;
  }

  /** Refused client events of every connection. */
  get invalidEvents(): Array<{ event: unknown; problems: LiveSchemaProblem[] }> {
    return this.connections.flatMap((c) => c.invalid);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private decideUpgrade(req: IncomingMessage): UpgradeDecision {
    const mode = this.mode;
    this.upgrades.push({ url: req.url ?? '/', headers: req.headers, mode });
    return mode === 'silent' ? 'accept' : mode;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const connection = new FakeLiveConnection(ws, req, { autoStart: this.opts.autoStart ?? true, refuseStart: this.opts.refuseStart });
    this.connections.push(connection);
    this.connectionLog.push({ type: 'connection', index: this.connections.length - 1, connection });
  }
}
