import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CallSession } from '../../call/call-session.js';
import type { CallEnd, CallSink } from '../../call/call-sink.js';

/**
 * One legacy AVR core call over `POST /speech-to-speech-stream`: the request body is raw caller
 * PCM as it arrives, the response body is raw agent PCM. The response starts as soon as the
 * upstream session is configured, so an upstream refusal can still be answered with 502.
 */
export class HttpCallAdapter implements CallSink {
  private session: CallSession | undefined;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly log: Logger,
    private readonly endGraceMs: number,
  ) {}

  attach(session: CallSession): void {
    this.session = session;
    this.req.on('data', (chunk: Buffer) => session.pushCallerAudio(chunk));
    this.req.on('end', () => {
      if (!session.isEnded) session.finishAfterAgent(this.endGraceMs);
    });
    // The client went away (abort, network): no one hears the agent any more.
    this.res.on('close', () => {
      if (!session.isEnded) session.hangUp();
    });
  }

  ready(): void {
    this.startResponse();
  }

  audio(frame: Buffer): void {
    this.startResponse();
    if (!this.res.writableEnded) this.res.write(frame);
  }

  transcript(role: 'user' | 'agent', text: string): void {
    // No side channel on this transport: transcripts go to the log.
    this.log.info({ uuid: this.session?.uuid, role, text }, 'transcript');
  }

  interruption(): void {
    // Nothing to send: the session has already dropped the agent audio not yet written.
  }

  error(message: string): void {
    this.log.warn({ uuid: this.session?.uuid }, `call error (not sent: no side channel on HTTP): ${message}`);
  }

  end(end: CallEnd): void {
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
    // Stop reading the caller: nothing consumes the body any more.
    this.req.removeAllListeners('data');
    this.req.resume();
  }

  get bufferedBytes(): number {
    return this.res.writableLength;
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
