import WebSocket from 'ws';
import { CallRegistry } from '../../src/call/call-registry.js';
import { RecordReceiver } from '../../src/records/testing/record-receiver.js';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { AvrHttpCall } from '../support/http-call.js';
import { AvrCoreLikeClient } from '../support/avr-core-like-client.js';
import { FakeRealtimeServer } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../../scripts/ports.js';
import { closeCodeOf, metricValue, ODD_TARGETS, rawExchange, upgradeHead } from './edge.js';
import { delay, findLine, HttpWitness, openWsCall, waitUntil, WsWitness } from './support.js';

/**
 * Issue #20 and the AVR side of #16, tried as an attacker would, beside a WebSocket and an HTTP
 * witness call that must keep all their audio: the edge of the process (messages, request
 * targets, rates, handshakes, secrets) can end at most the one connection concerned.
 */
const API_KEY = 'sk-proj-HARDEN-SECRET-0123456789abcdef';
const AUTH_TOKEN = 'auth-HARDEN-SECRET-7f3a9e';
const AMI_PASSWORD = 'amipass-HARDEN-SECRET-77';
const INIT_SECRET = 'init-HARDEN-SECRET-provider-api-key';
const RATE = 500;

let fake: FakeRealtimeServer;
let receiver: RecordReceiver;
let app: TestApp;
let registry: CallRegistry;
let wsWitness: WsWitness;
let httpWitness: HttpWitness;
const q = `?token=${AUTH_TOKEN}`;
const bearer = { Authorization: `Bearer ${AUTH_TOKEN}` };

beforeAll(async () => {
  fake = await FakeRealtimeServer.start();
  receiver = new RecordReceiver();
  app = await startTestApp({
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: API_KEY,
    AUTH_TOKEN,
    AMI_URL: `http://ami:${AMI_PASSWORD}@127.0.0.1:${await freePort()}`,
    // This suite pins the plain end of a failed call (error message, close 1011); the announced
    // hangup that a configured AMI_URL brings is test/call-guards.e2e-spec.ts's.
    FAILURE_ACTION: 'none',
    CALL_SUMMARY_URL: await receiver.start(),
    UPSTREAM_RECONNECT_BASE_MS: '20',
    MAX_MESSAGES_PER_SECOND: String(RATE),
    INIT_TIMEOUT_MS: '1500',
    MAX_PENDING_CONNECTIONS: '40',
    MAX_CONCURRENT_CALLS: '60',
    LOG_LEVEL: 'trace',
  });
  registry = app.app.get(CallRegistry);
  wsWitness = await WsWitness.open(app, fake, 'witness-ws', q);
  httpWitness = await HttpWitness.open(app, fake, 'witness-http', bearer);
});

afterAll(async () => {
  wsWitness.close();
  httpWitness.close();
  await app.close();
  await receiver.stop();
  await fake.close();
});

const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

async function witnessesStillWork(calls = 2): Promise<void> {
  await wsWitness.check();
  await httpWitness.check();
  await waitUntil(() => registry.size === calls && registry.pendingCount === 0, 5000, `only the ${calls} witness calls left`);
}

async function connect(query = q): Promise<AvrWsClient> {
  const client = await AvrWsClient.connect(`${app.wsUrl}/${query}`);
  opened.push(client);
  return client;
}

async function call(uuid: string, extra: object = {}) {
  const opened_ = await openWsCall(app, fake, uuid, q, extra);
  opened.push(opened_.client);
  return opened_;
}

