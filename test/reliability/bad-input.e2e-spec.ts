import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { Upsampler } from '../../src/audio/index.js';
import { CallRegistry } from '../../src/call/call-registry.js';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { AvrHttpCall } from '../support/http-call.js';
import type { FakeRealtimeServer, FakeConnection } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { findLine, HttpWitness, openWsCall as openCall, waitUntil, WsWitness } from './support.js';
import { withFakeUpstream } from '../support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/**
 * Bad client input over both transports, one table per transport. For every case: what the
 * client receives (a clear error message with the connection kept, or a clean close with the
 * documented code), the warn line naming the call, and that a good WebSocket call and a good HTTP
 * call running beside it (the witnesses) still get every caller frame upstream and every agent
 * frame back.
 */
const MAX_MESSAGE_BYTES = 65536;

let fake: FakeRealtimeServer;
let app: TestApp;
let wsWitness: WsWitness;
let httpWitness: HttpWitness;
let registry: CallRegistry;

beforeAll(async () => {
  fake = await upstream.start();
  app = await startTestApp({
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: 'sk-bad-input',
    MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    UPSTREAM_RECONNECT_BASE_MS: '20',
    HTTP_END_GRACE_MS: '300',
  });
  registry = app.app.get(CallRegistry);
  wsWitness = await WsWitness.open(app, fake);
  httpWitness = await HttpWitness.open(app, fake);
});

