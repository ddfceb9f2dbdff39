import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { callerAudioBudget } from '../rate-budget.js';

/** Agent audio written ahead of what the caller has heard, at most. */
const LEAD_MS = 200;
/** One write carries at most this much (one upstream delta is usually 100 ms). */
const CHUNK_MS = 100;
const BYTES_PER_MS = 16;
const CHUNK_BYTES = CHUNK_MS * BYTES_PER_MS;

/**
 * One legacy AVR core call over `POST /speech-to-speech-stream`: the request body is raw caller
 * PCM as it arrives, the response body is raw agent PCM. The response starts as soon as the
 * upstream session is configured, so an upstream refusal can still be answered with 502.
 */
export class HttpCallAdapter implements CallSink {
  private session: CallSession | undefined;
  private readonly audioBudget = callerAudioBudget();
  private droppedAudioBytes = 0;
  /** Agent audio not yet written, in write-sized chunks. */
  private readonly chunks: Array<{ frames: Buffer[]; bytes: number }> = [];
  private queuedBytes = 0;
  private collecting = false;
  /** When the client will have played everything written so far (it plays in real time). */
  private playoutEndsAt = 0;
  private pacer: NodeJS.Timeout | undefined;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly log: Logger,
    private readonly endGraceMs: number,
    private readonly metrics: MetricsService,
    /** Told when the call ends in failure, so a comeback of its uuid is held. */
    private readonly onFailed: (uuid: string) => void = () => undefined,
  ) {}

  attach(session: CallSession): void {
    this.session = session;
    this.req.on('data', (chunk: Buffer) => this.guard('caller audio', () => this.callerAudio(session, chunk)));
    this.req.on('end', () =>
      this.guard('the end of the request body', () => {
        if (!session.isEnded) session.finishAfterAgent(this.endGraceMs);
      }),
    );
    // A broken body (bad chunked framing, reset) ends this call; it never reaches the process.
    this.req.on('error', (err: Error) => this.log.debug({ uuid: session.uuid, err: err.message }, 'HTTP request stream error'));
    this.res.on('error', (err: Error) => this.log.debug({ uuid: session.uuid, err: err.message }, 'HTTP response stream error'));
    // The client went away (abort, network): no one hears the agent any more.
    this.res.on('close', () =>
      this.guard('the connection close', () => {
        if (!session.isEnded) session.callerLeft();
      }),
    );
  }

  /** Caller audio beyond real time plus a margin is dropped (whole samples) and counted, logged once. */
  private callerAudio(session: CallSession, chunk: Buffer): void {
    const granted = this.audioBudget.takeUpTo(chunk.length, 2);
    if (granted < chunk.length) {
      if (this.droppedAudioBytes === 0)
        this.log.warn({ uuid: session.uuid }, 'caller audio faster than real time: dropping what is beyond it');
      this.droppedAudioBytes += chunk.length - granted;
      this.metrics.callerAudioDropped.labels('http').inc(chunk.length - granted);
    }
    if (granted > 0) session.pushCallerAudio(granted === chunk.length ? chunk : chunk.subarray(0, granted));
  }

  /** A fault while handling one event of this request ends this call only, with a log line. */
  private guard(what: string, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.log.error({ err, uuid: this.session?.uuid }, `internal error while handling ${what}: ending this call`);
      try {
        if (this.session && !this.session.isEnded) this.session.end({ outcome: 'error', reason: `internal error while handling ${what}` });
        else this.res.destroy();
      } catch {
        this.res.destroy();
      }
    }
  }

  ready(): void {
    this.startResponse();
  }

  audio(frame: Buffer): void {
    this.startResponse();
    if (this.res.writableEnded) return;
    // Frames handed over in one tick come from one upstream delta: they become one chunk (cut at
    // CHUNK_MS), written in one write, when its turn comes.
    const last = this.chunks.at(-1);
    if (this.collecting && last && last.bytes < CHUNK_BYTES) {
      last.frames.push(frame);
      last.bytes += frame.length;
    } else {
      this.chunks.push({ frames: [frame], bytes: frame.length });
    }
    this.queuedBytes += frame.length;
    if (!this.collecting) {
      this.collecting = true;
      queueMicrotask(this.endCollecting);
    }
  }

  private readonly endCollecting = (): void => {
    this.collecting = false;
    this.guard('agent audio', () => this.writeDue());
  };

  /**
   * Writes the chunks whose turn has come: AVR core plays what it gets in real time and there is
   * no side channel to take audio back, so at most LEAD_MS is ever written ahead of what the
   * caller has heard (a barge-in then stops the agent within the lead, not seconds later).
   */
  private writeDue(): void {
    clearTimeout(this.pacer);
    this.pacer = undefined;
    if (this.res.writableEnded) return;
    const now = Date.now();
    if (this.playoutEndsAt < now) this.playoutEndsAt = now;
    while (this.chunks.length > 0) {
      const next = this.chunks[0];
      const aheadMs = this.playoutEndsAt - now;
      if (aheadMs > 0 && aheadMs + next.bytes / BYTES_PER_MS > LEAD_MS) break;
      this.chunks.shift();
      this.queuedBytes -= next.bytes;
      this.playoutEndsAt += next.bytes / BYTES_PER_MS;
      this.res.write(next.frames.length === 1 ? next.frames[0] : Buffer.concat(next.frames, next.bytes));
    }
    if (this.chunks.length === 0) return;
    const waitMs = this.playoutEndsAt - now - (LEAD_MS - this.chunks[0].bytes / BYTES_PER_MS);
    this.pacer = setTimeout(() => this.guard('paced agent audio', () => this.writeDue()), Math.max(1, Math.ceil(waitMs)));
  }

  /** Everything still queued, at once: the call is over, whatever was to be heard is sent. */
  private writeAllQueued(): void {
    clearTimeout(this.pacer);
    this.pacer = undefined;
    for (const chunk of this.chunks.splice(0))
      if (!this.res.writableEnded && !this.res.destroyed) this.res.write(Buffer.concat(chunk.frames, chunk.bytes));
    this.queuedBytes = 0;
  }

  transcript(role: 'user' | 'agent', text: string): void {
    // No side channel on this transport: transcripts go to the log.
    this.log.info({ uuid: this.session?.uuid, role, text }, 'transcript');
  }

  interruption(): void {
    // No side channel: what is written plays to its end. What is not written yet is dropped, and
    // pacing kept that to the lead.
    clearTimeout(this.pacer);
    this.pacer = undefined;
    this.chunks.length = 0;
    this.queuedBytes = 0;
  }

  error(message: string): void {
    this.log.warn({ uuid: this.session?.uuid }, `call error (not sent: no side channel on HTTP): ${message}`);
  }

  end(end: CallEnd): void {
    if ((end.outcome === 'upstream_failed' || end.outcome === 'error') && this.session) this.onFailed(this.session.uuid);
    this.writeAllQueued();
    if (!this.res.headersSent) {
      this.res.setHeader('Connection', 'close');
      const status = end.outcome === 'upstream_failed' ? 502 : end.outcome === 'drained' ? 503 : 500;
      if (end.outcome === 'caller_hung_up') {
        this.res.status(200).end();
      } else {
        this.res.status(status).json({ error: end.clientMessage ?? end.reason, outcome: end.outcome });
      }
    } else if (!this.res.writableEnded) {
      this.res.end();
    }
    if (this.droppedAudioBytes > 0)
      this.log.info(
        { uuid: this.session?.uuid, droppedAudioBytes: this.droppedAudioBytes },
        'caller audio dropped over the call for its rate',
      );
    // Stop reading the caller: nothing consumes the body any more.
    this.req.removeAllListeners('data');
    this.req.resume();
  }

  /** Written and not yet taken by the client, plus what waits for its turn. */
  get bufferedBytes(): number {
    return this.res.writableLength + this.queuedBytes;
  }

  private startResponse(): void {
    if (this.res.headersSent) return;
    // Historical services label the raw PCM stream text/event-stream and AVR core expects that;
    // the body is raw 8 kHz 16-bit PCM, not SSE.
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream');
    this.res.setHeader('Cache-Control', 'no-cache');
    this.res.setHeader('X-Accel-Buffering', 'no');
    // One call per connection: when the call ends the socket goes too, even if the body still flows.
    this.res.setHeader('Connection', 'close');
    this.res.flushHeaders();
  }
}
