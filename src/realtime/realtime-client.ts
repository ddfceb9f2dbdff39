import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { normaliseEventType, type ServerEvent } from './realtime-events.js';
import type { UpstreamTarget } from './upstream-target.js';
import { failureFromHttpStatus, failureFromSocketError, UpstreamFailure } from './upstream-failure.js';
import { SecretRedactor, urlSecrets } from '../logging/redaction.js';
import { closeUpstreamSocket, startHeartbeat } from './upstream-socket.js';

export interface RealtimeClientHandlers {
  onEvent(event: ServerEvent): void;
  /** Called once when an open connection is lost (not after close() was called by us). */
  onLost(failure: UpstreamFailure): void;
}

/**
 * Largest upstream message read at all (beyond it the connection closes with 1009 and continuity
 * takes over): room for a session.updated echoing the largest instructions, never a 64 MB read.
 */
const MAX_UPSTREAM_MESSAGE = 16 * 1024 * 1024;
/**
 * Most base64 one audio delta may carry (about 16 s of 24 kHz PCM16): the server sends a few
 * hundred ms a delta; a bigger one is dropped and counted, so a single event cannot fill the
 * caller's send buffer and end the call as "not reading".
 */
const MAX_AUDIO_DELTA_CHARS = 1024 * 1024;
/**
 * Longest string kept in any other event (transcripts, error messages, reasons, names): longer
 * ones are cut here, at the edge, so no log line, record or client message carries megabytes.
 */
const MAX_EVENT_STRING_CHARS = 16 * 1024;
/** Only this deep are strings cut and redacted: every field the call engine reads is shallower. */
const MAX_WALK_DEPTH = 6;
const DEFAULT_MAX_SEND_BUFFER_BYTES = 320 * 1024;
const AUDIO_DELTA = 'response.output_audio.delta';

/**
 * One upstream Realtime connection of one call. Knows OpenAI's wire protocol and nothing of AVR:
 * it opens, sends events, hands parsed events (with beta names read as GA ones) to its handlers,
 * and reports how the connection failed or was lost.
 */
export class RealtimeClient {
  private ws: WebSocket | undefined;
  private closedByUs = false;
  private lostReported = false;
  private malformed = 0;
  private stopHeartbeat: (() => void) | undefined;
  private droppedAudioBytes = 0;
  private droppedAudioChunks = 0;
  private readonly redactor: SecretRedactor;
  private readonly maxSendBufferBytes: number;
  readonly openedAt = Date.now();

  constructor(
    private readonly target: UpstreamTarget,
    private readonly connectTimeoutMs: number,
    /**
     * A connection whose peer vanished without a FIN (NAT timeout, dead host) looks open for
     * minutes; a ping unanswered for this long counts as a drop, so continuity takes over.
     */
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
    private readonly handlers: RealtimeClientHandlers,
  ) {
    // The credentials this connection carries: an upstream error that quotes them goes no further.
    this.redactor = new SecretRedactor([...headerSecrets(target.headers), ...urlSecrets(target.url)]);
    this.maxSendBufferBytes = target.maxSendBufferBytes ?? DEFAULT_MAX_SEND_BUFFER_BYTES;
  }

