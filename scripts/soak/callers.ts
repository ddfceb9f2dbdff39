import http from 'node:http';
import WebSocket from 'ws';
import { audioMessage, decodeServiceMessage, initMessage, plainAudioPayload } from '../call-client/avr-protocol.js';
import type { CallResult, Tally, Transport } from './tally.js';

const FRAME_MS = 20;
const FRAME_BYTES = 320;
/** The caller's pattern, repeated: a 600 ms tone burst (a turn for the simulator's VAD), 1.4 s of silence. */
const CYCLE_FRAMES = 100;
const TONE_FRAMES = 30;
/** How long a caller waits for the service to finish after hanging up. */
const HANG_UP_TIMEOUT_MS = 10_000;

function buildCycle(): Buffer[] {
  const frames: Buffer[] = [];
  for (let f = 0; f < CYCLE_FRAMES; f++) {
    const frame = Buffer.alloc(FRAME_BYTES);
    if (f < TONE_FRAMES) {
      for (let i = 0; i < FRAME_BYTES / 2; i++) {
        const n = f * (FRAME_BYTES / 2) + i;
        frame.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * n) / 8000)), i * 2);
      }
    }
    frames.push(frame);
  }
  return frames;
}

const CYCLE = buildCycle();
/** `{"type":"audio","audio":"` */
const CYCLE_JSON = CYCLE.map(audioMessage);

/** Long digit runs (byte counts, ports, ids) vary from call to call; causes are counted without them. */
function normalise(text: string): string {
  return text.replace(/\d{5,}/g, 'N').slice(0, 100);
}

/** One call in progress, fed 20 ms frames by the fleet's clock. */
abstract class SoakCall {
  readonly startedAt = Date.now();
  framesSent = 0;
  /** When frames start counting (the WebSocket must be open first). */
  clockStart: number | undefined;
  hangingUp = false;
  agentBytes = 0;
  readonly errors: string[] = [];
  readonly done: Promise<CallResult>;
  protected finish!: (failure?: string) => void;

  constructor(
    readonly transport: Transport,
    readonly durationMs: number,
  ) {
    this.done = new Promise<CallResult>((resolve) => {
      let settled = false;
      this.finish = (failure?: string) => {
        if (settled) return;
        settled = true;
        resolve({ transport, failure, errors: this.errors, agentBytes: this.agentBytes, durationMs: Date.now() - this.startedAt });
      };
    });
  }

  /** Sends the frames due by now; hangs up when the call has lasted its duration. */
  tick(now: number): void {
    if (this.hangingUp || this.clockStart === undefined) return;
    const elapsed = now - this.clockStart;
    if (elapsed >= this.durationMs) {
      this.hangingUp = true;
      this.hangUp();
      return;
    }
    const due = Math.floor(elapsed / FRAME_MS) + 1;
    while (this.framesSent < due && !this.hangingUp) this.sendFrame(this.framesSent++ % CYCLE_FRAMES);
  }

  protected abstract sendFrame(index: number): void;
  protected abstract hangUp(): void;
}

class WsSoakCall extends SoakCall {
  private readonly ws: WebSocket;

  constructor(url: string, uuid: string, durationMs: number) {
    super('ws', durationMs);
    this.ws = new WebSocket(`${url}/?from=soak&uuid=${encodeURIComponent(uuid)}`, { perMessageDeflate: false });
    this.ws.on('open', () => {
      this.ws.send(initMessage(uuid));
      this.clockStart = Date.now();
    });
    this.ws.on('message', (data) => {
      const text = data.toString();
      const b64 = plainAudioPayload(text);
      if (b64 !== undefined) {
        this.agentBytes += Buffer.byteLength(b64, 'base64');
        return;
      }
      const decoded = decodeServiceMessage(text);
      if (!decoded.ok) this.errors.push(normalise(decoded.problem));
      else if (decoded.message.type === 'audio') this.agentBytes += decoded.message.audio.length;
      else if (decoded.message.type === 'error') this.errors.push(normalise(decoded.message.message));
    });
    this.ws.on('error', (err: NodeJS.ErrnoException) => {
      if (this.clockStart === undefined) this.finish(`connect error ${err.code ?? err.message}`);
    });
    this.ws.on('close', (code, reason) => {
      if (this.hangingUp && (code === 1000 || code === 1005)) return this.finish();
      const why = reason.length ? ` (${normalise(reason.toString())})` : '';
      this.finish(this.hangingUp ? `close ${code} after the hang-up${why}` : `closed by the service: ${code}${why}`);
    });
  }

