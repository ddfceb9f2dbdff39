import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';
import type { CallService } from '../../call/call.service.js';
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

/** Errors of one kind are told to the client this many times per connection, then only counted. */
const MAX_REPEATED_ERRORS = 3;

/**
 * One AVR core WebSocket connection: parses its messages into call actions and implements the
 * CallSink that writes the call's output back in AVR core's format. No call logic lives here.
 */
export class WsCallAdapter implements CallSink {
  private session: CallSession | undefined;
  /** Bad messages seen per kind (a fixed, small set of kinds). */
  private readonly errorCounts = new Map<string, number>();
  private oddAudioReported = false;
  /** Set when the ws library closed the connection over something the client sent. */
  private protocolError: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    /** The connection's socket (the one ws writes to), for batching writes. */
    private readonly socket: Duplex,
    private readonly calls: CallService,
    private readonly metadata: Record<string, string>,
    private log: Logger,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code) => this.onClose(code));
    ws.on('error', (err: Error & { code?: string }) => {
      this.protocolError = PROTOCOL_ERRORS[err.code ?? ''];
      this.log.warn({ err: err.message }, 'client WebSocket error');
    });
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return this.reject('binary', 'binary frames are not supported: send JSON text messages');
    const parsed = parseClientMessage(data.toString());
    if (!parsed.ok) return this.reject(parsed.kind, parsed.error);
    const msg = parsed.message;
    if (msg.type === 'init') return this.init(msg.uuid, msg.extra);
    if (!this.session) return this.reject('before_init', `${msg.type} before init: send {"type":"init","uuid":...} first`);
    if (msg.type === 'audio') {
      if (msg.audio.length & 1 && !this.oddAudioReported) {
        this.oddAudioReported = true;
        this.log.warn({ bytes: msg.audio.length }, 'odd-length caller audio: re-aligned across messages');
        this.error(`audio of odd length (${msg.audio.length} bytes): 16-bit samples are re-aligned across messages`);
      }
      this.session.pushCallerAudio(msg.audio);
    } else {
      this.session.dtmf(msg.digit);
    }
  }

  private init(uuid: string, extra: Record<string, unknown>): void {
    if (this.session) return this.reject('second_init', `call already started (uuid ${this.session.uuid}); second init ignored`);
    const admission = this.calls.admit();
    if (!admission.ok) {
      this.error(admission.message);
      this.ws.close(WS_CLOSE.tryAgainLater, admission.message);
      return;
    }
    // From here on every line this connection logs names its call.
    this.log = this.log.child({ uuid });
    this.session = this.calls.open({ uuid, transport: 'ws', metadata: { ...this.metadata, ...extra } }, this);
  }

  /** A bad message: the client hears why, the call goes on. */
  private reject(kind: string, message: string): void {
    const seen = (this.errorCounts.get(kind) ?? 0) + 1;
    this.errorCounts.set(kind, seen);
    if (seen === 1) this.log.warn({ kind }, `bad client message: ${message}`);
    if (seen <= MAX_REPEATED_ERRORS) this.error(message);
  }

  private onClose(code: number): void {
    if (!this.session || this.session.isEnded) return;
    if (this.protocolError) {
      this.session.end({ outcome: 'error', reason: `client sent ${this.protocolError} (close ${code})` });
      return;
    }
    this.log.debug({ code }, 'client closed the WebSocket');
    this.session.hangUp();
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

  error(message: string): void {
    this.sendText(JSON.stringify({ type: 'error', message }));
  }

  end(end: CallEnd): void {
    if (end.clientMessage) this.error(end.clientMessage);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(closeCodeFor(end.outcome), end.reason.slice(0, 120));
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  private sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }
}
