import { UpstreamFailure } from './upstream-session.js';
import { boundedErrorCode } from './realtime-errors.js';

export { UpstreamFailure };

/** A refused WebSocket upgrade (the HTTP answer to it), classified. */
export function failureFromHttpStatus(status: number, body: string): UpstreamFailure {
  const code = extractErrorCode(body);
  // 401/403: bad key; 429: quota or rate limit (not healed by an immediate retry storm); 4xx: our request is wrong.
  const retryable = status >= 500 || status === 408;
  const meaning =
    status === 401 || status === 403
      ? 'authentication failed'
      : status === 429
        ? 'rate limit or quota exceeded'
        : status >= 500
          ? 'server error'
          : 'request refused';
  return new UpstreamFailure('http', `upstream refused the connection: HTTP ${status} (${meaning})`, {
    status,
    retryable,
    ...(code ? { code } : {}),
  });
}

export function failureFromSocketError(err: NodeJS.ErrnoException): UpstreamFailure {
  if (err.code === 'ECONNREFUSED') return new UpstreamFailure('refused', 'upstream connection refused', { retryable: true });
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    // Cluster DNS answers NXDOMAIN for a moment while it restarts: worth the bounded retries.
    return new UpstreamFailure('dns', `upstream host not found (${err.code})`, { retryable: true });
  }
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE')
    return new UpstreamFailure('network', 'upstream connection reset', { retryable: true });
  const tls = typeof err.code === 'string' && (err.code.startsWith('ERR_TLS') || err.code.includes('CERT'));
  return new UpstreamFailure('network', `upstream ${tls ? 'TLS ' : ''}error: ${err.code ?? err.message}`, { retryable: !tls });
}

function extractErrorCode(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const error: unknown = (parsed as { error?: unknown }).error;
    if (typeof error !== 'object' || error === null) return undefined;
    const code: unknown = (error as { code?: unknown }).code;
    return typeof code === 'string' ? boundedErrorCode(code) : undefined;
  } catch {
    return undefined;
  }
}
