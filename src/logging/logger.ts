import { pino, type DestinationStream, type Logger } from 'pino';

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

export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'avr-sts-openai' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
