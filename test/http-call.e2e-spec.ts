import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Downsampler, Framer, Upsampler } from '../src/audio/index.js';
import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrHttpCall } from './support/http-call.js';
import { sineFrame } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** What the service must send the caller for a given upstream response: downsampled, framed, tail flushed. */
function expectedAgentAudio(upstream24k: Buffer): Buffer {
  const down = new Downsampler();
  const framer = new Framer();
  const frames: Buffer[] = [];
  framer.push(down.process(upstream24k), (f) => frames.push(f));
  framer.push(down.flush(), (f) => frames.push(f));
  framer.flush((f) => frames.push(f));
  return Buffer.concat(frames);
}

describe('HTTP stream calls (POST /speech-to-speech-stream)', () => {
  let fake: FakeRealtimeServer;
  let app: TestApp;
  let instructionsServer: http.Server;
  const uuidsSeen: string[] = [];

  beforeAll(async () => {
    fake = await upstream.start();
    instructionsServer = http.createServer((req, res) => {
      uuidsSeen.push(String(req.headers['x-avr-uuid']));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ system: `Instructions for ${String(req.headers['x-avr-uuid'])}` }));
    });
    await new Promise<void>((r) => instructionsServer.listen(0, '127.0.0.1', r));
    const port = (instructionsServer.address() as AddressInfo).port;
    app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_URL_INSTRUCTIONS: `http://127.0.0.1:${port}/instructions`,
      MAX_CONCURRENT_CALLS: '2',
      HTTP_END_GRACE_MS: '2000',
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    await new Promise((r) => instructionsServer.close(r));
  });

  it('resamples caller audio sent in odd-sized chunks and streams the agent audio back complete and in order', async () => {
    const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-call-1' });
    const upstream = await fake.waitForConnection(fake.connections.length);
    await upstream.waitFor('session.update');
    const res = await call.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');

    const caller = Buffer.concat(Array.from({ length: 10 }, (_, i) => sineFrame(300, 6000, i * 160)));
    const sizes = [333, 1, 64, 7, 320, 500, 99, 276, 333, 1, 64, 7, 320, 500, 99, 276];
    let offset = 0;
    for (const size of sizes) {
      call.write(caller.subarray(offset, offset + size));
      offset += size;
    }
    expect(offset).toBe(caller.length);
    await waitUntil(() => upstream.audioBytesReceived() >= caller.length * 3);
    const received = Buffer.concat(
      upstream.received.filter((e) => e.type === 'input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64')),
    );
    expect(received.equals(new Upsampler().process(caller))).toBe(true);

    const response = await upstream.sendResponse({ audioMs: 600, transcript: 'Your order ships today.' });
    await waitUntil(() => call.received().length >= 9600);
    call.end();
    const body = await call.finished;
    expect(body.equals(expectedAgentAudio(response.audio))).toBe(true);
    expect(uuidsSeen).toContain('http-call-1');
    const transcriptLine = app.logs.find((l) => l.msg === 'transcript' && l.uuid === 'http-call-1');
    expect(transcriptLine).toMatchObject({ role: 'agent', text: 'Your order ships today.' });
  });

  it('works without X-UUID: a generated uuid reaches the instructions service as X-AVR-UUID', async () => {
    const before = uuidsSeen.length;
    const call = new AvrHttpCall(app.httpUrl);
    const upstream = await fake.waitForConnection(fake.connections.length);
    const update = await upstream.waitFor('session.update');
    const generated = uuidsSeen[before];
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(update.session.instructions).toBe(`Instructions for ${generated}`);
    call.end();
    await call.finished;
  });

  it('closes the upstream at once when the client aborts', async () => {
    const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-abort' });
    const upstream = await fake.waitForConnection(fake.connections.length);
    await upstream.waitFor('session.update');
    await call.response;
    call.write(sineFrame());
    call.abort();
    const closed = await upstream.closed;
    expect(closed.code).toBe(1000);
    const ended = app.logs.find((l) => l.uuid === 'http-abort' && typeof l.msg === 'string' && l.msg.startsWith('call ended'));
    expect(ended).toMatchObject({ outcome: 'caller_hung_up' });
  });

  it('answers 503 with Retry-After over the concurrent-call limit', async () => {
    const a = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'limit-a' });
    const b = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'limit-b' });
    await (await fake.waitForConnection(fake.connections.length)).waitFor('session.update');
    await a.response;
    await b.response;
    await waitUntil(() => fake.connections.length >= 2);
    const c = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'limit-c' });
    const res = await c.response;
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse((await c.finished).toString())).toEqual({ error: 'concurrent call limit reached (2)' });
    a.end();
    b.end();
    await Promise.all([a.finished, b.finished]);
  });
});

describe('HTTP stream call with an upstream that refuses', () => {
  it('answers 502 with a JSON error body', async () => {
    const fake = await upstream.start({ mode: { refuseStatus: 500 } });
    const app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-test' });
    try {
      const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-refused' });
      const res = await call.response;
      expect(res.statusCode).toBe(502);
      expect(res.headers['content-type']).toContain('application/json');
      const body = JSON.parse((await call.finished).toString()) as { error: string; outcome: string };
      expect(body.outcome).toBe('upstream_failed');
      expect(body.error).toMatch(/HTTP 500/);
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
