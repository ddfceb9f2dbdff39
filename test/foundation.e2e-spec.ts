import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describeConfig } from '../src/config/index.js';
import { startTestApp, type TestApp } from './support/app.js';

describe('service foundation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers liveness with terminus JSON', async () => {
    const res = await fetch(`${app.httpUrl}/health/live`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; details: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.details.process.status).toBe('up');
  });

  it('answers readiness with the call capacity', async () => {
    const res = await fetch(`${app.httpUrl}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: { calls: { active: number; limit: number; draining: boolean } } };
    expect(body.details.calls).toMatchObject({ active: 0, limit: 500, draining: false, status: 'up' });
  });

  it('writes one JSON object per log line', () => {
    const started = app.logs.find((l) => l.msg === 'avr-sts-openai listening');
    expect(started).toMatchObject({ level: 'info', port: app.port });
  });
});

describe('start-up configuration errors', () => {
  function runBuilt(env: Record<string, string>) {
    return spawnSync(process.execPath, ['dist/main.js'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 20000,
    });
  }

  it('stops with exit code 1 and one line per bad variable', () => {
    const res = runBuilt({
      OPENAI_TEMPERATURE: 'abc',
      OPENAI_TURN_DETECTION: 'sometimes',
      PORT: '70000',
      OPENAI_API_KEY: 'sk-test-secret-123',
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'config error: OPENAI_TEMPERATURE=abc: not a number (0.6 to 1.2)',
        'config error: OPENAI_TURN_DETECTION=sometimes: not an allowed value (one of server_vad, semantic_vad, none)',
        'config error: PORT=70000: out of range (integer 0 to 65535)',
      ]),
    );
    expect(lines).toHaveLength(3);
    expect(res.stderr + res.stdout).not.toContain('sk-test-secret-123');
  });

  it('requires an API key unless the simulator is selected', () => {
    const res = runBuilt({ PORT: '0' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('OPENAI_API_KEY is not set');
  });

  it('never shows credentials inside a bad URL', () => {
    const res = runBuilt({
      OPENAI_REALTIME_URL: 'simulator',
      OPENAI_MCP_SERVERS: '[{"server_label":"x"}]',
      CALL_SUMMARY_URL: 'ftp://user:hunter2@x',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('OPENAI_MCP_SERVERS=');
    expect(res.stderr).toContain('CALL_SUMMARY_URL=ftp://<redacted>@x: unsupported scheme ftp:');
    expect(res.stderr).not.toContain('hunter2');
  });
});

describe('documentation of the configuration', () => {
  const names = describeConfig().map((d) => d.name);
  it.each(['README.md', '.env.example'])('%s names every variable the service reads', (file) => {
    const text = readFileSync(file, 'utf8');
    const missing = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
    expect(missing).toEqual([]);
  });
});
