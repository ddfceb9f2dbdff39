import { configuredSecrets, loadConfig } from '../config/index.js';
import { LogBudget } from './log-budget.js';
import { createRootLogger } from './logger.js';
import { safeUrl, SecretRedactor } from './redaction.js';

describe('redaction by value', () => {
  it('the logger replaces every configured secret, wherever a line quotes it', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-unit-SECRET-abc"quote',
      AUTH_TOKEN: 'tok-unit-SECRET',
      OPENAI_REALTIME_URL: 'wss://user:pw-unit-SECRET@h.invalid/v1/realtime?api-key=qk-unit-SECRET',
      AMI_URL: 'http://ami:ami-unit-SECRET@127.0.0.1:6006',
      CALL_SUMMARY_AUTH_HEADER: 'Bearer hdr-unit-SECRET',
    });
    const lines: string[] = [];
    const log = createRootLogger('info', { write: (l: string) => void lines.push(l) }, configuredSecrets(config));
    log.warn({ detail: 'key sk-unit-SECRET-abc"quote and tok-unit-SECRET' }, 'upstream said: pw-unit-SECRET qk-unit-SECRET ami-unit-SECRET hdr-unit-SECRET');
    expect(lines.join('')).not.toMatch(/SECRET/);
    expect(lines.join('')).toContain('[redacted]');
  });

  it('short values are not redacted by value (they would blank ordinary text)', () => {
    expect(new SecretRedactor(['abc']).redact('abc abc')).toBe('abc abc');
  });

  it('safeUrl drops user-info and secret query values', () => {
    expect(safeUrl('wss://u:p@h.invalid/x?api-key=k&model=m')).toBe('wss://h.invalid/x?api-key=%5Bredacted%5D&model=m');
    expect(safeUrl('simulator')).toBe('simulator');
  });
});

describe('LogBudget', () => {
  it('allows perWindow lines per window and reports what it left out', () => {
    let now = 0;
    const budget = new LogBudget(2, 1000, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([{}, {}, undefined, undefined]);
    now = 1000;
    expect(budget.take()).toEqual({ suppressed: 2 });
  });
});