describe('critical: one message or one request target must not end the process', () => {
  const hostile: Array<[string, string]> = [
    ['a type whose toString is not a function', '{"type":{"toString":0}}'],
    ['a type that is an object with valueOf', '{"type":{"valueOf":1,"toString":{}}}'],
    ['a type that is an array', '{"type":["init"]}'],
    ['a type that is null', '{"type":null}'],
    ['audio whose value is an object', '{"type":"audio","audio":{"toString":0}}'],
    ['a digit that is an object', '{"type":"dtmf_digit","digit":{"toString":0}}'],
    ['a __proto__ type', '{"__proto__":{"type":"init"},"type":"__proto__"}'],
  ];

  it.each(hostile)('before init: %s is logged, nothing is sent back, the connection goes on', async (_name, text) => {
    const client = await connect();
    client.ws.send(text);
    const next = fake.connections.length;
    client.init(`after-hostile-${Date.now()}`);
    await (await fake.waitForConnection(next)).waitFor('session.update');
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.close();
    await witnessesStillWork();
  });

  it.each(hostile)('mid-call: %s leaves the call taking audio', async (_name, text) => {
    const { client, upstream } = await call(`hostile-mid-${hostile.findIndex(([, t]) => t === text)}`);
    client.ws.send(text);
    client.sendAudio(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 960, 3000, 'the frame after the hostile message');
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it.each(ODD_TARGETS)('WebSocket upgrade to %j without a token: refused 1008, the process goes on', async (target) => {
    const mark = app.logs.length;
    const ex = rawExchange(app.port, upgradeHead(target));
    // Node answers 4xx for a target it cannot parse; anything it passes on is refused by us.
    await waitUntil(() => /^HTTP\/1\.1 [^1]/.test(ex.received()) || closeCodeOf(ex.received()) !== undefined, 3000, 'an answer');
    ex.socket.destroy();
    const answer = ex.received();
    if (answer.startsWith('HTTP/1.1 101')) expect(closeCodeOf(answer)).toBe(1008);
    else expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(app.logs.slice(mark).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    await witnessesStillWork();
  });

  it.each(ODD_TARGETS)('WebSocket upgrade to %j with the bearer token: accepted or refused cleanly', async (target) => {
    const ex = rawExchange(app.port, upgradeHead(target, bearer));
    await waitUntil(() => ex.received().length > 0, 3000, 'an answer');
    expect(ex.received()).toMatch(/^HTTP\/1\.1 (101|4\d\d)/);
    ex.socket.destroy();
    await witnessesStillWork();
  });

  it.each(ODD_TARGETS)('HTTP POST to %j: an HTTP answer, the process goes on', async (target) => {
    const ex = rawExchange(app.port, `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd`);
    await ex.closed;
    expect(ex.received()).toMatch(/^HTTP\/1\.1 [2-5]\d\d/);
    await witnessesStillWork();
  });
});

describe('AVR side: no error message for what the call survives; error only right before the end', () => {
  it('audio before init: logged with a count, nothing sent, the call can still start', async () => {
    const before = await metricValue(app.httpUrl, 'avr_sts_client_message_errors_total', 'kind="before_init"');
    const client = await connect();
    client.sendAudio(sineFrame());
    await waitUntil(
      async () => (await metricValue(app.httpUrl, 'avr_sts_client_message_errors_total', 'kind="before_init"')) === before + 1,
    );
    const next = fake.connections.length;
    client.init('after-early-audio');
    await (await fake.waitForConnection(next)).waitFor('session.update');
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('a fatal end sends one error in both shapes, then the close', async () => {
    const { client, upstream } = await call('fatal-end');
    upstream.error('invalid_api_key', 'Incorrect API key provided');
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(1);
    const [err] = errors as unknown as Array<{ message: string; error: { message: string } }>;
    expect(err.message).toMatch(/invalid_api_key/);
    expect(err.error).toEqual({ message: err.message });
    await witnessesStillWork();
  });

  it('an audio message with an extra string field is taken as audio', async () => {
    const { client, upstream } = await call('audio-extra-field');
    client.ws.send(`{"type":"audio","audio":"${sineFrame().toString('base64')}","seq":"7"}`);
    client.ws.send(JSON.stringify({ type: 'audio', audio: sineFrame().toString('base64'), note: 'x' }));
    await waitUntil(() => upstream.audioBytesReceived() === 1920, 3000, 'both frames upstream');
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('init without uuid starts the call with a generated uuid and one warning', async () => {
    const client = await connect();
    const next = fake.connections.length;
    const mark = app.logs.length;
    client.send({ type: 'init' });
    await (await fake.waitForConnection(next)).waitFor('session.update');
    const warned = app.logs.slice(mark).filter((l) => /^init: no usable uuid/.test(String(l.msg)));
    expect(warned).toHaveLength(1);
    expect(String(warned[0].uuid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(findLine(app, /^call started$/, String(warned[0].uuid))).toBeDefined();
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it.each([
    ['an emoji', 'call-📞-1', 'call-%F0%9F%93%9E-1'],
    ['a bidi override', 'call-\u202e-2', 'call-%E2%80%AE-2'],
    ['U+2028', 'call-\u2028-3', 'call-%E2%80%A8-3'],
    ['DEL', 'call-\u007f-4', 'call-%7F-4'],
    ['a C1 control', 'call-\u0085-5', 'call-%C2%85-5'],
    ['a newline', 'call-\n-6', 'call-%0A-6'],
  ])(
    'a uuid with %s is percent-encoded once at the edge: the call, its log lines and its record carry the safe form',
    async (_name, raw, encoded) => {
      const { client } = await call(raw);
      expect(findLine(app, /^call started$/, encoded)).toBeDefined();
      client.close();
      await waitUntil(() => receiver.uuids().includes(encoded), 5000, 'the call record');
      expect(app.rawLogs()).not.toContain(raw);
      await witnessesStillWork();
    },
  );

  it('secret-looking init extras (nested) reach no log line, tool or record; deep nesting and __proto__ keep the record', async () => {
    let deep = '"bottom"';
    for (let i = 0; i < 20000; i++) deep = `{"d":${deep}}`;
    const client = await connect();
    const next = fake.connections.length;
    client.ws.send(
      `{"type":"init","uuid":"init-extras","provider_config":{"api_key":"${INIT_SECRET}","nested":{"clientSecret":"${INIT_SECRET}","x-api-key":"${INIT_SECRET}","model":"m1"}},` +
        `"password":"${INIT_SECRET}","__proto__":{"admin":true},"deep":${deep},"from":"2000"}`,
    );
    await (await fake.waitForConnection(next)).waitFor('session.update');
    const started = findLine(app, /^call started$/, 'init-extras')!;
    expect(started).toBeDefined();
    const metadata = started.metadata as Record<string, unknown>;
    expect(metadata.provider_config).toEqual({ nested: { model: 'm1' } });
    expect(Object.prototype.hasOwnProperty.call(metadata, '__proto__')).toBe(false);
    expect(({} as { admin?: unknown }).admin).toBeUndefined();
    client.close();
    await waitUntil(() => receiver.uuids().includes('init-extras'), 5000, 'the call record of the deeply nested init');
    const record = receiver.received.find((r) => r.headers['x-avr-uuid'] === 'init-extras')!;
    expect(record.body).not.toContain(INIT_SECRET);
    expect(JSON.parse(record.body).callerInfo.phoneNumber).toBe('2000');
    expect(app.rawLogs()).not.toContain(INIT_SECRET);
    await witnessesStillWork();
  });
});

describe('bounds at the edge', () => {
  it('a flood of tiny messages beyond MAX_MESSAGES_PER_SECOND closes that connection with a reason', async () => {
    const { client } = await call('message-flood');
    for (let i = 0; i < RATE * 4; i++) client.ws.send('{}');
    const closed = await client.closed;
    expect(closed).toEqual({ code: 1008, reason: `message rate over ${RATE} per second` });
    await waitUntil(() => findLine(app, /^call ended/, 'message-flood') !== undefined);
    expect(findLine(app, /^call ended/, 'message-flood')).toMatchObject({ outcome: 'error' });
    await witnessesStillWork();
  });

  it('a flood before init closes the connection too', async () => {
    const client = await connect();
    for (let i = 0; i < RATE * 4; i++) client.ws.send('x');
    expect((await client.closed).code).toBe(1008);
    await witnessesStillWork();
  });

  it('caller audio far beyond real time is dropped beyond a 5 s burst, counted and logged once', async () => {
    const before = await metricValue(app.httpUrl, 'avr_sts_caller_audio_dropped_bytes_total', 'transport="ws"');
    const { client, upstream } = await call('audio-too-fast');
    // 20 s of audio at once, in ten 2 s messages (few messages: the message-rate limit is not what acts).
    const twoSeconds = Buffer.concat(Array.from({ length: 100 }, (_, i) => sineFrame(300, 5000, i * 160)));
    for (let i = 0; i < 10; i++) client.sendAudio(twoSeconds);
    client.sendAudio(sineFrame());
    await waitUntil(
      async () => (await metricValue(app.httpUrl, 'avr_sts_caller_audio_dropped_bytes_total', 'transport="ws"')) > before,
      3000,
      'the drop count',
    );
    await delay(200);
    const sentUpSeconds = upstream.audioBytesReceived() / 3 / 16000;
    expect(sentUpSeconds).toBeGreaterThanOrEqual(4);
    expect(sentUpSeconds).toBeLessThan(7);
    expect(app.logs.filter((l) => l.uuid === 'audio-too-fast' && /^caller audio faster than real time/.test(String(l.msg)))).toHaveLength(
      1,
    );
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('HTTP caller audio far beyond real time is dropped the same way', async () => {
    const before = await metricValue(app.httpUrl, 'avr_sts_caller_audio_dropped_bytes_total', 'transport="http"');
    const from = fake.connections.length;
    const httpCall = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-too-fast', ...bearer });
    opened.push({ close: () => httpCall.abort() });
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    httpCall.write(Buffer.alloc(16000 * 20, 1));
    await waitUntil(
      async () => (await metricValue(app.httpUrl, 'avr_sts_caller_audio_dropped_bytes_total', 'transport="http"')) > before,
      3000,
      'the drop count',
    );
    await delay(200);
    expect(upstream.audioBytesReceived() / 3 / 16000).toBeLessThan(7);
    httpCall.end();
    await witnessesStillWork();
  });

  it('keypresses are bounded: 50 at once give at most 10 conversation items upstream', async () => {
    const { client, upstream } = await call('dtmf-flood');
    for (let i = 0; i < 50; i++) client.send({ type: 'dtmf_digit', digit: String(i % 10) });
    client.sendAudio(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 960, 3000, 'the frame after the keys');
    await delay(100);
    const items = upstream.received.filter((e) => e.type === 'conversation.item.create');
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(10);
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('a connection that never sends init is closed after INIT_TIMEOUT_MS, and frees its slot', async () => {
    const client = await connect();
    await waitUntil(() => registry.pendingCount === 1, 1000, 'the pending connection counted');
    const closed = await client.closed;
    expect(closed).toEqual({ code: 1008, reason: 'no init within 1500 ms' });
    expect(registry.pendingCount).toBe(0);
    await witnessesStillWork();
  });

  it('unidentified connections are capped (MAX_PENDING_CONNECTIONS) and counted against capacity', async () => {
    const idle: AvrWsClient[] = [];
    for (let i = 0; i < 40; i++) idle.push(await connect());
    await waitUntil(() => registry.pendingCount === 40, 2000, '40 pending');
    const over = await connect();
    expect(await over.closed).toEqual({ code: 1013, reason: 'too many connections waiting for init (40)' });
    // 2 calls + 40 pending of 60: 18 call slots left, the HTTP transport sees it too.
    expect(registry.admit().ok).toBe(true);
    for (const c of idle) c.close();
    await waitUntil(() => registry.pendingCount === 0, 3000, 'the pending connections gone');
    await witnessesStillWork();
  });

  it('refusals for a wrong token are logged rate-limited and cut, never the whole query', async () => {
    // Its own app: the log budget is per process, and this case must see all of it.
    const own = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: API_KEY, AUTH_TOKEN });
    try {
      const big = 'x'.repeat(15000);
      for (let i = 0; i < 60; i++) {
        const client = await AvrWsClient.connect(`${own.wsUrl}/?from=${big}&token=wrong-${i}`);
        await client.closed;
      }
      const refusals = own
        .rawLogs()
        .split('\n')
        .filter((l) => l.includes('WebSocket call refused'));
      expect(refusals).toHaveLength(10);
      for (const line of refusals) {
        expect(line.length).toBeLessThan(1000);
        expect(line).toMatch(/\(15\d{3} chars\)/);
        expect(line).not.toMatch(/wrong-\d/);
      }
      expect(await metricValue(own.httpUrl, 'avr_sts_connections_closed_total', 'reason="unauthorised"')).toBe(60);
    } finally {
      await own.close();
    }
    await witnessesStillWork();
  });
});

describe('HTTP agent audio paced to real time with a 200 ms lead (#16)', () => {
  /** An HTTP call whose client notes when each byte arrived. */
  async function pacedCall(uuid: string) {
    const from = fake.connections.length;
    const httpCall = new AvrHttpCall(app.httpUrl, { 'X-UUID': uuid, ...bearer });
    opened.push({ close: () => httpCall.abort() });
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    const res = await httpCall.response;
    const arrivals: Array<{ at: number; bytes: number }> = [];
    let total = 0;
    res.on('data', (c: Buffer) => {
      total += c.length;
      arrivals.push({ at: Date.now(), bytes: total });
    });
    return { httpCall, upstream, arrivals, received: () => total };
  }

  it('a 3 s response sent at once arrives whole, never more than the lead ahead of real time', async () => {
    const { httpCall, upstream, arrivals, received } = await pacedCall('http-paced');
    await upstream.sendResponse({ audioMs: 3000 });
    await waitUntil(() => received() >= 3000 * 16, 6000, 'the whole response');
    // Whole: every byte of the 3 s, plus at most the resampler's tail frame (flushed at the end).
    expect(received()).toBeGreaterThanOrEqual(3000 * 16);
    expect(received()).toBeLessThanOrEqual(3000 * 16 + 320);
    const first = arrivals[0].at;
    // Audio ahead of the caller's playout (which starts at the first byte), measured at each arrival.
    const aheadMs = arrivals.map((a) => a.bytes / 16 - (a.at - first));
    expect(Math.max(...aheadMs)).toBeLessThanOrEqual(200 + 40);
    // Not bursted: it took about as long as it plays.
    expect(arrivals.at(-1)!.at - first).toBeGreaterThanOrEqual(2600);
    httpCall.end();
    await witnessesStillWork();
  });

  it('barge-in: at most ~250 ms of agent audio plays after speech_started', async () => {
    const { httpCall, upstream, arrivals, received } = await pacedCall('http-paced-barge');
    const response = upstream.startResponse();
    for (let i = 0; i < 30; i++) response.sendAudio(100);
    await waitUntil(() => received() >= 800 * 16, 3000, '800 ms of agent audio');
    const bargeAt = Date.now();
    upstream.speechStarted();
    response.cancel();
    await delay(600);
    const first = arrivals[0].at;
    const heardAfterMs = received() / 16 - (bargeAt - first);
    expect(heardAfterMs).toBeLessThanOrEqual(250);
    expect(received()).toBeLessThan(3000 * 16);
    httpCall.end();
    await witnessesStillWork();
  });
});

describe('CLIENT_RESUME_MS: AVR core comes back with the same uuid after a lost connection (#16)', () => {
  it('a reconnect within the linger continues the same call: same upstream session, conversation kept, one record', async () => {
    const { client, upstream } = await call('resume-same');
    client.sendAudio(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 960, 3000, 'the first frame');
    await upstream.sendResponse({ audioMs: 200, transcript: 'Before the blip.' });
    await client.until(() => client.count('transcript') >= 1, 3000, 'the first answer');
    const upstreams = fake.connections.length;
    client.ws.terminate();
    await delay(100);
    const again = await connect();
    again.init('resume-same');
    again.sendAudio(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 1920, 3000, 'the frame of the new connection on the same upstream');
    expect(fake.connections.length).toBe(upstreams);
    await upstream.sendResponse({ audioMs: 200, transcript: 'After the blip.' });
    await again.until(
      () => again.count('transcript') >= 1 && again.agentAudio().bytes.length >= 3200,
      3000,
      'the answer on the new connection',
    );
    expect(again.count('error')).toBe(0);
    again.close();
    await upstream.closed;
    await waitUntil(() => receiver.uuids().includes('resume-same'), 5000, 'the record');
    await delay(200);
    const records = receiver.received.filter((r) => r.headers['x-avr-uuid'] === 'resume-same');
    expect(records).toHaveLength(1);
    const record = JSON.parse(records[0].body);
    expect(record.transcripts.map((t: { text: string }) => t.text)).toEqual(['Before the blip.', 'After the blip.']);
    expect(record.outcome).toBe('caller_hung_up');
    await witnessesStillWork();
  });

  it('no reconnect within the linger: the call ends as a hang-up after CLIENT_RESUME_MS', async () => {
    const { client, upstream } = await call('resume-never');
    const lostAt = Date.now();
    client.ws.terminate();
    await upstream.closed;
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(1400);
    expect(findLine(app, /^call ended/, 'resume-never')).toMatchObject({ outcome: 'caller_hung_up' });
    await witnessesStillWork();
  });

  it('a normal close (1000) ends the call at once', async () => {
    const { client, upstream } = await call('resume-normal-close');
    const closedAt = Date.now();
    client.close();
    await upstream.closed;
    expect(Date.now() - closedAt).toBeLessThan(1000);
    await witnessesStillWork();
  });
});

describe('FAILED_CALL_HOLD_MS: AVR core coming straight back after a failed call opens no new upstream session (#16)', () => {
  afterEach(() => fake.setMode('accept'));

  it('WebSocket: the comeback is held without an error message, its audio discarded; HTTP with the same X-UUID too', async () => {
    fake.setMode({ refuseStatus: 401 });
    const first = await connect();
    first.init('hold-loop');
    expect((await first.closed).code).toBe(1011);
    expect(first.count('error')).toBe(1);
    const upgrades = fake.upgrades.length;
    // AVR core's loop: the next caller frame opens a new connection with the same uuid.
    const comebacks: AvrWsClient[] = [];
    for (let i = 0; i < 5; i++) {
      const again = await connect();
      again.init('hold-loop');
      again.sendAudio(sineFrame());
      comebacks.push(again);
    }
    const httpCall = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'hold-loop', ...bearer });
    opened.push({ close: () => httpCall.abort() });
    expect((await httpCall.response).statusCode).toBe(200);
    httpCall.write(sineFrame());
    await delay(300);
    expect(fake.upgrades.length).toBe(upgrades);
    for (const again of comebacks) {
      expect(again.ws.readyState).toBe(WebSocket.OPEN);
      expect(again.messages).toEqual([]);
    }
    expect(httpCall.received().length).toBe(0);
    expect(await metricValue(app.httpUrl, 'avr_sts_connections_closed_total', 'reason="failed_call_hold"')).toBeGreaterThanOrEqual(6);
    fake.setMode('accept');
    for (const again of comebacks) again.close();
    httpCall.end();
    await httpCall.finished;
    await witnessesStillWork();
  });
});

describe('with a client that behaves like AVR core (ends the call on any error, reconnects with the same uuid)', () => {
  afterEach(() => fake.setMode('accept'));

  it('a bad client message and a non-fatal upstream error leave the call audio flowing to the end', async () => {
    const next = fake.connections.length;
    const avr = new AvrCoreLikeClient(`${app.wsUrl}/${q}`, 'avr-like-survives');
    avr.start();
    const upstream = await fake.waitForConnection(next);
    await upstream.waitFor('session.update');
    await waitUntil(() => avr.framesSent >= 10, 3000, 'frames flowing');
    avr.sendRaw('{"type":{"toString":0}}');
    avr.sendRaw('not json');
    upstream.error('invalid_value', "Invalid value: 'shimmerx'.");
    await upstream.sendResponse({ audioMs: 400 });
    await waitUntil(() => avr.agentFrames.length >= 20 && avr.framesSent >= 60, 5000, 'the answer and more caller audio');
    avr.hangUp();
    await upstream.closed;
    expect({ terminated: avr.terminated, errors: avr.errors, connections: avr.connections }).toEqual({
      terminated: false,
      errors: [],
      connections: 1,
    });
    // Every caller frame reached the upstream.
    expect(upstream.audioBytesReceived()).toBe(avr.framesSent * 960);
    await witnessesStillWork();
  });

  it('a fatal upstream failure gives at most one extra upstream connect for the call', async () => {
    fake.setMode({ refuseStatus: 401 });
    const upgrades = fake.upgrades.length;
    const avr = new AvrCoreLikeClient(`${app.wsUrl}/${q}`, 'avr-like-fatal');
    avr.start();
    await delay(1500);
    avr.hangUp();
    expect(fake.upgrades.length - upgrades).toBeLessThanOrEqual(2);
    fake.setMode('accept');
    await witnessesStillWork();
  });
});

describe('CLIENT_IDLE_MS: a WebSocket call whose caller audio stops is ended', () => {
  const IDLE_MS = 600;
  let own: TestApp;
  beforeAll(async () => {
    own = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: API_KEY, CLIENT_IDLE_MS: String(IDLE_MS) });
  });
  afterAll(async () => {
    await own.close();
  });

  it.each([
    ['from init on, before any audio', 0],
    ['after some audio', 5],
  ])('%s: ended with a reason, while a call streaming audio beside it goes on and loses none', async (_name, framesFirst) => {
    const streaming = await openWsCall(own, fake, `idle-neighbour-${framesFirst}`);
    let sent = 0;
    const feed = setInterval(() => {
      streaming.client.sendAudio(sineFrame());
      sent++;
    }, 100);
    try {
      // The idle clock starts at init (no audio) or at the last audio: measured from before either,
      // however long the connect takes on a loaded machine.
      let startedAt = Date.now();
      const idle = await openWsCall(own, fake, `idle-${framesFirst}`);
      if (framesFirst > 0) startedAt = Date.now();
      for (let i = 0; i < framesFirst; i++) idle.client.sendAudio(sineFrame());
      const closed = await idle.client.closed;
      expect(closed).toEqual({ code: 1001, reason: 'no caller audio' });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(IDLE_MS - 50);
      await idle.upstream.closed;
      const ended = findLine(own, /^call ended/, `idle-${framesFirst}`)!;
      expect(ended).toMatchObject({ outcome: 'caller_hung_up' });
      expect(String(ended.msg)).toMatch(/no caller audio for \d+ ms \(CLIENT_IDLE_MS=600\)/);
      expect(idle.client.count('error')).toBe(0);
    } finally {
      clearInterval(feed);
    }
    await waitUntil(() => streaming.upstream.audioBytesReceived() === sent * 960, 3000, 'every neighbour frame upstream');
    expect(streaming.client.ws.readyState).toBe(WebSocket.OPEN);
    streaming.client.close();
  });
});

describe('secrets never leave the process, by value', () => {
  it('an upstream error quoting the API key, a failed AMI tool with credentials in AMI_URL: no secret in logs, records, tool output or client messages', async () => {
    const { client, upstream } = await call('secret-echo');
    upstream.error('invalid_value', `The key ${API_KEY} is not valid for this`);
    await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    const output = await upstream.waitFor('conversation.item.create', (e) => e.item?.type === 'function_call_output');
    expect(String(output.item.output)).not.toContain(AMI_PASSWORD);
    client.close();
    await waitUntil(() => receiver.uuids().includes('secret-echo'), 5000, 'the record');
    const everything = [
      app.rawLogs(),
      ...receiver.received.map((r) => r.body + JSON.stringify(r.headers)),
      JSON.stringify(client.messages),
    ].join('\n');
    for (const secret of [API_KEY, AUTH_TOKEN, AMI_PASSWORD, INIT_SECRET])
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
    await witnessesStillWork();
  });

  it('the start-up line shows OPENAI_REALTIME_URL without its password or query key', async () => {
    const own = await startTestApp({
      OPENAI_REALTIME_URL: 'wss://user:URLPASS-HARDEN-SECRET@realtime.invalid/v1/realtime?api-key=QUERYKEY-HARDEN-SECRET',
      OPENAI_API_KEY: API_KEY,
    });
    try {
      const line = findLine(own, /listening$/)!;
      expect(String(line.upstream)).toMatch(/^wss:\/\/realtime\.invalid\/v1\/realtime\?api-key=/);
      expect(own.rawLogs()).not.toMatch(/URLPASS-HARDEN-SECRET|QUERYKEY-HARDEN-SECRET/);
    } finally {
      await own.close();
    }
  });
});
