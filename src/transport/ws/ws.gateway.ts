import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { CallService } from '../../call/call.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { ROOT_LOGGER } from '../../logging/index.js';
import { callAuthorised } from '../access.js';
import { metadataFromUrl } from '../call-metadata.js';
import { WsCallAdapter } from './ws-call.adapter.js';
import { WS_CLOSE } from './ws-close-codes.js';

/**
 * AVR core's WebSocket endpoint on the service's own port. Refusals (auth, limit, drain) happen
 * after the upgrade with a close code, because a WebSocket client reports a close code and
 * reason far better than a failed handshake.
 */
@Injectable()
export class WsGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly wss: WebSocketServer;
  private server: Server | undefined;
  private readonly log: Logger;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly calls: CallService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'ws' });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.server.maxMessageBytes, perMessageDeflate: false });
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, socket));
  };

  private onConnection(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    const metadata = metadataFromUrl(req.url);
    const log = this.log.child({ remote: req.socket.remoteAddress });
    if (!callAuthorised(req, this.config.server.authToken, true)) {
      log.warn({ metadata }, 'WebSocket call refused: missing or wrong token');
      ws.close(WS_CLOSE.unauthorised, 'unauthorised');
      return;
    }
    const admission = this.calls.admit();
    if (!admission.ok) {
      log.warn({ reason: admission.reason }, `WebSocket call refused: ${admission.message}`);
      ws.send(JSON.stringify({ type: 'error', message: admission.message }));
      ws.close(WS_CLOSE.tryAgainLater, admission.message);
      return;
    }
    new WsCallAdapter(ws, socket, this.calls, metadata, log);
  }
}
