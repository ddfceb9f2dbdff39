import http from 'node:http';
import https from 'node:https';

/** Why a GET gave no usable JSON, as one short line fit for a log `reason`. */
export class JsonGetError extends Error {
  override readonly name = 'JsonGetError';

  /** The answer's HTTP status, when one arrived before the failure. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface JsonGetOptions {
  headers: Record<string, string>;
  /** Covers connect, headers and body together. */
  timeoutMs: number;
  /** The body is abandoned as soon as it grows past this. */
  maxBytes: number;
  /** GET unless set; a POST sends `body` (the caller sets its Content-Type). */
  method?: 'GET' | 'POST';
  body?: string;
}

/**
 * GETs `url` and parses the body as JSON. Fails with a JsonGetError (never hangs past timeoutMs,
 * never buffers more than maxBytes). Plain node:http rather than fetch: it gives the socket error
 * codes directly, and sends a URL's user:password as Basic auth where fetch refuses such URLs.
 */
export function getJsonCapped(url: URL, options: JsonGetOptions): Promise<unknown> {
  const { headers, timeoutMs, maxBytes, method = 'GET', body } = options;
  return new Promise<unknown>((resolve, reject) => {
    const abort = new AbortController();
    let settled = false;
    let status: number | undefined;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    // Aborting destroys the socket, so a slow or oversized answer stops costing anything.
    const fail = (reason: string): void =>
      settle(() => {
        abort.abort();
        reject(new JsonGetError(reason, status));
      });
    const timer = setTimeout(() => fail(`timeout after ${timeoutMs} ms`), timeoutMs);

    const onResponse = (res: http.IncomingMessage): void => {
      status = res.statusCode ?? 0;
      if (status < 200 || status > 299) return fail(`HTTP ${status}`);
      const declared = Number(res.headers['content-length']);
      if (declared > maxBytes) return fail(`answer of ${declared} bytes is larger than the limit of ${maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(`answer larger than the limit of ${maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return fail('invalid JSON');
        }
        settle(() => resolve(body));
      });
      res.on('error', (err) => fail(describeRequestError(err)));
      res.on('close', () => {
        if (!res.complete) fail('connection closed before the answer was complete');
      });
    };

    try {
      const client = url.protocol === 'https:' ? https : http;
      const sent = body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
      const req = client.request(url, { method, headers: sent, signal: abort.signal }, onResponse);
      req.on('error', (err) => fail(describeRequestError(err)));
      req.end(body);
    } catch (err) {
      // e.g. a header value with characters HTTP does not allow
      fail(describeRequestError(err));
    }
  });
}

/** Turns a socket/DNS/TLS error into a reason an operator can act on. */
export function describeRequestError(err: unknown): string {
  const { code, message } = (err ?? {}) as NodeJS.ErrnoException;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return `DNS lookup failed (${code})`;
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host unreachable (${code})`;
    case 'ETIMEDOUT':
      return 'connect timed out';
    default:
      return `request failed: ${code ?? message ?? String(err)}`;
  }
}
