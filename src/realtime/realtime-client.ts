import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { normaliseEventType, type ServerEvent } from './realtime-events.js';
import type { UpstreamTarget } from './upstream-target.js';
import { failureFromHttpStatus, failureFromSocketError, UpstreamFailure } from './upstream-failure.js';

export interface RealtimeClientHandlers {
  onEvent(event: ServerEvent): void;
  /** Called once when an open connection is lost (not after close() was called by us). */
  onLost(failure: UpstreamFailure): void;
}

const MAX_UPSTREAM_MESSAGE = 64 * 1024 * 1024;

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
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;
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
  ) {}

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
      const timer = setTimeout(() => fail(new UpstreamFailure('timeout', `upstream did not answer within ${this.connectTimeoutMs} ms`, { retryable: true })), this.connectTimeoutMs);
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
          fail(new UpstreamFailure('closed', `upstream closed during connect (${code} ${reason.toString()})`.trim(), { status: code, retryable: true }));
          return;
        }
        this.reportLost(new UpstreamFailure('closed', `upstream closed the connection (${code}${reason.length ? ` ${reason.toString()}` : ''})`, { status: code, retryable: true }));
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

  /** Appends caller audio (already in the session's input format), without a JSON encoder pass. */
  appendAudio(audio: Uint8Array): boolean {
    const b64 = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
    return this.sendRaw(`{"type":"input_audio_buffer.append","audio":"${b64}"}`);
  }

  close(): void {
    this.closedByUs = true;
    clearInterval(this.heartbeat);
    const ws = this.ws;
    if (!ws) return;
    ws.removeAllListeners('message');
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(1000, 'call ended');
      // A peer that never completes the closing handshake must not hold the socket.
      const timer = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => clearTimeout(timer));
    } else {
      ws.terminate();
    }
  }

  private startHeartbeat(ws: WebSocket): void {
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('close', () => clearInterval(this.heartbeat));
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        clearInterval(this.heartbeat);
        this.reportLost(new UpstreamFailure('timeout', `upstream did not answer a ping within ${this.heartbeatMs} ms`, { retryable: true }));
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, this.heartbeatMs);
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
    event.type = normaliseEventType(event.type);
    return event;
  }

  get malformedEvents(): number {
    return this.malformed;
  }
}

function isServerEvent(value: unknown): value is ServerEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
}
