/**
 * Credentials in call metadata and provider_config: AVR's integration guide shows an `api_key` in
 * provider_config, so anything that looks like one is dropped before a profile source, a log line
 * or the profile web service sees it. Names are split into words (snake, kebab, camel case), so
 * `apiKey`, `x-auth-token` and `openai_api_key` are secrets while `keywords` is not.
 */
const SECRET_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'auth',
  'authorization',
  'apikey',
  'key',
  'signature',
  'sig',
  'credential',
  'credentials',
  'cookie',
  'bearer',
  'private',
]);

/** Values that are credentials whatever their key: OpenAI keys, bearer and basic headers. */
const SECRET_VALUE = /^\s*(sk-|sess-|Bearer\s|Basic\s)/i;

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SECRET_WORDS.has(w)) || words.join('') === 'apikey';
}

export function isSecretValue(value: unknown): boolean {
  return typeof value === 'string' && SECRET_VALUE.test(value);
}

/**
 * A copy without secret-looking keys or values, at any depth (provider_config nests). Only plain
 * JSON survives: strings, finite numbers, booleans, lists and objects; `__proto__` never does.
 */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return undefined;
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1)).filter((v) => v !== undefined);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__' || isSecretKey(k)) continue;
      const kept = withoutSecrets(v, depth + 1);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  if (typeof value === 'string') return isSecretValue(value) ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'boolean' ? value : undefined;
}
