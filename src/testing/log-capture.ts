import type { Logger } from 'pino';
import { createRootLogger } from '../logging/index.js';

export type LogLine = Record<string, unknown>;

/**
 * A pino destination that keeps what is logged: each line parsed (a line that is not JSON is kept as
 * `{ unparsed }`) and the raw text, for "this value appears nowhere" checks. Chunks may split lines.
 * The one log capture of the unit specs (captureLogs) and the e2e app (test/support/app.ts).
 */
export class LogCapture {
  private readonly rawLines: string[] = [];
  private readonly parsed: LogLine[] = [];
  private partial = '';

  write(chunk: string | Buffer): void {
    this.partial += chunk.toString();
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      if (!line) continue;
      this.rawLines.push(line);
      try {
        this.parsed.push(JSON.parse(line) as LogLine);
      } catch {
        this.parsed.push({ unparsed: line });
      }
    }
  }

  /** Every line so far, parsed, in order (the same array, growing). */
  get lines(): LogLine[] {
    return this.parsed;
  }

  /** Everything logged so far, as written. */
  raw(): string {
    return this.rawLines.join('\n');
  }
}

export interface CapturedLogs {
  logger: Logger;
  lines(): LogLine[];
  /** Everything logged, as written: to check a value appears nowhere. */
  raw(): string;
}

/** A root logger (as the app makes it) at this level, writing into a LogCapture. */
export function captureLogs(level = 'trace', secrets: Iterable<string> = []): CapturedLogs {
  const capture = new LogCapture();
  const logger = createRootLogger(level, capture, secrets);
  return { logger, lines: () => capture.lines, raw: () => capture.raw() };
}
