import { loadConfig } from '../config/index.js';
import { FakeRealtimeServer } from '../../test/support/fake-realtime-server.js';
import { captureLogs } from '../tools/testing/tools-test-kit.js';
import { RealtimeClient } from './realtime-client.js';
import type { ServerEvent } from './realtime-events.js';
import { upstreamTarget } from './upstream-target.js';

const API_KEY = 'sk-proj-CLIENT-SECRET-0123456789abcdef';

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

describe('RealtimeClient against the fake upstream: what an upstream can make it hold', () => {
  let fake: FakeRealtimeServer;
  beforeAll(async () => {
    fake = await FakeRealtimeServer.start();
  });
  afterAll(() => fake.close());

  async function connect(env: Record<string, string> = {}) {
    const { openai } = loadConfig({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: API_KEY, OPENAI_HEARTBEAT_MS: '60000', ...env });
    const logs = captureLogs('debug');
    const events: ServerEvent[] = [];
    const next = fake.connections.length;
    const client = new RealtimeClient(upstreamTarget(fake.url, openai), openai.connectTimeoutMs, openai.heartbeatMs, logs.logger, {
      onEvent: (e) => events.push(e),
      onLost: () => undefined,
    });
    await client.connect();
    const upstream = await fake.waitForConnection(next);
    return { client, upstream, events, logs };
  }

  it('an upstream that stops reading: caller audio beyond OPENAI_MAX_SEND_BUFFER_BYTES is dropped, logged once and counted; memory stays flat', async () => {
    const { client, upstream, logs } = await connect({ OPENAI_MAX_SEND_BUFFER_BYTES: '327680' });
    upstream.freeze();
    // 100 ms of 24 kHz PCM16 a chunk; 20,000 chunks (33 minutes of audio, 128 MB as base64 JSON) as fast as we can.
    const chunk = new Uint8Array(4800);
    global.gc?.();
    const before = rssMb();
    let refused = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 100; i++) if (!client.appendAudio(chunk)) refused++;
      await new Promise((r) => setImmediate(r));
    }
    const after = rssMb();
    console.log(`frozen upstream, 20000 x 100 ms appended: RSS ${before} MB -> ${after} MB, ${refused} chunks dropped`);
    // What passed is the bound plus what the kernel's socket buffers took (a few MB on loopback).
    expect(refused).toBeGreaterThan(19_000);
    expect(client.droppedCallerAudioBytes).toBe(refused * chunk.byteLength);
    expect(after - before).toBeLessThan(50);
    const warnings = logs.lines().filter((l) => /upstream is not reading/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    client.close();
    expect(logs.lines().find((l) => /caller audio dropped for an upstream that was not reading/.test(String(l.msg)))).toMatchObject({
      droppedAudioBytes: refused * 4800,
    });
  });

  it('a reading upstream gets every chunk', async () => {
    const { client, upstream } = await connect();
    const chunk = new Uint8Array(4800);
    for (let i = 0; i < 50; i++) expect(client.appendAudio(chunk)).toBe(true);
    const deadline = Date.now() + 5000;
    while (upstream.audioBytesReceived() < 50 * 4800 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.audioBytesReceived()).toBe(50 * 4800);
    client.close();
  });

  it('an oversized audio delta is dropped and counted; long strings are cut and the API key redacted at the edge, however nested', async () => {
    const { client, upstream, events, logs } = await connect();
    upstream.sendRaw(
      JSON.stringify({ type: 'response.output_audio.delta', response_id: 'r', item_id: 'i', delta: 'A'.repeat(2 * 1024 * 1024) }),
    );
    upstream.sendRaw(
      JSON.stringify({ type: 'error', error: { code: 'invalid_value', message: `key ${API_KEY} then ${'m'.repeat(1_000_000)}` } }),
    );
    upstream.sendRaw(JSON.stringify({ type: 'x.unknown', a: { b: [{ c: `Bearer ${API_KEY}` }] }, d: encodeURIComponent(API_KEY) }));
    const deadline = Date.now() + 5000;
    while (events.filter((e) => e.type !== 'session.created' && e.type !== 'session.updated').length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const got = events.filter((e) => e.type === 'error' || e.type === 'x.unknown');
    expect(got.map((e) => e.type)).toEqual(['error', 'x.unknown']);
    const message = String((got[0].error as { message: string }).message);
    expect(message.startsWith('key [redacted] then mmm')).toBe(true);
    expect(message.length).toBeLessThan(17 * 1024);
    expect(JSON.stringify(got[1])).not.toContain(API_KEY);
    expect(JSON.stringify(got[1])).not.toContain(encodeURIComponent(API_KEY));
    expect(client.malformedEvents).toBe(1);
    expect(logs.lines().filter((l) => /oversized audio delta/.test(String(l.msg)))).toHaveLength(1);
    client.close();
  });
});
