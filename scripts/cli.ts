import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The shared shell of the operator CLIs and benches (call, soak, profile-service, bench:load): `--help`,
 * errors as one line prefixed with the tool's name and exit code 1, and option values checked against
 * what they allow.
 */
export function cli(name: string, usage: string) {
  const fail: (message: string) => never = (message) => {
    console.error(`${name}: ${message}`);
    process.exit(1);
  };
  return {
    fail,
    /**
     * Parses `args` (default: this process's arguments) with these options (include
     * `help: { type: 'boolean', short: 'h' }`); --help prints the usage.
     */
    parse<T extends Options>(options: T, args?: string[]): ReturnType<typeof parseArgs<{ options: T }>>['values'] {
      let values: ReturnType<typeof parseArgs<{ options: T }>>['values'];
      try {
        values = parseArgs({ options, args }).values;
      } catch (err) {
        return fail(`${(err as Error).message}\n${usage}`);
      }
      if ((values as { help?: boolean }).help) {
        console.log(usage);
        process.exit(0);
      }
      return values;
    },
    /** A numeric option within [min, max], or the fallback when absent. */
    number(value: string | undefined, option: string, fallback: number, min: number, max = Infinity): number {
      if (value === undefined) return fallback;
      const n = Number(value);
      const range = max === Infinity ? `a number of at least ${min}` : `a number from ${min} to ${max}`;
      if (!Number.isFinite(n) || n < min || n > max) fail(`--${option} must be ${range}, got "${value}"`);
      return n;
    },
    /** A whole-number option within [min, max], or the fallback when absent. */
    integer(value: string | undefined, option: string, fallback: number, min: number, max = Infinity): number {
      const n = this.number(value, option, fallback, min, max);
      if (!Number.isInteger(n)) fail(`--${option} must be a whole number, got "${value}"`);
      return n;
    },
    /** One of the allowed values, or the fallback when absent. */
    oneOf<V extends string>(value: string | undefined, option: string, allowed: readonly V[], fallback: V): V {
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) fail(`--${option} must be ${allowed.join(' or ')}, got "${value}"`);
      return value as V;
    },
  };
}
