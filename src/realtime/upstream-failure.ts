/** Why an upstream connection could not be opened or was lost, in terms the call logic acts on. */
export interface UpstreamFailure {
  kind: 'refused' | 'dns' | 'http' | 'timeout' | 'closed' | 'network' | 'error_event';
  /** HTTP status of a refused upgrade, or WebSocket close code. */
  status?: number;
  /** OpenAI error code, when the server said one. */
  code?: string;
  message: string;
  /** Whether a new connection could help (not for a bad key, no quota, a policy refusal). */
  retryable: boolean;
}

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
  return { kind: 'http', status, code, message: `upstream refused the connection: HTTP ${status} (${meaning})`, retryable };
}

export function failureFromSocketError(err: NodeJS.ErrnoException): UpstreamFailure {
  if (err.code === 'ECONNREFUSED') return { kind: 'refused', message: 'upstream connection refused', retryable: true };
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    // Cluster DNS answers NXDOMAIN for a moment while it restarts: worth the bounded retries.
    return { kind: 'dns', message: `upstream host not found (${err.code})`, retryable: true };
  }
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return { kind: 'network', message: 'upstream connection reset', retryable: true };
  const tls = typeof err.code === 'string' && (err.code.startsWith('ERR_TLS') || err.code.includes('CERT'));
  return { kind: 'network', message: `upstream ${tls ? 'TLS ' : ''}error: ${err.code ?? err.message}`, retryable: !tls };
}

function extractErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}
