import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** How to treat one WebSocket upgrade request. */
export type UpgradeDecision =
  | 'accept'
  /** Never answer the upgrade (a connect timeout for the client). */
  | 'hang'
  /** Answer with a plain HTTP error, as OpenAI does for a bad key or exhausted quota. */
  | { refuseStatus: number; body?: string };

export interface LoopbackWsServerOptions {
  onConnection: (ws: WebSocket, request: IncomingMessage) => void;
  decideUpgrade?: (request: IncomingMessage) => UpgradeDecision;
}

/** How long a graceful close may take before the socket is cut. */
const CLOSE_GRACE_MS = 500;

function refusalBody(status: number): string {
  const message = `${STATUS_CODES[status] ?? 'Error'} (simulated upstream refusal)`;
  return JSON.stringify({ error: { message, type: 'invalid_request_error', code: null, param: null } });
}

/**
 * A WebSocket server on a loopback port that owns every socket it hands out, so `close()` really
 * leaves nothing behind (no lingering sockets, no timers keeping the process alive).
 */
export class LoopbackWsServer {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly hanging = new Set<Duplex>();
  private address: string | undefined;

  constructor(private readonly opts: LoopbackWsServerOptions) {
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket upgrade required\n');
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.wss.on('connection', (ws, req) => this.opts.onConnection(ws, req));
  }

  /** Listens (127.0.0.1 and an ephemeral port by default) and returns the ws:// base URL. */
  async start(opts: { port?: number; host?: string } = {}): Promise<string> {
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(opts.port ?? 0, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    this.address = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.address;
  }

  get url(): string | undefined {
    return this.address;
  }

  get clients(): Set<WebSocket> {
    return this.wss.clients;
  }

  /** Cuts every connection without a closing handshake, as a network failure would. */
  dropAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.hanging) socket.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    const closing = [...this.wss.clients].map((ws) => closeGracefully(ws));
    for (const socket of this.hanging) socket.destroy();
    this.hanging.clear();
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (!this.http.listening) return;
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const decision = this.opts.decideUpgrade?.(req) ?? 'accept';
    socket.on('error', () => socket.destroy());
    if (decision === 'accept') {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
      return;
    }
    if (decision === 'hang') {
      this.hanging.add(socket);
      socket.on('close', () => this.hanging.delete(socket));
      return;
    }
    const status = decision.refuseStatus;
    const body = decision.body ?? refusalBody(status);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
}

function closeGracefully(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    ws.close(1001, 'server shutting down');
  });
}
