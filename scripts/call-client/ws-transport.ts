import WebSocket from 'ws';
import { within, type CallConnection, type ServiceHandlers } from './connection.js';

/** Close codes of a call that ended normally: 1000 normal, 1001 going away, 1005 no code given. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);

interface ServiceMessage {
  type?: unknown;
  audio?: unknown;
  role?: unknown;
  text?: unknown;
  message?: unknown;
}

/** Opens the call as AVR core does: connect, then {"type":"init","uuid"} before any audio. */
export async function connectWs(url: URL, uuid: string, handlers: ServiceHandlers): Promise<CallConnection> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return new WsCall(ws, uuid, handlers);
}

class WsCall implements CallConnection {
  closeCode?: number;
  closeReason?: string;
  private hangingUp = false;
  private readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    uuid: string,
    private readonly handlers: ServiceHandlers,
  ) {
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    ws.on('error', (err) => handlers.error(`WebSocket error: ${err.message}`));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        if (!CLEAN_CLOSE_CODES.has(code) && !this.hangingUp) {
          handlers.error(`the service closed the connection with code ${code}${this.closeReason ? ` (${this.closeReason})` : ''}`);
        }
        resolve();
      }),
    );
    ws.send(JSON.stringify({ type: 'init', uuid }));
  }

  get ended(): boolean {
    return this.ws.readyState !== WebSocket.OPEN;
  }

  send(frame: Buffer): void {
    this.ws.send(JSON.stringify({ type: 'audio', audio: frame.toString('base64') }));
  }

  async hangUp(timeoutMs: number): Promise<void> {
    // Only a close the caller starts is ours; one the service started keeps its code's meaning.
    if (this.ws.readyState === WebSocket.OPEN) {
      this.hangingUp = true;
      this.ws.close(1000, 'call ended');
    }
    if (!(await within(this.closed, timeoutMs))) {
      this.hangingUp = true;
      this.handlers.error(`the service did not close the WebSocket within ${timeoutMs} ms of the hang-up`);
      this.ws.terminate();
      await this.closed;
    }
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.handlers.error(`received a binary message (${data.length} bytes); the protocol is JSON text`);
    let msg: ServiceMessage;
    try {
      msg = JSON.parse(data.toString()) as ServiceMessage;
    } catch {
      return this.handlers.error(`received a message that is not JSON: ${data.toString().slice(0, 80)}`);
    }
    switch (msg.type) {
      case 'audio':
        if (typeof msg.audio === 'string') this.handlers.audio(Buffer.from(msg.audio, 'base64'));
        else this.handlers.error('received an audio message without base64 "audio"');
        return;
      case 'transcript':
        return this.handlers.transcript(String(msg.role ?? '?'), String(msg.text ?? ''));
      case 'interruption':
        return this.handlers.interruption();
      case 'error':
        return this.handlers.error(`service: ${String(msg.message ?? JSON.stringify(msg))}`);
      default:
      // Other message types may come with newer services; a caller ignores them.
    }
  }
}
