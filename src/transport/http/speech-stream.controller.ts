import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CallService } from '../../call/call.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { ROOT_LOGGER } from '../../logging/index.js';
import { callAuthorised } from '../access.js';
import { metadataFromUrl } from '../call-metadata.js';
import { HttpCallAdapter } from './http-call.adapter.js';

const RETRY_AFTER_SECONDS = '5';

/** Older AVR core's transport: one long POST, raw audio both ways, on the same call engine. */
@Controller()
export class SpeechStreamController {
  private readonly log: Logger;

  constructor(
    private readonly calls: CallService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'http' });
  }

  @Post('speech-to-speech-stream')
  stream(@Req() req: Request, @Res() res: Response): void {
    if (!callAuthorised(req, this.config.server.authToken, false)) {
      this.log.warn('HTTP call refused: missing or wrong bearer token');
      res.status(401).setHeader('Connection', 'close').json({ error: 'unauthorised' });
      req.resume();
      return;
    }
    const uuid = headerValue(req, 'x-uuid') ?? headerValue(req, 'x-avr-uuid') ?? randomUUID();
    const metadata = metadataFromUrl(req.url);
    const admission = this.calls.admit();
    if (!admission.ok) {
      this.log.warn({ uuid, reason: admission.reason }, `HTTP call refused: ${admission.message}`);
      this.calls.recordRefusal({ uuid, transport: 'http', metadata }, admission.message);
      res.status(503).setHeader('Retry-After', RETRY_AFTER_SECONDS).setHeader('Connection', 'close').json({ error: admission.message });
      req.resume();
      return;
    }
    const adapter = new HttpCallAdapter(req, res, this.log, this.config.audio.httpEndGraceMs);
    const session = this.calls.open({ uuid, transport: 'http', metadata }, adapter);
    adapter.attach(session);
  }
}

function headerValue(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() && s.length <= 256 ? s.trim() : undefined;
}
