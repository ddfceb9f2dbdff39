import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { PendingConnection } from '../../call/call-registry.js';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';
import type { CallService } from '../../call/call.service.js';
import type { AppConfig } from '../../config/index.js';
import type { LogBudget } from '../../logging/index.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { metadataFromInit } from '../call-metadata.js';
import { callerAudioBudget, keypressBudget, RateBudget } from '../rate-budget.js';
import { ResumableCalls, SinkRelay } from './resumable-calls.js';
import { closeCodeFor, WS_CLOSE } from './ws-close-codes.js';
import { parseClientMessage } from './ws-messages.js';

/** ws library errors that close the connection (1009, 1007, ...) over what the client sent. */
const PROTOCOL_ERRORS: Readonly<Record<string, string>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'a message over MAX_MESSAGE_BYTES',
  WS_ERR_INVALID_UTF8: 'text that is not valid UTF-8',
  WS_ERR_INVALID_CLOSE_CODE: 'an invalid close code',
  WS_ERR_INVALID_OPCODE: 'an invalid frame',
  WS_ERR_EXPECTED_MASK: 'an unmasked frame',
};

/** What the adapter needs besides its connection. */
export interface WsAdapterDeps {
  calls: CallService;
  config: AppConfig;
  metrics: MetricsService;
  /** Shared by all connections: handshakes that time out are logged rate-limited. */
  initTimeoutLog: LogBudget;
  /** Calls whose connection was lost, waiting for AVR core to come back with their uuid. */
  resumable: ResumableCalls;
}

/**
 * One AVR core WebSocket connection: parses its messages into call actions and implements the
 * CallSink that writes the call's output back in AVR core's format. No call logic lives here.
 *
 * AVR core ends the call on any `error` message, so nothing the call survives is sent back: a bad
 * message, odd-length audio, audio before init, a non-fatal upstream error are logged with the
 * uuid and counted by kind. `error` goes out only right before this service ends the call.
 */