/** Every client a case opens, closed after it even when the case fails. */
const opened: Array<{ close(): void }> = [];
function track<T extends { close(): void }>(client: T): T {
  opened.push(client);
  return client;
}
function trackHttp(call: AvrHttpCall): AvrHttpCall {
  opened.push({ close: () => call.abort() });
  return call;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

afterAll(async () => {
  wsWitness.close();
  httpWitness.close();
  await app.close();
  await fake.close();
});

/** After each case: both witnesses still work, and every call of the case is gone. */
async function witnessesStillWork(): Promise<void> {
  await wsWitness.check();
  await httpWitness.check();
  await waitUntil(() => registry.size === 2, 3000, 'only the two witness calls left');
  expect(fake.invalidEvents).toEqual([]);
}

/** The fake upstream connections a case opened are all closed again. */
async function upstreamsClosed(from: number): Promise<void> {
  await Promise.all(fake.connections.slice(from).map((c) => c.closed));
}

async function openWsCall(...args: Parameters<typeof openCall>): ReturnType<typeof openCall> {
  const call = await openCall(...args);
  track(call.client);
  return call;
}

async function connect(url = app.wsUrl): Promise<AvrWsClient> {
  return track(await AvrWsClient.connect(url));
}

function newLogs(mark: number): Array<Record<string, unknown>> {
  return app.logs.slice(mark);
}

type Send = (ws: WebSocket) => void;
const text =
  (s: string): Send =>
  (ws) =>
    ws.send(s);
const json = (v: unknown): Send => text(JSON.stringify(v));

interface ErrorCase {
  name: string;
  /** Start a call with this uuid first; the error then concerns that call. */
  uuid?: string;
  send: Send;
  error: RegExp;
}

const b64 = (n: number) => sineFrame(440, 8000, 0, n / 2).toString('base64');

const errorCases: ErrorCase[] = [
  { name: 'text that is not JSON', send: text('hello, this is not JSON'), error: /message is not valid JSON/ },
  { name: 'a truncated JSON object', send: text('{"type":"init","uuid":"x"'), error: /message is not valid JSON/ },
  { name: 'a binary frame', send: (ws) => ws.send(Buffer.from('{"type":"init","uuid":"bin"}')), error: /binary frames are not supported/ },
  { name: 'a JSON array', send: json([{ type: 'init', uuid: 'arr' }]), error: /must be a JSON object/ },
  { name: 'a JSON string', send: json('init'), error: /must be a JSON object/ },
  { name: 'a JSON number', send: text('42'), error: /must be a JSON object/ },
  { name: 'JSON null', send: text('null'), error: /must be a JSON object/ },
  { name: 'JSON true', send: text('true'), error: /must be a JSON object/ },
  { name: 'a JSON array nested 30,000 deep', send: text('['.repeat(30000) + ']'.repeat(30000)), error: /must be a JSON object/ },
  { name: 'an unknown type', send: json({ type: 'hangup' }), error: /unknown message type "hangup"/ },
  { name: 'a type that is not a string', send: json({ type: 7, uuid: 'num' }), error: /unknown message type "7"/ },
  { name: 'no type at all', send: json({ uuid: 'no-type' }), error: /message has no "type"/ },
  { name: 'audio before init', send: json({ type: 'audio', audio: b64(320) }), error: /audio before init/ },
  { name: 'dtmf_digit before init', send: json({ type: 'dtmf_digit', digit: '1' }), error: /dtmf_digit before init/ },
  { name: 'audio without "audio"', uuid: 'bad-audio-missing', send: json({ type: 'audio' }), error: /needs "audio" as a base64 string/ },
  {
    name: 'audio as a number',
    uuid: 'bad-audio-number',
    send: json({ type: 'audio', audio: 12345 }),
    error: /needs "audio" as a base64 string/,
  },
  {
    name: 'audio as an array',
    uuid: 'bad-audio-array',
    send: json({ type: 'audio', audio: [1, 2, 3] }),
    error: /needs "audio" as a base64 string/,
  },
  {
    name: 'audio with non-base64 characters',
    uuid: 'bad-audio-chars',
    send: json({ type: 'audio', audio: 'QUJD!!!!' }),
    error: /not valid base64/,
  },
  {
    name: 'audio of a bad base64 length',
    uuid: 'bad-audio-length',
    send: json({ type: 'audio', audio: 'QUJDRA' }),
    error: /not valid base64/,
  },
  { name: 'base64url audio', uuid: 'bad-audio-url', send: json({ type: 'audio', audio: 'AP__-_8A' }), error: /not valid base64/ },
  { name: 'empty audio', uuid: 'bad-audio-empty', send: json({ type: 'audio', audio: '' }), error: /audio is empty/ },
  {
    name: 'a second init',
    uuid: 'bad-second-init',
    send: json({ type: 'init', uuid: 'someone-else' }),
    error: /call already started \(uuid bad-second-init\)/,
  },
  { name: 'DTMF "E"', uuid: 'bad-dtmf-e', send: json({ type: 'dtmf_digit', digit: 'E' }), error: /dtmf_digit needs "digit" as one key/ },
  { name: 'DTMF "12"', uuid: 'bad-dtmf-12', send: json({ type: 'dtmf_digit', digit: '12' }), error: /dtmf_digit needs "digit" as one key/ },
  {
    name: 'DTMF as a number',
    uuid: 'bad-dtmf-number',
    send: json({ type: 'dtmf_digit', digit: 5 }),
    error: /dtmf_digit needs "digit" as one key/,
  },
  {
    name: 'DTMF lower-case "a"',
    uuid: 'bad-dtmf-lower',
    send: json({ type: 'dtmf_digit', digit: 'a' }),
    error: /dtmf_digit needs "digit" as one key/,
  },
];

/** The survivable-error counter of one kind, read from /metrics. */
async function errorMetric(kind: string): Promise<number> {
  const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`avr_sts_client_message_errors_total{kind="${kind}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

// AVR core ends the call on any error message (avr-core-protocol.md), so a mistake the call
// survives is logged with the uuid and counted by kind, and nothing is sent back.
describe('bad WebSocket messages: logged and counted, nothing sent back, the connection and the call go on', () => {
  it.each(errorCases)('$name', async ({ uuid, send, error }) => {
    const mark = app.logs.length;
    let client: AvrWsClient;
    let upstream: FakeConnection | undefined;
    if (uuid) ({ client, upstream } = await openWsCall(app, fake, uuid));
    else client = await connect();
    try {
      send(client.ws);
      await waitUntil(
        () => newLogs(mark).some((l) => typeof l.msg === 'string' && l.msg.startsWith('bad client message: ') && error.test(l.msg)),
        3000,
        'the warn line',
      );

      // The connection is still usable: the call takes audio, or a call can still start on it.
      if (upstream) {
        const before = upstream.audioBytesReceived();
        client.sendAudio(sineFrame());
        await waitUntil(() => upstream.audioBytesReceived() === before + 960, 3000, 'a good frame after the bad message');
      } else {
        const next = fake.connections.length;
        client.init(`after-bad-${Date.now()}`);
        await (await fake.waitForConnection(next)).waitFor('session.update');
      }
      expect(client.count('error')).toBe(0);
      expect(client.ws.readyState).toBe(WebSocket.OPEN);

      const line = newLogs(mark).find((l) => typeof l.msg === 'string' && l.msg.startsWith('bad client message: ') && error.test(l.msg));
      expect(line).toMatchObject({ level: 'warn' });
      expect(line!.uuid).toBe(uuid);
      expect(await errorMetric(String(line!.kind))).toBeGreaterThan(0);
    } finally {
      client.close();
    }
    await witnessesStillWork();
  });

  it('odd-length audio: one warn line per call, no error message, and the bytes are re-aligned across messages', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'bad-odd-audio');
    const caller = Buffer.concat([sineFrame(500, 7000, 0), sineFrame(500, 7000, 160), sineFrame(500, 7000, 320)]);
    // 321 + 1 + 318 + 320: two odd messages, whole samples only when joined.
    const cuts = [321, 1, 318, 320];
    let at = 0;
    for (const n of cuts) {
      client.send({ type: 'audio', audio: caller.subarray(at, at + n).toString('base64') });
      at += n;
    }
    expect(at).toBe(caller.length);
    await waitUntil(() => upstream.audioBytesReceived() >= caller.length * 3, 3000, 'the re-aligned audio');
    const received = Buffer.concat(
      upstream.received.filter((e) => e.type === 'input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64')),
    );
    expect(received.equals(new Upsampler().process(caller))).toBe(true);
    expect(client.count('error')).toBe(0);
    expect(app.logs.filter((l) => l.uuid === 'bad-odd-audio' && /^odd-length caller audio/.test(String(l.msg)))).toEqual([
      expect.objectContaining({ level: 'warn', bytes: 321 }),
    ]);
    expect(await errorMetric('odd_audio')).toBeGreaterThan(0);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.close();
    await witnessesStillWork();
  });

  it('a valid 60 KB audio message (just under the limit) is taken whole', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'big-audio');
    const pcm = Buffer.concat(Array.from({ length: 145 }, (_, i) => sineFrame(600, 5000, i * 160)));
    const message = JSON.stringify({ type: 'audio', audio: pcm.toString('base64') });
    expect(message.length).toBeGreaterThan(60000);
    expect(message.length).toBeLessThan(MAX_MESSAGE_BYTES);
    client.ws.send(message);
    await waitUntil(() => upstream.audioBytesReceived() >= pcm.length * 3, 3000, '145 frames upstream');
    expect(upstream.audioBytesReceived()).toBe(pcm.length * 3);
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('an init with a 60 KB provider_config starts the call', async () => {
    const { client } = await openWsCall(app, fake, 'big-init', '', { provider_config: { blob: 'x'.repeat(60000) } });
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  // 400 at once: within MAX_MESSAGES_PER_SECOND (500); a faster flood closes the connection (hardening suite).
  it('a burst of 400 bad messages: the connection survives, nothing is sent back, one warn line per kind, the call and the witnesses lose nothing', async () => {
    const mark = app.logs.length;
    const { client, upstream } = await openWsCall(app, fake, 'bad-flood');
    const kinds: Send[] = [
      text('not json'),
      (ws) => ws.send(Buffer.from([1, 2, 3])),
      text('[]'),
      json({ type: 'nope' }),
      text('{"type":"audio","audio":"!!!!"}'),
      json({ type: 'dtmf_digit', digit: 'Z' }),
      json({ type: 'audio', audio: '' }),
    ];
    // Invalid base64 and empty audio are one kind of mistake (bad audio): six kinds in all.
    const distinctKinds = 6;
    for (let i = 0; i < 400; i++) kinds[i % kinds.length](client.ws);
    // Messages are handled in order: once this frame is upstream, the whole flood has been read.
    client.sendAudio(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 960, 10000, 'the good frame after the flood');
    await new Promise((r) => setTimeout(r, 100));
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    // One warn line per kind, each naming the call.
    const warned = newLogs(mark).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('bad client message'));
    expect(warned).toHaveLength(distinctKinds);
    expect(new Set(warned.map((l) => l.uuid))).toEqual(new Set(['bad-flood']));
    // The flooded call itself still answers.
    await upstream.sendResponse({ audioMs: 200 });
    await client.until(() => client.agentAudio().bytes.length >= 3200, 3000, 'the flooded call still answered');
    client.close();
    await witnessesStillWork();
  });

  // Warn lines are per kind of mistake, not per text: varying the type name gains nothing.
  it('unknown types with 400 different names: one warn line, no reply', async () => {
    const mark = app.logs.length;
    const client = await connect();
    for (let i = 0; i < 400; i++) client.send({ type: String.fromCharCode(0x4e00 + i) + 'x' });
    const next = fake.connections.length;
    client.init('after-type-flood');
    await (await fake.waitForConnection(next)).waitFor('session.update');
    expect(client.count('error')).toBe(0);
    expect(newLogs(mark).filter((l) => /^bad client message: unknown message type/.test(String(l.msg)))).toHaveLength(1);
    client.close();
    await witnessesStillWork();
  });
});

describe('WebSocket messages that end the connection: a clean close with the documented code', () => {
  const oversized = () => JSON.stringify({ type: 'audio', audio: Buffer.alloc(MAX_MESSAGE_BYTES).toString('base64') });
  const invalidUtf8 = (ws: WebSocket) => ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  const cases: Array<{ name: string; uuid?: string; send: Send; code: number }> = [
    { name: 'an audio frame over MAX_MESSAGE_BYTES, before init', send: (ws) => ws.send(oversized()), code: 1009 },
    { name: 'an audio frame over MAX_MESSAGE_BYTES, mid-call', uuid: 'close-too-big', send: (ws) => ws.send(oversized()), code: 1009 },
    { name: 'a 1 MB JSON message', uuid: 'close-huge-json', send: json({ type: 'init', uuid: 'x', pad: 'y'.repeat(1 << 20) }), code: 1009 },
    { name: 'invalid UTF-8 text, before init', send: invalidUtf8, code: 1007 },
    { name: 'invalid UTF-8 text, mid-call', uuid: 'close-utf8', send: invalidUtf8, code: 1007 },
  ];

  it.each(cases)('$name → close $code', async ({ uuid, send, code }) => {
    const mark = app.logs.length;
    const from = fake.connections.length;
    let client: AvrWsClient;
    if (uuid) ({ client } = await openWsCall(app, fake, uuid));
    else client = await connect();
    send(client.ws);
    const closed = await client.closed;
    expect(closed.code).toBe(code);
    // The call of the connection ends and lets its upstream go.
    await upstreamsClosed(from);
    const warn = newLogs(mark).find((l) => l.level === 'warn' && l.msg === 'client WebSocket error');
    expect(warn).toBeDefined();
    if (uuid) {
      // Recorded as the client's error, not as an ordinary hang-up.
      expect(findLine(app, /^call ended/, uuid)).toMatchObject({ outcome: 'error', level: 'warn' });
    }
    await witnessesStillWork();
  });

  it('the warn line of a mid-call close names the call', async () => {
    const mark = app.logs.length;
    const { client } = await openWsCall(app, fake, 'close-names-call');
    client.ws.send(oversized());
    await client.closed;
    await waitUntil(() => registry.size === 2);
    const warn = newLogs(mark).find((l) => l.level === 'warn' && l.msg === 'client WebSocket error');
    expect(warn).toMatchObject({ uuid: 'close-names-call' });
  });
});

describe('call metadata from odd query strings: the call starts, metadata is bounded and safe', () => {
  const longValue = 'v'.repeat(5000);
  const manyKeys = Array.from({ length: 200 }, (_, i) => `k${i}=${i}`).join('&');
  const cases: Array<{ name: string; query: string; check: (metadata: Record<string, unknown>) => void }> = [
    { name: 'a lone %', query: '?%', check: (m) => expect(m).toEqual({ '%': '' }) },
    {
      name: 'credentials under common names',
      query: '?from=2000&auth=s3cret&API_KEY=k1&access_token=t1&password=p1&secret=x',
      check: (m) => expect(m).toEqual({ from: '2000' }),
    },
    {
      name: 'malformed escapes %zz and a cut %E0%A4%A',
      query: '?from=%zz&to=%E0%A4%A&ok=%41',
      check: (m) => expect(m).toEqual({ from: '%zz', to: '%E0%A4%A', ok: 'A' }),
    },
    {
      name: 'UTF-8 escapes and +',
      query: '?name=%F0%9F%93%9E+caller&channel=PJSIP%2F2000-00000013',
      check: (m) => expect(m).toEqual({ name: '📞 caller', channel: 'PJSIP/2000-00000013' }),
    },
    {
      name: 'a 5,000-character value',
      query: `?long=${longValue}&short=1`,
      check: (m) => expect(m).toEqual({ long: 'v'.repeat(1024), short: '1' }),
    },
    { name: '200 keys', query: `?${manyKeys}`, check: (m) => expect(Object.keys(m)).toHaveLength(64) },
    {
      name: '__proto__, constructor and friends',
      query: '?__proto__=polluted&__proto__[admin]=1&constructor=c&hasOwnProperty=h&toString=t',
      check: (m) => {
        expect(m).toEqual({ '__proto__[admin]': '1', constructor: 'c', hasOwnProperty: 'h', toString: 't' });

        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      },
    },
    { name: 'empty parts and keys', query: '?&&=nokey&a&b=', check: (m) => expect(m).toEqual({ a: '', b: '' }) },
    {
      name: 'a token (a credential, not metadata)',
      query: '?token=t0ken-in-query&from=2000',
      check: (m) => expect(m).toEqual({ from: '2000' }),
    },
  ];

  it.each(cases)('$name', async ({ query, check }) => {
    const uuid = `query-${cases.findIndex((c) => c.query === query)}`;
    const { client } = await openWsCall(app, fake, uuid, query);
    const started = findLine(app, /^call started$/, uuid);
    expect(started).toBeDefined();
    check(started!.metadata as Record<string, unknown>);
    expect(client.count('error')).toBe(0);
    client.close();
    await witnessesStillWork();
  });

  it('a URL over the HTTP header limit is refused with 431 and nothing else is affected', async () => {
    await expect(AvrWsClient.connect(`${app.wsUrl}/?big=${'x'.repeat(20000)}`)).rejects.toThrow(/431/);
    await witnessesStillWork();
  });
});

/** A raw HTTP/1.1 client, for request framing http.request will not produce. */
function rawRequest(head: string): { socket: net.Socket; response: () => string; ended: Promise<void> } {
  const url = new URL(app.httpUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('error', () => undefined);
  opened.push({ close: () => socket.destroy() });
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(head);
  return { socket, response: () => received, ended };
}

describe('HTTP stream calls with odd requests', () => {
  it('odd chunk sizes (1 to 333 bytes): every caller byte upstream in order, the agent audio streams back', async () => {
    const from = fake.connections.length;
    const call = trackHttp(new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-odd-chunks' }));
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    expect((await call.response).statusCode).toBe(200);
    const caller = Buffer.concat(Array.from({ length: 8 }, (_, i) => sineFrame(300, 6000, i * 160)));
    const sizes = [1, 1, 3, 333, 7, 2, 64, 319, 1, 500, 99, 276, 954];
    let at = 0;
    for (const n of sizes) {
      call.write(caller.subarray(at, at + n));
      at += n;
    }
    expect(at).toBe(caller.length);
    await waitUntil(() => upstream.audioBytesReceived() >= caller.length * 3, 3000, 'all caller audio upstream');
    const received = Buffer.concat(
      upstream.received.filter((e) => e.type === 'input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64')),
    );
    expect(received.equals(new Upsampler().process(caller))).toBe(true);
    await upstream.sendResponse({ audioMs: 300 });
    await waitUntil(() => call.received().length >= 4800, 3000, 'the agent audio');
    call.end();
    await call.finished;
    await upstream.closed;
    await witnessesStillWork();
  });

  it.each([
    ['a wrong Content-Type (application/json)', { 'Content-Type': 'application/json' }],
    ['a form Content-Type', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type at all', {}],
  ])('%s still streams both ways', async (_name, headers) => {
    const from = fake.connections.length;
    const req = http.request(new URL('/speech-to-speech-stream', app.httpUrl), {
      method: 'POST',
      headers: { 'X-UUID': 'http-content-type', ...headers },
    });
    req.on('error', () => undefined);
    opened.push({ close: () => req.destroy() });
    req.flushHeaders();
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
    const upstream = fake.connections[from];
    await upstream.waitFor('session.update');
    expect(res.statusCode).toBe(200);
    const body: Buffer[] = [];
    res.on('data', (c: Buffer) => body.push(c));
    for (let i = 0; i < 5; i++) req.write(sineFrame(440, 6000, i * 160));
    await waitUntil(() => upstream.audioBytesReceived() === 4800, 3000, 'the caller audio upstream');
    await upstream.sendResponse({ audioMs: 200 });
    await waitUntil(() => Buffer.concat(body).length >= 3200, 3000, 'the agent audio');
    req.end();
    await upstream.closed;
    await witnessesStillWork();
  });

  it.each([
    ['an empty body (Content-Length: 0)', { 'Content-Length': '0' }],
    ['a chunked body that ends at once', {}],
  ])('%s: a clean 200 end, the call and its upstream are gone', async (_name, headers) => {
    const mark = app.logs.length;
    const from = fake.connections.length;
    const call = trackHttp(new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-empty', ...headers }));
    call.end();
    const res = await call.response;
    expect(res.statusCode).toBe(200);
    expect((await call.finished).length).toBe(0);
    await waitUntil(() => registry.size === 2, 3000, 'the empty call gone');
    await upstreamsClosed(from);
    expect(findLine(app, /^call ended/, 'http-empty')).toMatchObject({ outcome: 'caller_hung_up' });
    expect(newLogs(mark).filter((l) => l.level === 'error')).toEqual([]);
    await witnessesStillWork();
  });

  it('a fixed-length body of odd length: the whole samples go up, the call ends cleanly', async () => {
    const from = fake.connections.length;
    const caller = Buffer.concat([sineFrame(), sineFrame(440, 8000, 160)]).subarray(0, 639);
    const call = trackHttp(new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-odd-length', 'Content-Length': String(caller.length) }));
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    call.write(caller);
    call.end();
    expect((await call.response).statusCode).toBe(200);
    await call.finished;
    await upstream.closed;
    expect(findLine(app, /^call ended/, 'http-odd-length')).toMatchObject({ outcome: 'caller_hung_up' });
    await witnessesStillWork();
  });

  it('broken chunked framing mid-call ends that call only', async () => {
    const from = fake.connections.length;
    const { socket, response, ended } = rawRequest(
      'POST /speech-to-speech-stream HTTP/1.1\r\nHost: x\r\nX-UUID: http-bad-chunk\r\nTransfer-Encoding: chunked\r\nContent-Type: audio/x-raw\r\n\r\n',
    );
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    await waitUntil(() => response().startsWith('HTTP/1.1 200'), 3000, 'the 200 response head');
    socket.write(`140\r\n${sineFrame().toString('latin1')}\r\n`, 'latin1');
    await waitUntil(() => upstream.audioBytesReceived() === 960, 3000, 'the good chunk upstream');
    socket.write('zz not a chunk size\r\n');
    await ended;
    await upstream.closed;
    await waitUntil(() => registry.size === 2, 3000, 'the broken call gone');
    expect(findLine(app, /^call ended/, 'http-bad-chunk')).toBeDefined();
    await witnessesStillWork();
  });

  it('a client that aborts mid-response ends its call and frees its upstream', async () => {
    const from = fake.connections.length;
    const call = trackHttp(new AvrHttpCall(app.httpUrl, { 'X-UUID': 'http-abort-mid' }));
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    await call.response;
    void upstream.sendResponse({ audioMs: 3000, chunkMs: 100, paceMs: 20 });
    await waitUntil(() => call.received().length >= 3200, 3000, 'some agent audio');
    call.abort();
    expect((await upstream.closed).code).toBe(1000);
    expect(findLine(app, /^call ended/, 'http-abort-mid')).toMatchObject({ outcome: 'caller_hung_up' });
    await witnessesStillWork();
  });

  it('an X-UUID over 256 characters is replaced by a generated uuid', async () => {
    const from = fake.connections.length;
    const call = trackHttp(new AvrHttpCall(app.httpUrl, { 'X-UUID': 'u'.repeat(300) }));
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    expect((await call.response).statusCode).toBe(200);
    const started = app.logs.filter((l) => l.msg === 'call started' && l.transport === 'http').at(-1);
    expect(String(started!.uuid)).toMatch(/^[0-9a-f-]{36}$/);
    call.end();
    await call.finished;
    await witnessesStillWork();
  });
});
