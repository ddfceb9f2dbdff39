const MAX_KEYS = 64;
const MAX_VALUE_CHARS = 1024;
/** Never kept as metadata (nor logged): credentials, not facts about the call. */
const SECRET_KEYS = new Set(['token', 'auth', 'access_token', 'api_key', 'apikey', 'api-key', 'key', 'password', 'passwd', 'secret', 'authorization', 'signature', 'sig']);

/**
 * Query parameters of the call request as metadata: untrusted strings, bounded in count and
 * size, credentials removed. Malformed percent-encodings are kept as sent rather than rejected.
 */
export function metadataFromUrl(rawUrl: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const query = (rawUrl ?? '').split('?')[1];
  if (!query) return out;
  let count = 0;
  for (const part of query.split('&')) {
    if (!part || count >= MAX_KEYS) continue;
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq));
    if (!key || SECRET_KEYS.has(key.toLowerCase()) || key === '__proto__') continue;
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
