import http from 'node:http';
import https from 'node:https';
import { within, type CallConnection, type ServiceHandlers } from './connection.js';

/**
 * Opens the call as AVR core's HTTP client does: one POST whose chunked body is the caller's
 * raw PCM, streamed as it is spoken, while the response body streams the agent's raw PCM back.
 */
export async function connectHttp(url: URL, uuid: string, token: string | undefined, handlers: ServiceHandlers): Promise<CallConnection> {
  const headers: Record<string, string> = { 'Content-Type': 'audio/x-raw', 'X-UUID': uuid };
  if (token) headers.Authorization = `Bearer ${token}`;
  // A socket of its own (no agent): the request lasts the whole call.
  const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent: false });
  await new Promise<void>((resolve, reject) => {
    req.once('error', reject);
    req.once('socket', (socket) => socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', resolve));
  });
  return new HttpCall(req, handlers);
}

class HttpCall implements CallConnection {
  httpStatus?: number;
  private responseOver = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly req: http.ClientRequest,
    private readonly handlers: ServiceHandlers,
  ) {
    req.on('error', (err) => {
      // Writes failing after the service ended its response are the call ending, not a fault.
      if (!this.responseOver) handlers.error(`HTTP request failed: ${err.message}`);
      this.responseOver = true;
    });
    req.flushHeaders();
    this.finished = new Promise((resolve) => {
      req.once('close', resolve);
      req.once('response', (res) => this.receive(res, resolve));
    });
  }

  get ended(): boolean {
    return this.responseOver;
  }

  send(frame: Buffer): void {
    this.req.write(frame);
  }

  async hangUp(timeoutMs: number): Promise<void> {
    if (!this.responseOver) this.req.end();
    if (!(await within(this.finished, timeoutMs))) {
      const what = this.httpStatus === undefined ? 'did not answer' : 'did not end its response';
      this.handlers.error(`the service ${what} within ${timeoutMs} ms of the end of the request`);
    }
    this.req.destroy();
  }

  private receive(res: http.IncomingMessage, done: () => void): void {
    this.httpStatus = res.statusCode;
    const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
    const errorBody: Buffer[] = [];
    res.on('data', (chunk: Buffer) => (ok ? this.handlers.audio(chunk) : errorBody.push(chunk)));
    res.on('end', () => {
      if (!ok) {
        const body = Buffer.concat(errorBody).toString().slice(0, 200);
        this.handlers.error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}${body ? `: ${body}` : ''}`.trim());
      }
      this.responseOver = true;
      done();
    });
    res.on('error', (err) => {
      if (!this.responseOver) this.handlers.error(`HTTP response failed: ${err.message}`);
      this.responseOver = true;
      done();
    });
  }
}
