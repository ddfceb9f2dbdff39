import http from 'node:http';
import https from 'node:https';
import { describeRequestError } from '../http-client/get-json-capped.js';

export interface PostOptions {
  headers: Record<string, string>;
  /** Covers connect, sending and the answer's status line. */
  timeoutMs: number;
  /** Aborting it ends the attempt at once (shutdown, a flush deadline). */
  signal: AbortSignal;
}

/** How one POST ended: the receiver's status, or why there was none. */
export type PostResult = { status: number } | { failure: string };

/**
 * POSTs a JSON body once and settles as soon as the status is known; never rejects, never holds a
 * socket past timeoutMs. The answer's body is read and thrown away: receivers reply with anything.
 * node:http rather than fetch for the same reasons as getJsonCapped (socket error codes, and a
 * URL's user:password sent as Basic auth).
 */
export function postJson(url: URL, body: string, options: PostOptions): Promise<PostResult> {
  const { headers, timeoutMs, signal } = options;
  return new Promise<PostResult>((resolve) => {
    const request = new AbortController();
    let settled = false;
    const settle = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const release = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    // Destroys the socket: a receiver that never answers (or never ends its answer's body) stops
    // costing anything. After the status is known this only ends the body, the result stands.
    const fail = (failure: string): void => {
      settle({ failure });
      release();
      request.abort();
    };
    const onAbort = (): void => fail('aborted');
    const timer = setTimeout(() => fail(`timeout after ${timeoutMs} ms`), timeoutMs);
    if (signal.aborted) return fail('aborted');
    signal.addEventListener('abort', onAbort);

    try {
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          signal: request.signal,
        },
        (res) => {
          settle({ status: res.statusCode ?? 0 });
          res.on('error', () => undefined);
          res.on('close', release);
          res.resume();
        },
      );
      req.on('error', (err) => fail(describeRequestError(err)));
      req.end(body);
    } catch (err) {
      // e.g. a header value with characters HTTP does not allow
      fail(describeRequestError(err));
    }
  });
}