  /**
   * Opens the connection and waits for the server's first event (session.created): an upstream
   * that accepts and then says nothing is as dead as one that refuses.
   */
  connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.target.url, {
        headers: this.target.headers,
        handshakeTimeout: this.connectTimeoutMs,
        perMessageDeflate: false,
        maxPayload: MAX_UPSTREAM_MESSAGE,
      });
      this.ws = ws;
      const timer = setTimeout(
        () => fail(new UpstreamFailure('timeout', `upstream did not answer within ${this.connectTimeoutMs} ms`, { retryable: true })),
        this.connectTimeoutMs,
      );
      const fail = (failure: UpstreamFailure) => {
        if (settled) return;
        settled = true;
        // The connect promise reports this failure; the socket's own error/close that follow are not a loss.
        this.closedByUs = true;
        clearTimeout(timer);
        ws.removeAllListeners('message');
        ws.terminate();
        reject(failure);
      };
      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () => fail(failureFromHttpStatus(res.statusCode ?? 0, body)));
        res.on('error', () => fail(failureFromHttpStatus(res.statusCode ?? 0, body)));
      });
      ws.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled) fail(failureFromSocketError(err));
        else this.reportLost(failureFromSocketError(err));
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (!settled) {
          fail(
            new UpstreamFailure('closed', `upstream closed during connect (${code} ${reason.toString()})`.trim(), {
              status: code,
              retryable: true,
            }),
          );
          return;
        }
        this.reportLost(
          new UpstreamFailure('closed', `upstream closed the connection (${code}${reason.length ? ` ${reason.toString()}` : ''})`, {
            status: code,
            retryable: true,
          }),
        );
      });
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        const event = this.parse(data, isBinary);
        if (!event) return;
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.startHeartbeat(ws);
          resolve();
        }
        this.handlers.onEvent(event);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a client event; false when the connection is not open (the event is dropped). */
  send(event: object): boolean {
    return this.sendRaw(JSON.stringify(event));
  }

  sendRaw(json: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(json);
    return true;
  }

  /**
   * Appends caller audio (already in the session's input format), without a JSON encoder pass.
   * An upstream that does not read (its socket's queue beyond OPENAI_MAX_SEND_BUFFER_BYTES) gets
   * no more audio until it catches up: dropped, counted and logged once, never held in memory.
   */
  appendAudio(audio: Uint8Array): boolean {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN && ws.bufferedAmount > this.maxSendBufferBytes) {
      if (this.droppedAudioChunks++ === 0) {
        this.logger.warn(
          { upstream: this.target.display, bufferedBytes: ws.bufferedAmount, maxSendBufferBytes: this.maxSendBufferBytes },
          'upstream is not reading: caller audio dropped until it catches up (OPENAI_MAX_SEND_BUFFER_BYTES)',
        );
      }
      this.droppedAudioBytes += audio.byteLength;
      return false;
    }
    const b64 = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
    return this.sendRaw(`{"type":"input_audio_buffer.append","audio":"${b64}"}`);
  }

  close(): void {
    if (this.droppedAudioChunks > 0 && !this.closedByUs) {
      this.logger.warn(
        { upstream: this.target.display, droppedAudioBytes: this.droppedAudioBytes, droppedAudioChunks: this.droppedAudioChunks },
        'caller audio dropped for an upstream that was not reading',
      );
    }
    this.closedByUs = true;
    this.stopHeartbeat?.();
    if (this.ws) closeUpstreamSocket(this.ws);
  }

  private startHeartbeat(ws: WebSocket): void {
    this.stopHeartbeat = startHeartbeat(ws, this.heartbeatMs, () =>
      this.reportLost(new UpstreamFailure('timeout', `upstream did not answer a ping within ${this.heartbeatMs} ms`, { retryable: true })),
    );
  }

  private reportLost(failure: UpstreamFailure): void {
    if (this.closedByUs || this.lostReported) return;
    this.lostReported = true;
    this.handlers.onLost(failure);
  }

  private parse(data: WebSocket.RawData, isBinary: boolean): ServerEvent | undefined {
    let event: unknown;
    try {
      event = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      event = undefined;
    }
    if (!isServerEvent(event)) {
      // Logged once per call and then counted, so a broken upstream cannot flood the log.
      if (this.malformed++ === 0) this.logger.warn({ upstream: this.target.display }, 'malformed event from upstream ignored');
      return undefined;
    }
    if (event.type === AUDIO_DELTA) {
      const delta = (event as { delta?: unknown }).delta;
      if (typeof delta === 'string' && delta.length > MAX_AUDIO_DELTA_CHARS) {
        if (this.malformed++ === 0)
          this.logger.warn({ upstream: this.target.display, chars: delta.length }, 'oversized audio delta from upstream ignored');
        return undefined;
      }
    } else {
      boundStrings(event, this.redactor);
    }
    event.type = normaliseEventType(event.type);
    return event;
  }

  get malformedEvents(): number {
    return this.malformed;
  }

  /** Caller audio dropped because this connection's queue was over its bound. */
  get droppedCallerAudioBytes(): number {
    return this.droppedAudioBytes;
  }
}

/** The values of the credential headers (Authorization's token and the whole header, api-key). */
function headerSecrets(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key === 'authorization') out.push(value.replace(/^Bearer\s+/i, ''), value);
    else if (key === 'api-key') out.push(value);
  }
  return out;
}

/**
 * Cuts every string of an event longer than MAX_EVENT_STRING_CHARS and redacts the connection's
 * credentials in each, in place, without recursion (a deeply nested value costs a bounded walk).
 */
function boundStrings(root: Record<string, unknown>, redactor: SecretRedactor): void {
  const stack: Array<{ value: Record<string, unknown> | unknown[]; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
      const v = (value as Record<string | number, unknown>)[key];
      if (typeof v === 'string') {
        const cut = v.length > MAX_EVENT_STRING_CHARS ? `${v.slice(0, MAX_EVENT_STRING_CHARS)}… (cut from ${v.length} chars)` : v;
        const clean = redactor.active ? redactor.redact(cut) : cut;
        if (clean !== v) (value as Record<string | number, unknown>)[key] = clean;
      } else if (typeof v === 'object' && v !== null && depth + 1 < MAX_WALK_DEPTH) {
        stack.push({ value: v as Record<string, unknown> | unknown[], depth: depth + 1 });
      }
    }
  }
}

function isServerEvent(value: unknown): value is ServerEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
}
