import { pino, type DestinationStream, type Logger } from 'pino';

import { SecretRedactor } from './redaction.js';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACT = [
  'apiKey',
  'authToken',
  'token',
  'authorization',
  'Authorization',
  'api-key',
  '*.apiKey',
  '*.authToken',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.api-key',
  'headers.authorization',
  'headers["api-key"]',
];

/**
 * The one JSON logger. Beside the keys above, every configured secret value is replaced in each
 * finished line, wherever it sits (an upstream error quoting the key, a URL with a password).
 */
export function createRootLogger(level: string, destination?: DestinationStream, secrets: Iterable<string> = []): Logger {
  const redactor = new SecretRedactor(secrets);
  return pino(
    {
      level,
      base: { service: 'avr-sts-openai' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
      ...(redactor.active ? { hooks: { streamWrite: (line: string) => redactor.redact(line) } } : {}),
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
