import { boundedUntrusted, isSecretKey } from '../logging/redaction.js';

const MAX_KEYS = 64;
const MAX_VALUE_CHARS = 1024;
/** What a log line shows of a request target it refuses: enough to recognise, never a whole 15 KB query. */
const TARGET_LOG_CHARS = 160;

/**
 * Query parameters split by hand, never by `new URL()`: a request target is whatever the client
 * sent (`//[`, `//:99999/`, `//%zz`, `//@` make the URL parser throw).
 */
function queryParts(rawUrl: string | undefined): string[] {
  const target = typeof rawUrl === 'string' ? rawUrl : '';
  const at = target.indexOf('?');
  if (at < 0) return [];
  const hash = target.indexOf('#', at);
  return target.slice(at + 1, hash < 0 ? undefined : hash).split('&');
}

/** One query parameter's first value, decoded leniently; undefined when absent. Never throws. */
export function queryParam(rawUrl: string | undefined, name: string): string | undefined {
  for (const part of queryParts(rawUrl)) {
    const eq = part.indexOf('=');
    if (decodeLenient(eq < 0 ? part : part.slice(0, eq)) === name) return decodeLenient(eq < 0 ? '' : part.slice(eq + 1));
  }
  return undefined;
}

/** The request target for a log line: path and query keys, secret-looking values hidden, cut short. */
export function targetForLog(rawUrl: string | undefined): string {
  const target = typeof rawUrl === 'string' ? rawUrl : '';
  const at = target.indexOf('?');
  const path = at < 0 ? target : target.slice(0, at);
  const query = queryParts(target)
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      return isSecretKey(decodeLenient(key)) ? `${key}=<redacted>` : part;
    })
    .join('&');
  const shown = at < 0 ? path : `${path}?${query}`;
  const safe = shown.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > TARGET_LOG_CHARS ? `${safe.slice(0, TARGET_LOG_CHARS)}... (${target.length} chars)` : safe;
}

/**
 * Extra `init` fields as call metadata: untrusted JSON of any shape, copied bounded (depth,
 * width, size), with secret-looking keys (`provider_config.api_key`, nested) and `__proto__`
 * own keys dropped, so no log line, tool or call record ever sees them.
 */
export function metadataFromInit(extra: Record<string, unknown>): Record<string, unknown> {
  return boundedUntrusted(extra);
}

/**
 * Query parameters of the call request as metadata: untrusted strings, bounded in count and
 * size, credentials removed. Malformed percent-encodings are kept as sent rather than rejected.
 */
export function metadataFromUrl(rawUrl: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  for (const part of queryParts(rawUrl)) {
    if (!part || count >= MAX_KEYS) continue;
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq));
    if (!key || isSecretKey(key) || key === '__proto__') continue;
    out[key] = decodeLenient(eq < 0 ? '' : part.slice(eq + 1)).slice(0, MAX_VALUE_CHARS);
    count++;
  }
  return out;
}

function decodeLenient(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
