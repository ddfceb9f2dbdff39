import WebSocket from 'ws';
import { audioMessage, initMessage } from '../../scripts/call-client/avr-protocol.js';

export interface AvrMessage {
  type: string;
  audio?: string;
  role?: string;
  text?: string;
  message?: string;
}

/** A stand-in for AVR core's WebSocket side: sends its messages, records everything it gets. */
export class AvrWsClient {
  readonly messages: AvrMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as AvrMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<AvrWsClient> {
    const ws = new WebSocket(url, { headers });
    const client = new AvrWsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(msg: object): void {
    this.ws.send(JSON.stringify(msg));
  }

  init(uuid: string, extra: object = {}): void {
    this.ws.send(initMessage(uuid, extra));
  }

  sendAudio(pcm: Buffer): void {
    this.ws.send(audioMessage(pcm));
  }

  /** All agent audio received, concatenated, and the individual frame sizes. */
  agentAudio(): { bytes: Buffer; frameSizes: number[] } {
    const frames = this.messages.filter((m) => m.type === 'audio').map((m) => Buffer.from(m.audio!, 'base64'));
    return { bytes: Buffer.concat(frames), frameSizes: frames.map((f) => f.length) };
  }

  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  /** Waits until the predicate holds over what was received (or the socket closes). */
  async until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.summary())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitFor(type: string, timeoutMs = 5000): Promise<AvrMessage> {
    return this.until(() => this.messages.some((m) => m.type === type), timeoutMs, `a ${type} message`).then(() =>
      this.messages.find((m) => m.type === type)!,
    );
  }

  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.messages) out[m.type] = (out[m.type] ?? 0) + 1;
    return out;
  }

  close(): void {
    this.ws.close(1000);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A 20 ms frame (160 samples, 320 bytes) of a sine at the given frequency and 8 kHz. */
export function sineFrame(freq = 440, amplitude = 8000, startSample = 0, samples = 160): Buffer {
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    buf.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freq * (startSample + i)) / 8000)), i * 2);
  return buf;
}
