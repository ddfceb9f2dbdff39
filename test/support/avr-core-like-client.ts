import WebSocket from 'ws';
import { audioMessage, decodeServiceMessage, initMessage } from '../../scripts/call-client/avr-protocol.js';
import { sineFrame } from './avr-client.js';

/**
 * A test client that behaves like AVR core's own STS client (../shared/reference/avr-core-protocol.md):
 * one caller frame every 20 ms for the whole call; on any `error` message it terminates the call
 * (no more frames, socket closed); when the service closes the socket it did not close, the next
 * frame opens a new connection with a new `init` carrying the same uuid.
 */
export class AvrCoreLikeClient {
  framesSent = 0;
  connections = 0;
  terminated = false;
  readonly errors: string[] = [];
  readonly agentFrames: Buffer[] = [];
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    readonly uuid: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 20);
  }

  /** The phone call ends: the client closes as AVR core does at hang-up. */
  hangUp(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.close(1000);
  }

  /** Sends raw text on the current connection (a bad message, for instance). */
  sendRaw(text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private tick(): void {
    if (this.stopped || this.terminated) return;
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return this.reconnect();
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(audioMessage(sineFrame(300, 5000, this.framesSent * 160)));
    this.framesSent++;
  }

  private reconnect(): void {
    this.connections++;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(initMessage(this.uuid)));
    ws.on('message', (data, isBinary) => {
      const decoded = decodeServiceMessage(data as Buffer, isBinary);
      if (!decoded.ok) return void this.errors.push(`the service broke the protocol: ${decoded.problem}`);
      const msg = decoded.message;
      if (msg.type === 'audio' && msg.audio.length > 0) this.agentFrames.push(msg.audio);
      if (msg.type === 'error') {
        // AVR core's handler reads error.message and ends the call: nothing more reaches Asterisk.
        this.errors.push(String(msg.coreMessage));
        this.terminated = true;
        clearInterval(this.timer);
        ws.close();
      }
    });
  }
}
