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
    log.warn(
      { detail: 'key sk-unit-SECRET-abc"quote and tok-unit-SECRET' },
      'upstream said: pw-unit-SECRET qk-unit-SECRET ami-unit-SECRET hdr-unit-SECRET',
    );
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

describe('redaction by key', () => {
  function logged(write: (log: ReturnType<typeof createRootLogger>) => void): string {
    const lines: string[] = [];
    write(createRootLogger('info', { write: (l: string) => void lines.push(l) }));
    return lines.join('');
  }

  it('removes an authorization value at every nesting level, in any letter case, and keeps the rest', () => {
    const text = logged((log) =>
      log.warn(
        {
          authorization: 'Bearer top-SECRET',
          request: { headers: { Authorization: 'Bearer two-SECRET', accept: 'application/json' } },
          upstream: { attempt: { response: { headers: { AUTHORIZATION: 'Bearer four-SECRET' } } } },
          tries: [{ headers: { authorization: 'Bearer array-SECRET' } }],
        },
        'request failed',
      ),
    );
    expect(text).not.toMatch(/SECRET/);
    const line = JSON.parse(text) as {
      request: { headers: Record<string, unknown> };
      upstream: { attempt: { response: { headers: Record<string, unknown> } } };
    };
    expect(line.request.headers).toEqual({ Authorization: '[redacted]', accept: 'application/json' });
    expect(line.upstream.attempt.response.headers).toEqual({ AUTHORIZATION: '[redacted]' });
  });

  it('also in child-logger bindings and in an error’s own fields, and the error still logs as an error', () => {
    const err = Object.assign(new Error('refused'), { config: { headers: { authorization: 'Bearer err-SECRET' } } });
    const text = logged((log) => log.child({ ctx: { auth: { authorization: 'Bearer bound-SECRET' } } }).error({ err }, 'call failed'));
    expect(text).not.toMatch(/SECRET/);
    const line = JSON.parse(text) as { err: { message: string; type: string; config: unknown } };
    expect(line.err).toMatchObject({ message: 'refused', type: 'Error', config: { headers: { authorization: '[redacted]' } } });
  });

  it('leaves the logged object itself untouched', () => {
    const headers = { authorization: 'Bearer kept' };
    logged((log) => log.info({ deep: { headers } }, 'x'));
    expect(headers.authorization).toBe('Bearer kept');
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