  protected sendFrame(index: number): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(CYCLE_JSON[index]);
  }

  protected hangUp(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.close(1000, 'caller hung up');
    const guard = setTimeout(() => {
      this.finish('no close from the service after the hang-up');
      this.ws.terminate();
    }, HANG_UP_TIMEOUT_MS);
    void this.done.then(() => clearTimeout(guard));
  }
}

class HttpSoakCall extends SoakCall {
  private readonly req: http.ClientRequest;
  private status = 0;

  constructor(baseUrl: string, uuid: string, durationMs: number) {
    super('http', durationMs);
    this.req = http.request(new URL('/speech-to-speech-stream', baseUrl), {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'audio/x-raw', 'X-UUID': uuid },
    });
    this.req.on('error', (err: NodeJS.ErrnoException) => this.finish(`request error ${err.code ?? err.message}`));
    this.req.on('response', (res) => {
      this.status = res.statusCode ?? 0;
      let body = '';
      res.on('data', (c: Buffer) => {
        if (this.status === 200) this.agentBytes += c.length;
        else if (body.length < 300) body += c.toString();
      });
      res.on('close', () => {
        if (this.status !== 200) {
          let why = body;
          try {
            const error = (JSON.parse(body) as { error?: unknown }).error;
            if (error !== undefined) why = typeof error === 'string' ? error : JSON.stringify(error);
          } catch {
            // not JSON
          }
          return this.finish(`status ${this.status} (${normalise(why)})`);
        }
        this.finish(this.hangingUp ? undefined : 'response ended before the caller hung up');
      });
    });
    this.req.flushHeaders();
    this.clockStart = Date.now();
  }

  protected sendFrame(index: number): void {
    if (!this.req.writableEnded && !this.req.destroyed) this.req.write(CYCLE[index]);
  }

  protected hangUp(): void {
    if (this.req.destroyed) return;
    this.req.end();
    const guard = setTimeout(() => {
      this.finish('response did not end after the hang-up');
      this.req.destroy();
    }, HANG_UP_TIMEOUT_MS);
    void this.done.then(() => clearTimeout(guard));
  }
}

export interface FleetOptions {
  wsUrl: string;
  httpUrl: string;
  concurrency: number;
  /** Share of calls made over HTTP (0-1). */
  httpShare: number;
  minCallMs: number;
  maxCallMs: number;
}

/**
 * N concurrent callers, each a call of a few seconds of real-time 20 ms frames, then a hang-up;
 * each call that ends is replaced by a new one until the deadline.
 */
export class RollingCallers {
  private readonly live = new Set<SoakCall>();
  private clock: NodeJS.Timeout | undefined;
  private deadline = 0;
  private serial = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly opts: FleetOptions,
    private readonly tally: Tally,
  ) {}

  get active(): { ws: number; http: number } {
    let ws = 0;
    for (const c of this.live) if (c.transport === 'ws') ws++;
    return { ws, http: this.live.size - ws };
  }

  /** Starts the callers; they are replaced as they end until `deadline` (epoch ms). */
  start(deadline: number): void {
    this.deadline = deadline;
    for (let i = 0; i < this.opts.concurrency; i++) {
      // Spread the first calls over a second so they do not all take turns in step.
      setTimeout(() => this.launch(), Math.floor((i * 1000) / this.opts.concurrency));
    }
    this.clock = setInterval(() => {
      const now = Date.now();
      for (const c of this.live) c.tick(now);
    }, 10);
  }

  /** Resolves when the deadline has passed and every call has ended. */
  finished(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idle = resolve;
      this.checkIdle();
    });
  }

  private launch(): void {
    if (Date.now() >= this.deadline) return this.checkIdle();
    const n = ++this.serial;
    const uuid = `soak-${n}`;
    const { minCallMs, maxCallMs } = this.opts;
    const duration = minCallMs + Math.random() * (maxCallMs - minCallMs);
    const useHttp = Math.random() < this.opts.httpShare;
    const call = useHttp ? new HttpSoakCall(this.opts.httpUrl, uuid, duration) : new WsSoakCall(this.opts.wsUrl, uuid, duration);
    this.live.add(call);
    this.tally.callStarted(call.transport);
    void call.done.then((result) => {
      this.live.delete(call);
      this.tally.callEnded(result);
      // A short random pause, as real calls do not arrive in lockstep.
      setTimeout(() => this.launch(), Math.floor(Math.random() * 200));
    });
  }

  private checkIdle(): void {
    if (this.idle && this.live.size === 0 && Date.now() >= this.deadline) {
      clearInterval(this.clock);
      this.idle();
      this.idle = undefined;
    }
  }
}