export class WsCallAdapter implements CallSink, PendingConnection {
  private session: CallSession | undefined;
  /** What the session writes to: this connection now, another one after a resume. */
  private relay: SinkRelay | undefined;
  /** Bad messages seen per kind (a fixed, small set of kinds): the first of each is logged. */
  private readonly errorCounts = new Map<string, number>();
  private oddAudioReported = false;
  /** Set when the ws library closed the connection over something the client sent. */
  private protocolError: string | undefined;
  /** How the connection is closed when the service ends the call for an edge reason (rate, idle). */
  private closeAs: { code: number; reason: string } | undefined;
  private readonly messageBudget: RateBudget;
  private readonly audioBudget = callerAudioBudget();
  private readonly keyBudget = keypressBudget();
  private droppedAudioBytes = 0;
  private droppedKeys = 0;
  private lastAudioAt = 0;
  private initTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pending = true;
  /** Set while a comeback of a failed call is held: no call, everything it sends is discarded. */
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    /** The connection's socket (the one ws writes to), for batching writes. */
    private readonly socket: Duplex,
    private readonly metadata: Record<string, string>,
    private log: Logger,
    private readonly deps: WsAdapterDeps,
  ) {
    const { server } = deps.config;
    this.messageBudget = new RateBudget(server.maxMessagesPerSecond, server.maxMessagesPerSecond);
    deps.calls.registry.addPending(this);
    this.initTimer = setTimeout(() => this.guard('the init timeout', () => this.onInitTimeout()), server.initTimeoutMs);
    ws.on('message', (data, isBinary) => this.guard('a client message', () => this.onMessage(data, isBinary)));
    ws.on('close', (code) => this.guard('the client close', () => this.onClose(code)));
    ws.on('error', (err: Error & { code?: string }) =>
      this.guard('a client socket error', () => {
        this.protocolError = PROTOCOL_ERRORS[err.code ?? ''];
        this.log.warn({ err: err.message }, 'client WebSocket error');
      }),
    );
  }

  /**
   * Every event of this connection runs here: a fault while handling it ends this call (or this
   * connection) with a log line naming it, and nothing else.
   */
  private guard(what: string, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.log.error({ err }, `internal error while handling ${what}: ending this call`);
      try {
        this.leavePending();
        if (this.session && !this.session.isEnded) {
          this.session.end({ outcome: 'error', reason: `internal error while handling ${what}`, clientMessage: 'internal error' });
        } else {
          this.ws.terminate();
        }
      } catch {
        this.ws.terminate();
      }
    }
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (!this.messageBudget.take()) return this.overRate();
    if (this.holdTimer) return;
    if (isBinary) return this.reject('binary', 'binary frames are not supported: send JSON text messages');
    const parsed = parseClientMessage(data.toString());
    if (!parsed.ok) return this.reject(parsed.kind, parsed.error);
    const msg = parsed.message;
    if (msg.type === 'init') return this.init(msg.uuid, msg.extra, msg.uuidProblem);
    if (!this.session) return this.reject('before_init', `${msg.type} before init: send {"type":"init","uuid":...} first`);
    if (msg.type === 'audio') return this.callerAudio(msg.audio);
    if (!this.keyBudget.take()) {
      if (this.droppedKeys++ === 0) this.log.warn('keypresses faster than 5 per second: the extra ones are dropped');
      this.deps.metrics.clientMessageErrors.labels('dtmf_rate').inc();
      return;
    }
    this.session.dtmf(msg.digit);
  }

  private callerAudio(audio: Buffer): void {
    const session = this.session!;
    this.lastAudioAt = Date.now();
    if (!this.audioBudget.take(audio.length)) {
      if (this.droppedAudioBytes === 0)
        this.log.warn({ bytes: audio.length }, 'caller audio faster than real time: dropping what is beyond it');
      this.droppedAudioBytes += audio.length;
      this.deps.metrics.callerAudioDropped.labels('ws').inc(audio.length);
      return;
    }
    if (audio.length & 1 && !this.oddAudioReported) {
      this.oddAudioReported = true;
      this.log.warn({ bytes: audio.length }, 'odd-length caller audio: re-aligned across messages');
      this.deps.metrics.clientMessageErrors.labels('odd_audio').inc();
    }
    session.pushCallerAudio(audio);
  }

  private init(uuid: string, rawExtra: Record<string, unknown>, uuidProblem: string | undefined): void {
    if (this.session) return this.reject('second_init', `call already started (uuid ${this.session.uuid}); second init ignored`);
    this.leavePending();
    const resumed = this.deps.resumable.take(uuid);
    if (resumed) return this.resume(resumed.session, resumed.relay);
    const { calls } = this.deps;
    const holdMs = calls.registry.failedHoldLeftMs(uuid);
    if (holdMs > 0) return this.hold(uuid, holdMs);
    const admission = calls.admit();
    if (!admission.ok) {
      this.log.warn({ reason: admission.reason }, `WebSocket call refused at init: ${admission.message}`);
      this.deps.metrics.connectionsRefused.labels(admission.reason).inc();
      this.sendError(admission.message);
      this.ws.close(WS_CLOSE.tryAgainLater, admission.message);
      return;
    }
    // From here on every line this connection logs names its call.
    this.log = this.log.child({ uuid });
    if (uuidProblem) {
      this.log.warn(`init: ${uuidProblem}`);
      this.deps.metrics.clientMessageErrors.labels('bad_uuid').inc();
    }
    const metadata = { ...metadataFromInit(rawExtra), ...this.metadata };
    this.relay = new SinkRelay(this);
    this.session = calls.open({ uuid, transport: 'ws', metadata }, this.relay);
    this.watchCallerAudio();
  }

  /**
   * AVR core came back with the uuid of a call that just ended in failure (it does not hang up on
   * a close; with a bad key it would reconnect 50 times a second, each a new upstream session).
   * The connection is kept without a call and without an error message, its audio discarded,
   * until AVR core closes it or the hold runs out.
   */
  private hold(uuid: string, holdMs: number): void {
    this.log = this.log.child({ uuid });
    this.log.warn({ holdMs }, 'init for a call that ended in failure: held without a new upstream session (FAILED_CALL_HOLD_MS)');
    this.deps.metrics.connectionsRefused.labels('failed_call_hold').inc();
    // Still a connection without a call: counted against capacity, closed by a drain.
    this.pending = true;
    this.deps.calls.registry.addPending(this);
    this.holdTimer = setTimeout(
      () =>
        this.guard('the end of a failed-call hold', () => {
          this.leavePending();
          if (this.ws.readyState === WebSocket.OPEN) this.ws.close(WS_CLOSE.callFailed, 'call failed: hold over');
        }),
      holdMs,
    );
  }

  /** AVR core came back with the uuid of a call whose connection was lost: the call goes on here. */
  private resume(session: CallSession, relay: SinkRelay): void {
    this.log = this.log.child({ uuid: session.uuid });
    this.session = session;
    this.relay = relay;
    relay.attach(this);
    this.log.info('client reconnected: the call goes on on the new connection (same upstream session and conversation)');
    this.watchCallerAudio();
  }

  /**
   * AVR core streams a caller frame every 20 ms for the whole call: a call whose caller audio
   * stops (from init on, before any audio too) is dead or half-open, and would hold a billed
   * upstream session forever.
   */
  private watchCallerAudio(): void {
    const idleMs = this.deps.config.server.clientIdleMs;
    if (idleMs <= 0) return;
    this.lastAudioAt = Date.now();
    this.idleTimer = setInterval(
      () =>
        this.guard('the caller-audio watch', () => {
          const session = this.session;
          if (!session || session.isEnded) return clearInterval(this.idleTimer);
          const silentMs = Date.now() - this.lastAudioAt;
          if (silentMs < idleMs) return;
          const reason = `no caller audio for ${silentMs} ms (CLIENT_IDLE_MS=${idleMs}): the client is gone or half-open`;
          this.closeAs = { code: WS_CLOSE.goingAway, reason: 'no caller audio' };
          session.end({ outcome: 'caller_hung_up', reason });
        }),
      Math.min(1000, Math.max(50, idleMs / 4)),
    );
  }

  private onInitTimeout(): void {
    if (this.session || !this.pending) return;
    this.leavePending();
    const { initTimeoutMs } = this.deps.config.server;
    const budget = this.deps.initTimeoutLog.take();
    if (budget) this.log.info(budget, `WebSocket closed: no init within ${initTimeoutMs} ms`);
    this.deps.metrics.connectionsRefused.labels('init_timeout').inc();
    this.ws.close(WS_CLOSE.policy, `no init within ${initTimeoutMs} ms`);
  }

  /** Far beyond AVR core's 50 messages a second: a flood, which would slow every call on the process. */
  private overRate(): void {
    if (this.closeAs) return;
    const limit = this.deps.config.server.maxMessagesPerSecond;
    const reason = `message rate over ${limit} per second`;
    this.closeAs = { code: WS_CLOSE.policy, reason };
    this.deps.metrics.connectionsRefused.labels('message_rate').inc();
    this.leavePending();
    if (this.session && !this.session.isEnded) {
      this.session.end({ outcome: 'error', reason: `client sent a ${reason}`, clientMessage: `${reason}: closing` });
    } else {
      this.log.warn(`WebSocket closed: ${reason}`);
      this.ws.close(WS_CLOSE.policy, reason);
    }
  }

  /** A message the call survives: logged (first of each kind) and counted, never sent back. */
  private reject(kind: string, message: string): void {
    const seen = (this.errorCounts.get(kind) ?? 0) + 1;
    this.errorCounts.set(kind, seen);
    this.deps.metrics.clientMessageErrors.labels(kind).inc();
    if (seen === 1) this.log.warn({ kind }, `bad client message: ${message}`);
  }

  private onClose(code: number): void {
    this.leavePending();
    clearTimeout(this.initTimer);
    clearTimeout(this.holdTimer);
    clearInterval(this.idleTimer);
    if (!this.session || this.session.isEnded) return;
    if (this.protocolError) {
      this.session.end({ outcome: 'error', reason: `client sent ${this.protocolError} (close ${code})` });
      return;
    }
    // A close that is not a deliberate normal closure may be a lost connection: AVR core comes
    // back with the same uuid on its next caller frame, and the call should still be there.
    if (code !== WS_CLOSE.normal && this.relay && this.deps.resumable.enabled) {
      this.deps.resumable.park(this.session, this.relay, this.log.child({ closeCode: code }));
      return;
    }
    this.log.debug({ code }, 'client closed the WebSocket');
    this.session.callerLeft();
  }

  private leavePending(): void {
    if (!this.pending) return;
    this.pending = false;
    clearTimeout(this.initTimer);
    this.deps.calls.registry.removePending(this);
  }

  // PendingConnection

  closeForShutdown(reason: string): void {
    this.pending = false;
    clearTimeout(this.initTimer);
    clearTimeout(this.holdTimer);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(WS_CLOSE.goingAway, reason);
  }

  // CallSink

  audio(frame: Buffer): void {
    // The frames cut from one upstream delta (5 for 100 ms) leave in one socket write, one
    // syscall, instead of one each: cork on the first, uncork once this tick's work is done.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      queueMicrotask(this.uncork);
    }
    this.sendText(`{"type":"audio","audio":"${frame.toString('base64')}"}`);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  transcript(role: 'user' | 'agent', text: string): void {
    this.sendText(JSON.stringify({ type: 'transcript', role, text }));
  }

  interruption(): void {
    this.sendText('{"type":"interruption"}');
  }

  /** Something the call survives (a non-fatal upstream error): not sent, AVR core would end the call. */
  error(message: string): void {
    this.log.debug(`not sent to AVR core (the call goes on): ${message}`);
  }

  end(end: CallEnd): void {
    clearInterval(this.idleTimer);
    if ((end.outcome === 'upstream_failed' || end.outcome === 'error') && this.session)
      this.deps.calls.registry.noteFailed(this.session.uuid);
    if (end.clientMessage) this.sendError(end.clientMessage);
    if (this.droppedAudioBytes > 0 || this.droppedKeys > 0) {
      this.log.info(
        { droppedAudioBytes: this.droppedAudioBytes, droppedKeys: this.droppedKeys },
        'caller input dropped over the call for its rate',
      );
    }
    if (this.ws.readyState === WebSocket.OPEN) {
      const close = this.closeAs ?? { code: closeCodeFor(end.outcome), reason: end.reason };
      this.ws.close(close.code, closeReason(close.reason));
    }
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** The one shape of `error`: AVR core's client reads `error.message`, its docs `message`. */
  private sendError(message: string): void {
    this.sendText(JSON.stringify({ type: 'error', message, error: { message } }));
  }

  private sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }
}

/** A close reason is at most 123 bytes of UTF-8 (ws throws beyond it). */
function closeReason(reason: string): string {
  let out = reason.slice(0, 120);
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
