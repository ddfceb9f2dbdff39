import type { Logger } from 'pino';
import { errorText } from './error-text.js';

/**
 * The pieces every "ordered list of sources, first answer wins" chain needs (instructions, agent
 * profiles): a source's answer within a deadline, a configuration check that cannot throw past the
 * chain, and the call's logger bound to its uuid once.
 */

/** The work's result, or 'overtime' once `withinMs` has passed; the timer never outlives the race. */
export async function withinDeadline<T>(work: Promise<T>, withinMs: number): Promise<T | 'overtime'> {
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<'overtime'>((resolve) => {
    timer = setTimeout(() => resolve('overtime'), withinMs);
  });
  try {
    return await Promise.race([work, overtime]);
  } finally {
    clearTimeout(timer);
  }
}

/** `isConfigured()`, where a throw is reported (and the source skipped) instead of breaking the chain. */
export function configuredSafely(source: { isConfigured(): boolean }, onFailure: (reason: string) => void): boolean {
  try {
    return source.isConfigured();
  } catch (err) {
    onFailure(`configuration check failed: ${errorText(err)}`);
    return false;
  }
}

/** Call loggers already carry the uuid; adding it again would print the key twice. */
export function withUuid(logger: Logger, uuid: string): Logger {
  return logger.bindings().uuid === undefined ? logger.child({ uuid }) : logger;
}
