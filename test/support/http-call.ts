import http, { type IncomingMessage } from 'node:http';

/** A stand-in for older AVR core: one long POST with a chunked raw-PCM body, reading the raw-PCM response. */
export class AvrHttpCall {
  readonly req: http.ClientRequest;
  readonly response: Promise<IncomingMessage>;
  private readonly chunks: Buffer[] = [];
  readonly finished: Promise<Buffer>;

  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    const url = new URL('/speech-to-speech-stream', baseUrl);
    this.req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'audio/x-raw', ...headers } });
    this.req.on('error', () => undefined);
    this.req.flushHeaders();
    this.response = new Promise((resolve, reject) => {
      this.req.once('response', resolve);
      this.req.once('error', reject);
    });
    this.finished = this.response.then(
      (res) =>
        new Promise<Buffer>((resolve) => {
          res.on('data', (c: Buffer) => this.chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(this.chunks)));
          res.on('close', () => resolve(Buffer.concat(this.chunks)));
        }),
    );
  }

  write(chunk: Buffer): void {
    this.req.write(chunk);
  }

  end(): void {
    this.req.end();
  }

  abort(): void {
    this.req.destroy();
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
