import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRecord {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A status to answer with, or 'hold' to keep the request open until release(). */
export type Answer = number | 'hold';

/**
 * A call-summary receiver on 127.0.0.1: answers requests with the scripted answers in order, then
 * with the default one, and counts how many requests it has open at once.
 */
export class RecordReceiver {
  readonly received: ReceivedRecord[] = [];
  /** Most requests open (received, not yet answered) at the same moment over the receiver's life. */
  maxOpen = 0;
  open = 0;
  private script: Answer[] = [];
  private fallback: Answer = 200;
  private readonly held: http.ServerResponse[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/records?key=query-secret`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  answer(script: Answer[], fallback: Answer = 200): void {
    this.script = [...script];
    this.fallback = fallback;
  }

  /** Answers the held requests (oldest first) with `status`; all of them unless a count is given. */
  release(status = 200, count = this.held.length): void {
    for (const res of this.held.splice(0, count)) if (!res.destroyed) res.writeHead(status).end();
  }

  uuids(): string[] {
    return this.received.map((r) => String(r.headers['x-avr-uuid']));
  }

  reset(): void {
    this.release();
    this.received.length = 0;
    this.maxOpen = 0;
    this.answer([]);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    // Counted open until answered or hung up, whichever first: the client may send its next
    // request before this response's 'close' event.
    let counted = true;
    const done = (): void => {
      if (counted) this.open--;
      counted = false;
    };
    res.on('close', done);
    res.on('finish', done);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = this.script.shift() ?? this.fallback;
      if (answer === 'hold') this.held.push(res);
      else res.writeHead(answer, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  }
}
