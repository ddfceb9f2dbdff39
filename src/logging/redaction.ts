/**
 * What never leaves the process: credentials by key (wherever they sit in untrusted metadata)
 * and by value (the secrets this process was configured with, wherever text quotes them).
 */

/** Exact key names that are credentials, not facts about a call. */
const SECRET_KEY_NAMES = new Set(['auth', 'key', 'sig', 'signature', 'pass', 'pwd', 'jwt', 'bearer', 'cookie', 'session']);
/** Key fragments that mark a credential: api_key, x-api-key, accessToken, client_secret, passwd... */
const SECRET_KEY_PATTERN = /secret|token|passw|api[-_ ]?key|apikey|credential|authori[sz]ation|private[-_ ]?key|access[-_ ]?key/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAMES.has(key.toLowerCase()) || SECRET_KEY_PATTERN.test(key);
}

export interface UntrustedLimits {
  /** Objects and arrays nested deeper than this are replaced by a marker. */
  depth: number;
  /** Keys kept per object, items per array. */
  entries: number;
  /** Characters kept per string. */
  stringChars: number;
  /** Characters (keys and strings) kept in all; beyond it values are replaced by a marker. */
  totalChars: number;
}

const UNTRUSTED_LIMITS: UntrustedLimits = { depth: 6, entries: 64, stringChars: 1024, totalChars: 32768 };

const TOO_DEEP = '[nested too deep]';
const TOO_BIG = '[truncated]';

/**
 * A bounded, plain-JSON copy of untrusted metadata (init extras, query values): secret-looking
 * keys dropped at any depth, `__proto__` own keys dropped, depth, width and size capped. Never
 * throws, whatever it is given, so a log line or a call record built from the copy cannot fail.
 */
export function boundedUntrusted(value: Record<string, unknown>, limits: UntrustedLimits = UNTRUSTED_LIMITS): Record<string, unknown> {
  const budget = { left: limits.totalChars };
  const out = copyValue(value, 0, limits, budget);
  return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}

function copyValue(value: unknown, depth: number, limits: UntrustedLimits, budget: { left: number }): unknown {
  if (budget.left <= 0) return TOO_BIG;
  switch (typeof value) {
    case 'string': {
      const s = value.length > limits.stringChars ? value.slice(0, limits.stringChars) : value;
      budget.left -= s.length;
      return s;
    }
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      // undefined, functions, symbols, bigints: nothing JSON carries.
      return null;
  }
  if (value === null) return null;
  if (depth >= limits.depth) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length && i < limits.entries; i++) items.push(copyValue(value[i], depth + 1, limits, budget));
    return items;
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const key of Object.keys(value)) {
    if (kept >= limits.entries || budget.left <= 0) break;
    if (key === '__proto__' || isSecretKey(key)) continue;
    budget.left -= key.length;
    out[key] = copyValue((value as Record<string, unknown>)[key], depth + 1, limits, budget);
    kept++;
  }
  return out;
}

const REDACTED = '[redacted]';

/** Keys whose values never reach a log line, at any nesting level, in any letter case. */
const LOG_REDACTED_KEYS = new Set(['apikey', 'api-key', 'authtoken', 'token', 'authorization']);
/** Deeper than this a logged object is not walked (nothing the service logs nests so deep). */
const LOG_REDACT_DEPTH = 12;

/**
 * The logged object with the values of LOG_REDACTED_KEYS replaced wherever they sit (pino's own
 * redaction paths name fixed depths, and a header map can arrive at any). Copy on write: the
 * caller's object is never changed, and an object with nothing to redact is returned as is. An
 * Error stays an Error (same prototype, message and stack), so the err serializer still applies.
 */
export function redactLogKeys<T extends object>(value: T): T {
  return redactWalk(value, 0, new Set()) as T;
}

/**
 * A finished JSON log line with the string values of LOG_REDACTED_KEYS replaced, at any depth. It
 * covers child-logger bindings, which pino stringifies once when the child is made, past every
 * formatter; an escaped key inside a string value (`\\"token\\":`) is text, not a key, and stays.
 */
export function redactKeyedStrings(line: string): string {
  KEYED_STRING.lastIndex = 0;
  return KEYED_STRING.test(line) ? line.replace(KEYED_STRING, `"$1":"${REDACTED}"`) : line;
}

const KEYED_STRING = /(?<=[{,])"(apikey|api-key|authtoken|token|authorization)":"(?:[^"\\]|\\.)*"/gi;

function redactWalk(value: unknown, depth: number, path: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || depth > LOG_REDACT_DEPTH || path.has(value) || ArrayBuffer.isView(value)) return value;
  path.add(value);
  try {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = redactWalk(value[i], depth + 1, path);
        if (next !== value[i]) (copy ??= value.slice())[i] = next;
      }
      return copy ?? value;
    }
    let copy: object | undefined;
    for (const key of Object.keys(value)) {
      const current = (value as Record<string, unknown>)[key];
      const next = LOG_REDACTED_KEYS.has(key.toLowerCase()) ? REDACTED : redactWalk(current, depth + 1, path);
      if (next === current) continue;
      copy ??= Object.create(Object.getPrototypeOf(value) as object | null, Object.getOwnPropertyDescriptors(value)) as object;
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return copy ?? value;
  } catch {
    // A getter that throws, a property that cannot be redefined: log nothing of it rather than fail.
    return REDACTED;
  } finally {
    path.delete(value);
  }
}

/** Shorter values are not redacted by value: "1" or "true" would blank half a log line. */
const MIN_SECRET_CHARS = 6;

/**
 * Replaces configured secret values in text. Each value is also matched as it appears inside a
 * JSON string and percent-encoded, the two ways the service's own output quotes text.
 */
export class SecretRedactor {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_CHARS) continue;
      forms.add(secret);
      forms.add(JSON.stringify(secret).slice(1, -1));
      forms.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret containing another is replaced whole.
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get active(): boolean {
    return this.pattern !== undefined;
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text) ? text.replace(this.pattern, REDACTED) : text;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Credentials a URL may carry: its user-info password and user, and secret-looking query values. */
export function urlSecrets(raw: string | undefined): string[] {
  if (!raw) return [];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (url.password) out.push(url.password, decodeSafe(url.password));
  if (url.username && url.password) out.push(url.username, decodeSafe(url.username));
  for (const [key, value] of url.searchParams) if (isSecretKey(key) && value) out.push(value);
  return out;
}

/** The URL without its user-info and with secret-looking query values replaced: for log lines. */
export function safeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/g, '//');
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) if (isSecretKey(key)) url.searchParams.set(key, REDACTED);
  return url.toString();
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
