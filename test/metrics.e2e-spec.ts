import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** Reads one sample's value out of Prometheus text (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return 0;
}

describe('GET /metrics', () => {
  let fake: FakeRealtimeServer;
  let app: TestApp;
  beforeAll(async () => {
    fake = await upstream.start();
    app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-metrics', OPENAI_INSTRUCTIONS: 'Be metric.' });
  });
  afterAll(async () => {
    await app.close();
    await fake.close();
  });

  const scrape = async () => {
    const res = await fetch(`${app.httpUrl}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('moves the call counters across a call', async () => {
    const before = await scrape();
    expect(before).toContain('process_cpu_user_seconds_total');
    const client = await AvrWsClient.connect(app.wsUrl);
    client.init('metrics-call');
    const upstream = await fake.waitForConnection(fake.connections.length);
    await upstream.waitFor('session.update');
    const during = await scrape();
    expect(sample(during, 'avr_sts_active_calls', { transport: 'ws' })).toBe(1);

    for (let i = 0; i < 5; i++) client.sendAudio(sineFrame(440, 8000, i * 160));
    upstream.speechStopped();
    await upstream.sendResponse({ audioMs: 200 });
    upstream.error('invalid_value', 'bad value');
    await client.until(() => client.count('audio') >= 10);
    await waitUntil(async () => sample(await scrape(), 'avr_sts_upstream_errors_total', { code: 'invalid_value' }) === 1);
    // A non-fatal upstream error is counted, never sent to the client (AVR core ends the call on one).
    expect(client.count('error')).toBe(0);
    client.close();
    await upstream.closed;
    await new Promise((r) => setTimeout(r, 50));

    const after = await scrape();
    expect(sample(after, 'avr_sts_active_calls', { transport: 'ws' })).toBe(0);
    expect(
      sample(after, 'avr_sts_calls_total', { transport: 'ws', outcome: 'caller_hung_up' }) -
        sample(before, 'avr_sts_calls_total', { transport: 'ws', outcome: 'caller_hung_up' }),
    ).toBe(1);
    expect(sample(after, 'avr_sts_audio_frames_total', { direction: 'in', transport: 'ws' })).toBeGreaterThanOrEqual(5);
    expect(sample(after, 'avr_sts_audio_frames_total', { direction: 'out', transport: 'ws' })).toBeGreaterThanOrEqual(10);
    expect(sample(after, 'avr_sts_upstream_connect_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'avr_sts_response_latency_seconds_count')).toBe(1);
    expect(sample(after, 'avr_sts_upstream_errors_total', { code: 'invalid_value' })).toBe(1);
    expect(sample(after, 'avr_sts_instructions_source_total', { source: 'env' })).toBe(1);
  });
});
