import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const INSTRUCTIONS_PREFIX = 'bench call ';

/**
 * The instructions web service convention (GET with X-AVR-UUID, answer {"system": ...}): each
 * call's upstream session is told "bench call <uuid>", so the simulator's observer knows whose
 * session an event belongs to.
 */
export class InstructionsServer {
  requests = 0;
  private readonly server = http.createServer((req, res) => {
    this.requests++;
    const uuid = String(req.headers['x-avr-uuid'] ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ system: `${INSTRUCTIONS_PREFIX}${uuid}` }));
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/instructions`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
