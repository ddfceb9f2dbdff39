import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { LoopbackWsServer } from './loopback-ws-server.js';

/**
 * What the Realtime and the GPT-Live simulators share: a loopback WebSocket server whose every
 * connection is one simulated session, each disposed of (timers stopped) when the server closes.
 */
export abstract class SimulatorServer<Session extends { dispose(): void }> {
  private readonly sessions = new Set<Session>();
  private readonly server = new LoopbackWsServer({ onConnection: (ws, req) => this.accept(ws, req) });

  /** The session for a new connection, or undefined when the connection was refused. */
  protected abstract openSession(ws: WebSocket, req: IncomingMessage): Session | undefined;

  /** Starts listening; resolves with the base ws:// URL. */
  start(opts: { port?: number; host?: string } = {}): Promise<string> {
    return this.server.start(opts);
  }

  get url(): string | undefined {
    return this.server.url;
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.server.clients.size;
  }

  /** Drops every connection abruptly (no close frame), as a network failure would. */
  dropAll(): void {
    this.server.dropAll();
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.dispose();
    await this.server.close();
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const session = this.openSession(ws, req);
    if (!session) return;
    this.sessions.add(session);
    ws.on('close', () => this.sessions.delete(session));
  }
}
