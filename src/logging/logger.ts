import { pino, type DestinationStream, type Logger } from 'pino';

import { redactKeyedStrings, redactLogKeys, SecretRedactor } from './redaction.js';

export type { Logger } from 'pino';

/**
 * The one JSON logger. Credentials by key (apiKey, api-key, authToken, token, authorization, in any
 * letter case) are replaced at every nesting level of what is logged (redactLogKeys) and, for string
 * values, of child bindings too (redactKeyedStrings on the finished line); beside them, every configured secret value is replaced in each finished line,
 * wherever it sits (an upstream error quoting the key, a URL with a password).
 */
export function createRootLogger(level: string, destination?: DestinationStream, secrets: Iterable<string> = []): Logger {
  const redactor = new SecretRedactor(secrets);
  return pino(
    {
      level,
      base: { service: 'avr-sts-openai' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactLogKeys },
      hooks: { streamWrite: (line: string) => redactor.redact(redactKeyedStrings(line)) },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
