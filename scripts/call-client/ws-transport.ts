import WebSocket from 'ws';
import { audioMessage, CLEAN_CLOSE_CODES, decodeServiceMessage, initMessage } from './avr-protocol.js';
import { within, type CallConnection, type ServiceHandlers } from './connection.js';

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
    ws.send(initMessage(uuid));
  }

  get ended(): boolean {
    return this.ws.readyState !== WebSocket.OPEN;
  }

  send(frame: Buffer): void {
    this.ws.send(audioMessage(frame));
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
    const decoded = decodeServiceMessage(data, isBinary);
    if (!decoded.ok) return this.handlers.error(decoded.problem);
    const msg = decoded.message;
    switch (msg.type) {
      case 'audio':
        return this.handlers.audio(msg.audio);
      case 'transcript':
        return this.handlers.transcript(msg.role, msg.text);
      case 'interruption':
        return this.handlers.interruption();
      case 'error':
        return this.handlers.error(`service: ${msg.message}`);
      default:
      // Other message types may come with newer services; a caller ignores them.
    }
  }
}
