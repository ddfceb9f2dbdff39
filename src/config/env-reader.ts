/**
 * Reads typed values out of a plain environment dictionary, collecting one readable problem per bad
 * variable instead of failing on the first, and recording what it read so the documentation
 * (.env.example, README table) is generated from the same place that parses.
 */
export type Env = Record<string, string | undefined>;

/**
 * The machine-readable form of a variable's `allowed` text, for values checked elsewhere by the
 * same rule (per-call profiles override these variables and must keep to their ranges).
 */
export type VarRule = { kind: 'int' | 'number'; min: number; max: number } | { kind: 'oneOf'; values: readonly string[] };

export interface VarDoc {
  name: string;
  default: string;
  meaning: string;
  allowed: string;
  secret: boolean;
  rule?: VarRule;
}

export class EnvReader {
  readonly problems: string[] = [];
  readonly docs: VarDoc[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string, def: string, meaning: string, allowed: string, secret = false, rule?: VarRule): string | undefined {
    this.docs.push({ name, default: def, meaning, allowed, secret, ...(rule ? { rule } : {}) });
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  private fail(name: string, value: string, problem: string, allowed: string, secret = false): void {
    // URLs may carry credentials (user:password@host); those never reach an error line.
    const safe = value.replace(/\/\/[^/@\s]*@/g, '//<redacted>@');
    // The value is quoted into a one-line error: its control characters (line breaks, escapes) become spaces.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const shown = secret ? '<redacted>' : safe.replace(/[\x00-\x1f]/g, ' ').slice(0, 80);
    this.problems.push(`${name}=${shown}: ${problem} (${allowed})`);
  }

  string(name: string, def: string, meaning: string): string {
    return this.raw(name, def, meaning, 'any text') ?? def;
  }

  optionalString(name: string, meaning: string, opts: { secret?: boolean } = {}): string | undefined {
    return this.raw(name, '', meaning, 'any text', opts.secret ?? false);
  }

  number(name: string, def: number, min: number, max: number, meaning: string): number {
    return this.numeric(name, def, min, max, meaning, false);
  }

  int(name: string, def: number, min: number, max: number, meaning: string): number {
    return this.numeric(name, def, min, max, meaning, true);
  }

  private numeric(name: string, def: number, min: number, max: number, meaning: string, integer: boolean): number {
    const allowed = `${integer ? 'integer ' : ''}${min} to ${max}`;
    const v = this.raw(name, String(def), meaning, allowed, false, { kind: integer ? 'int' : 'number', min, max });
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n)) {
      this.fail(name, v, 'not a number', allowed);
      return def;
    }
    if (integer && !Number.isInteger(n)) {
      this.fail(name, v, 'not an integer', allowed);
      return def;
    }
    if (n < min || n > max) {
      this.fail(name, v, 'out of range', allowed);
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean, meaning: string): boolean {
    const allowed = 'true or false';
    const v = this.raw(name, String(def), meaning, allowed);
    if (v === undefined) return def;
    const lower = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    this.fail(name, v, 'not a boolean', allowed);
    return def;
  }

  oneOf<T extends string>(name: string, def: T, values: readonly T[], meaning: string): T {
    const allowed = `one of ${values.join(', ')}`;
    const v = this.raw(name, def, meaning, allowed, false, { kind: 'oneOf', values });
    if (v === undefined) return def;
    if (!(values as readonly string[]).includes(v)) {
      this.fail(name, v, 'not an allowed value', allowed);
      return def;
    }
    return v as T;
  }

  url(name: string, def: string, protocols: readonly string[], meaning: string, extra: readonly string[] = []): string {
    return this.optionalUrl(name, protocols, meaning, extra, def) ?? def;
  }

  optionalUrl(name: string, protocols: readonly string[], meaning: string, extra: readonly string[] = [], def = ''): string | undefined {
    const allowed = `a ${protocols.map((p) => p.replace(':', '')).join('/')} URL${extra.length ? ` or ${extra.join(', ')}` : ''}`;
    const v = this.raw(name, def, meaning, allowed);
    if (v === undefined || extra.includes(v)) return v;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      this.fail(name, v, 'not a URL', allowed);
      return undefined;
    }
    if (!protocols.includes(parsed.protocol)) {
      this.fail(name, v, `unsupported scheme ${parsed.protocol}`, allowed);
      return undefined;
    }
    return v;
  }

  list(name: string, meaning: string): string[] | undefined {
    const v = this.raw(name, '', meaning, 'comma-separated names');
    if (v === undefined) return undefined;
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  json<T>(name: string, meaning: string, allowed: string, check: (value: unknown) => string | null): T | undefined {
    const v = this.raw(name, '', meaning, allowed);
    if (v === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      this.fail(name, v, 'not valid JSON', allowed);
      return undefined;
    }
    const problem = check(parsed);
    if (problem) {
      this.fail(name, v, problem, allowed);
      return undefined;
    }
    return parsed as T;
  }

  /** For rules that span several variables. */
  problem(line: string): void {
    this.problems.push(line);
  }
}
