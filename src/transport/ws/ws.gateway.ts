import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { CallService } from '../../call/call.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { LogBudget, ROOT_LOGGER } from '../../logging/index.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { callAuthorised } from '../access.js';
import { metadataFromUrl, targetForLog } from '../call-metadata.js';
import { ResumableCalls } from './resumable-calls.js';
import { WsCallAdapter, type WsAdapterDeps } from './ws-call.adapter.js';
import { WS_CLOSE } from './ws-close-codes.js';

/** After the service's own close, a client that does not complete the close handshake is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * AVR core's WebSocket endpoint on the service's own port. Refusals (auth, limit, drain) happen
 * after the upgrade with a close code, because a WebSocket client reports a close code and
 * reason far better than a failed handshake.
 */
@Injectable()
export class WsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly wss: WebSocketServer;
  private server: Server | undefined;
  private readonly log: Logger;
  private readonly adapterDeps: WsAdapterDeps;
  /** Refusals can be repeated at will by anyone who can connect: logged rate-limited. */
  private readonly refusalLog = new LogBudget();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly calls: CallService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.log = logger.child({ component: 'ws' });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.server.maxMessageBytes, perMessageDeflate: false });
    this.adapterDeps = {
      calls,
      config,
      metrics,
      initTimeoutLog: new LogBudget(),
      resumable: new ResumableCalls(config.server.clientResumeMs),
    };
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  /**
   * Before the HTTP server closes: upgraded sockets are beyond its reach, and one left open
   * would hold its close (and the process) forever. Calls were ended already; whatever is left
   * is told and, if it does not close in turn, cut.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    const open = [...this.wss.clients];
    if (open.length === 0) return;
    const closed = open.map(
      (ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))),
    );
    for (const ws of open) ws.close(WS_CLOSE.goingAway, 'service stopped');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)))]);
    clearTimeout(timer);
    for (const ws of this.wss.clients) ws.terminate();
  }

  onApplicationShutdown(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, socket));
    } catch (err) {
      this.log.error({ err, target: targetForLog(req.url) }, 'internal error during a WebSocket upgrade: connection dropped');
      socket.destroy();
    }
  };

  private onConnection(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    try {
      this.accept(ws, req, socket);
    } catch (err) {
      this.log.error({ err, target: targetForLog(req.url) }, 'internal error accepting a WebSocket connection: connection dropped');
      ws.terminate();
    }
  }

  private accept(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    const log = this.log.child({ remote: req.socket.remoteAddress });
    if (!callAuthorised(req, this.config.server.authToken, true)) {
      this.refuse(log, 'unauthorised', 'missing or wrong token', req);
      ws.close(WS_CLOSE.unauthorised, 'unauthorised');
      return;
    }
    const admission = this.calls.registry.admitPending();
    if (!admission.ok) {
      this.refuse(log, admission.reason, admission.message, req);
      ws.send(JSON.stringify({ type: 'error', message: admission.message, error: { message: admission.message } }));
      ws.close(WS_CLOSE.tryAgainLater, admission.message);
      return;
    }
    new WsCallAdapter(ws, socket, metadataFromUrl(req.url), log, this.adapterDeps);
  }

  /** One refusal: counted always, logged rate-limited with a cut, redacted request target. */
  private refuse(log: Logger, reason: string, message: string, req: IncomingMessage): void {
    this.metrics.connectionsRefused.labels(reason).inc();
    const budget = this.refusalLog.take();
    if (budget) log.warn({ ...budget, target: targetForLog(req.url) }, `WebSocket call refused: ${message}`);
  }
}
