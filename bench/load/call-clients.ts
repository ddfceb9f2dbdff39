import WebSocket from 'ws';
import { decodeServiceMessage, FRAME_BYTES, frameSendTimeMs, initMessage, plainAudioPayload } from '../../scripts/call-client/index.js';
import { nowMs } from './now.js';

/** Time between a call's connect and its first audio frame. */
const FIRST_FRAME_AFTER_MS = 100;

/** One simulated AVR core call: what it sent and what came back. */
export class BenchCall {
  ws: WebSocket | undefined;
  open = false;
  /** The service closed first (before our hang-up). */
  closedByService = false;
  closeCode: number | undefined;
  closeReason = '';
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  connectedAt = NaN;
  nextFrame = 0;
  framesSent = 0;
  /** Frames due while the socket was not open yet (not sent). */
  framesSkipped = 0;
  /** Arrival of each agent audio frame (nowMs), in order. */
  readonly frameTimes: number[] = [];
  malformedFrames = 0;
  interruptions = 0;
  transcripts = 0;
  readonly errors: string[] = [];

  constructor(
    readonly uuid: string,
    /** Start of this call after the clock's start, ms (the stagger). */
    readonly offsetMs: number,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** When frame f is due, ms after the clock's start. */
  dueMs(frame: number): number {
    return this.offsetMs + FIRST_FRAME_AFTER_MS + frameSendTimeMs(frame);
  }

  connect(url: string): void {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.open = true;
      this.connectedAt = nowMs();
      ws.send(initMessage(this.uuid));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('error', (err) => this.errors.push(`WebSocket error: ${err.message}`));
    ws.on('close', (code, reason) => {
      if (this.open && this.closeCode === undefined) this.closedByService = true;
      this.open = false;
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.resolveClosed();
    });
  }

  send(message: string): void {
    if (!this.open) {
      this.framesSkipped++;
      return;
    }
    this.ws!.send(message);
    this.framesSent++;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const at = nowMs();
    const text = isBinary ? '' : data.toString();
    // The hot path: the service's usual audio shape, checked without parsing JSON.
    const b64 = isBinary ? undefined : plainAudioPayload(text);
    if (b64 !== undefined) {
      this.frameTimes.push(at);
      if (Buffer.byteLength(b64, 'base64') !== FRAME_BYTES || b64.length % 4 !== 0) this.malformedFrames++;
      return;
    }
    const decoded = decodeServiceMessage(isBinary ? data : text, isBinary);
    if (!decoded.ok) {
      if (decoded.type === 'audio') {
        this.frameTimes.push(at);
        this.malformedFrames++;
      } else this.errors.push(decoded.problem);
      return;
    }
    const msg = decoded.message;
    if (msg.type === 'audio') {
      // Audio in another JSON shape than the service's usual one.
      this.frameTimes.push(at);
      if (msg.audio.length !== FRAME_BYTES) this.malformedFrames++;
    } else if (msg.type === 'interruption') this.interruptions++;
    else if (msg.type === 'transcript') this.transcripts++;
    else if (msg.type === 'error') this.errors.push(`service: ${msg.message}`);
  }

  /** Hangs up (close 1000) and waits for the close, at most timeoutMs. */
  async hangUp(timeoutMs: number): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      if (this.closeCode === undefined && this.open) this.closeCode = -1; // ours: not the service's close
      ws.close(1000, 'bench over');
    }
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }
}

export interface ClockStats {
  /** How late frames went out against their due time, ms: every send counted. */
  lateness: number[];
  wakeups: number;
}

/**
 * Drives every call on ONE steady clock: a single timer loop wakes at the next due time of any
 * call and sends every frame that is due, each due time computed from the common start (never
 * chained), so timer lateness does not accumulate. A call connects at its stagger offset.
 */
export class SharedClock {
  readonly stats: ClockStats = { lateness: [], wakeups: 0 };
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly connected = new Set<BenchCall>();

  constructor(
    private readonly calls: BenchCall[],
    private readonly url: string,
    /** The message for frame f of a call (speech/silence cycle, or silence while draining). */
    private readonly messageFor: (frame: number) => string,
  ) {}

  start(): number {
    this.t0 = nowMs();
    this.running = true;
    this.tick();
    return this.t0;
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private readonly tick = (): void => {
    if (!this.running) return;
    this.stats.wakeups++;
    const now = nowMs() - this.t0;
    let next = Infinity;
    for (const call of this.calls) {
      if (!this.connected.has(call)) {
        if (call.offsetMs <= now) {
          this.connected.add(call);
          call.connect(this.url);
        } else {
          next = Math.min(next, call.offsetMs);
          continue;
        }
      }
      let due = call.dueMs(call.nextFrame);
      while (due <= now) {
        call.send(this.messageFor(call.nextFrame));
        this.stats.lateness.push(now - due);
        call.nextFrame++;
        due = call.dueMs(call.nextFrame);
      }
      if (due < next) next = due;
    }
    const wait = next - (nowMs() - this.t0);
    this.timer = setTimeout(this.tick, Math.max(0, wait));
  };
}
