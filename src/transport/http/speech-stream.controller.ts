import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { CallService } from '../../call/call.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { LogBudget, ROOT_LOGGER } from '../../logging/index.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { callAuthorised } from '../access.js';
import { metadataFromUrl, targetForLog } from '../call-metadata.js';
import { callUuid } from '../call-uuid.js';
import { HttpCallAdapter } from './http-call.adapter.js';

const RETRY_AFTER_SECONDS = '5';

/** Older AVR core's transport: one long POST, raw audio both ways, on the same call engine. */
@Controller()
export class SpeechStreamController {
  private readonly log: Logger;
  /** Refusals can be repeated at will by anyone who can connect: logged rate-limited. */
  private readonly refusalLog = new LogBudget();

  constructor(
    private readonly calls: CallService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.log = logger.child({ component: 'http' });
  }

  @Post('speech-to-speech-stream')
  stream(@Req() req: Request, @Res() res: Response): void {
    try {
      this.accept(req, res);
    } catch (err) {
      // A fault here concerns this request only: it is answered (or cut) and logged.
      this.log.error({ err, target: targetForLog(req.url) }, 'internal error accepting an HTTP call');
      if (!res.headersSent) res.status(500).setHeader('Connection', 'close').json({ error: 'internal error' });
      else res.destroy();
      req.resume();
    }
  }

  private accept(req: Request, res: Response): void {
    if (!callAuthorised(req, this.config.server.authToken, false)) {
      this.metrics.connectionsRefused.labels('unauthorised').inc();
      const budget = this.refusalLog.take();
      if (budget) this.log.warn({ ...budget, target: targetForLog(req.url) }, 'HTTP call refused: missing or wrong bearer token');
      res.status(401).setHeader('Connection', 'close').json({ error: 'unauthorised' });
      req.resume();
      return;
    }
    const settled = callUuid(headerValue(req, 'x-uuid') ?? headerValue(req, 'x-avr-uuid'));
    const uuid = settled.uuid;
    // A missing X-UUID is normal before AVR core 1.5.5: only a uuid that was sent and unusable is warned about.
    if (settled.problem && !/none sent/.test(settled.problem)) this.log.warn({ uuid }, `X-UUID: ${settled.problem}`);
    const heldMs = settled.problem ? 0 : this.calls.registry.failedHoldLeftMs(uuid);
    if (heldMs > 0) return this.hold(req, res, uuid, heldMs);
    const metadata = metadataFromUrl(req.url);
    const admission = this.calls.admit();
    if (!admission.ok) {
      this.metrics.connectionsRefused.labels(admission.reason).inc();
      const budget = this.refusalLog.take();
      if (budget) this.log.warn({ ...budget, uuid, reason: admission.reason }, `HTTP call refused: ${admission.message}`);
      this.calls.recordRefusal({ uuid, transport: 'http', metadata }, admission.message);
      res.status(503).setHeader('Retry-After', RETRY_AFTER_SECONDS).setHeader('Connection', 'close').json({ error: admission.message });
      req.resume();
      return;
    }
    const adapter = new HttpCallAdapter(req, res, this.log, this.config.audio.httpEndGraceMs, this.metrics, (failed) =>
      this.calls.registry.noteFailed(failed),
    );
    const session = this.calls.open({ uuid, transport: 'http', metadata }, adapter);
    adapter.attach(session);
  }

  /**
   * The same phone call (X-UUID) right after its call ended in failure: AVR core would POST again
   * at once, each a new upstream session. Answered 200 with no audio, its body discarded, until
   * the client gives up or the hold runs out; no error body (AVR core reads raw audio only).
   */
  private hold(req: Request, res: Response, uuid: string, heldMs: number): void {
    this.log.warn(
      { uuid, holdMs: heldMs },
      'HTTP call for a call that ended in failure: held without a new upstream session (FAILED_CALL_HOLD_MS)',
    );
    this.metrics.connectionsRefused.labels('failed_call_hold').inc();
    res.status(200).setHeader('Content-Type', 'text/event-stream').setHeader('Connection', 'close');
    res.flushHeaders();
    req.on('error', () => undefined);
    req.resume();
    const timer = setTimeout(() => res.end(), heldMs);
    res.on('close', () => clearTimeout(timer));
    req.on('end', () => {
      clearTimeout(timer);
      res.end();
    });
  }
}

function headerValue(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() ? s : undefined;
}
