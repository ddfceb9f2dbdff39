import WebSocket from 'ws';
import { seededRandom } from '../../src/audio/testing/signals.js';
import { CallRegistry } from '../../src/call/call-registry.js';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { FakeRealtimeServer } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { closeCodeOf, ODD_TARGETS, rawExchange, rssMb, upgradeHead } from './edge.js';
import { delay, HttpWitness, waitUntil, WsWitness } from './support.js';

/**
 * Fuzzing the edge with a fixed seed and a bounded count: random and structured messages over
 * WebSocket (before and after init), random bodies and heads over HTTP, odd request targets.
 * Nothing may throw past the transports (no uncaught exception, no unhandled rejection), every
 * connection ends open or closed with a documented code, and the witness calls keep all their audio.
 */
const SEED = 0x5eed2026;
const WS_CONNECTIONS = 12;
/** Per connection: within MAX_MESSAGES_PER_SECOND (500), so the fuzz reaches the parser, not the rate limit. */
const MESSAGES_PER_CONNECTION = 150;
const HTTP_REQUESTS = 60;
const DOCUMENTED_CLOSE_CODES = new Set([1000, 1001, 1007, 1008, 1009, 1011, 1013]);

/** mulberry32: small, fast and the same sequence on every run. */
const rand = seededRandom(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const KEYS = [
  'type',
  'audio',
  'uuid',
  'digit',
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'provider_config',
  'api_key',
  'token',
  'message',
  '',
];
const TYPES = ['init', 'audio', 'dtmf_digit', 'error', 'transcript', 'interruption', 'Audio', 'init ', ''];

function randomString(max = 40): string {
  let s = '';
  const n = int(max);
  for (let i = 0; i < n; i++) {
    const r = rand();
    // ASCII mostly; controls, C1, bidi, line separators, astral and lone surrogates sometimes.
    s += String.fromCharCode(
      r < 0.7
        ? 0x20 + int(95)
        : r < 0.8
          ? int(0x20)
          : r < 0.85
            ? 0x80 + int(0x20)
            : r < 0.9
              ? pick([0x202e, 0x2028, 0x2029, 0xfeff, 0x7f])
              : r < 0.95
                ? 0xd800 + int(0x800)
                : 0x4e00 + int(500),
    );
  }
  return s;
}

function randomValue(depth = 0): unknown {
  const r = rand();
  if (depth > 4 || r < 0.3) return randomString();
  if (r < 0.45) return pick([0, -1, 1e308, 3.5, 2 ** 53, Number.MAX_SAFE_INTEGER]);
  if (r < 0.55) return pick([true, false, null]);
  if (r < 0.75) return Array.from({ length: int(5) }, () => randomValue(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(6); i > 0; i--) o[rand() < 0.7 ? pick(KEYS) : randomString(10)] = randomValue(depth + 1);
  return o;
}

function randomBase64ish(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_!"\\ ';
  const n = pick([0, 1, 2, 3, 4, 427, 428, 429, int(2000)]);
  let s = '';
  for (let i = 0; i < n; i++) s += rand() < 0.97 ? alphabet[int(64)] : alphabet[int(alphabet.length)];
  return s;
}

/** One message: a valid one mutated, a random JSON value, or random text. */
function randomMessage(): string | Buffer {
  const r = rand();
  if (r < 0.35) {
    const base: Record<string, unknown> = pick([
      { type: 'audio', audio: sineFrame(300, 5000, int(8000)).toString('base64') },
      { type: 'dtmf_digit', digit: pick(['1', '#', '*', 'D']) },
      { type: 'init', uuid: `fuzz-${int(1e6)}` },
    ]);
    const mutations = 1 + int(3);
    for (let i = 0; i < mutations; i++) {
      const key = rand() < 0.7 ? pick(Object.keys(base)) : pick(KEYS);
      base[key] = rand() < 0.5 ? randomValue(2) : key === 'audio' ? randomBase64ish() : key === 'type' ? pick(TYPES) : randomString();
    }
    return JSON.stringify(base);
  }
  if (r < 0.6) return JSON.stringify(randomValue());
  if (r < 0.7) return `{"type":"audio","audio":"${randomBase64ish()}"${rand() < 0.5 ? ',"x":"y"' : ''}}`;
  if (r < 0.8)
    return pick([
      '{"type":{"toString":0}}',
      '{"type":"init","uuid":{"toString":0}}',
      '['.repeat(int(5000)),
      '{"a":'.repeat(int(3000)),
      '',
      ' ',
      'null',
    ]);
  if (r < 0.9) return randomString(400);
  return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
}

let fake: FakeRealtimeServer;
let app: TestApp;
let wsWitness: WsWitness;
let httpWitness: HttpWitness;
const faults: unknown[] = [];
const onFault = (err: unknown) => faults.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  fake = await FakeRealtimeServer.start();
  app = await startTestApp({
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: 'sk-fuzz',
    LOG_LEVEL: 'info',
    HTTP_END_GRACE_MS: '100',
    UPSTREAM_RECONNECT_BASE_MS: '20',
  });
  wsWitness = await WsWitness.open(app, fake, 'fuzz-witness-ws');
  httpWitness = await HttpWitness.open(app, fake, 'fuzz-witness-http');
});

afterAll(async () => {
  wsWitness.close();
  httpWitness.close();
  await app.close();
  await fake.close();
  process.off('uncaughtException', onFault);
  process.off('unhandledRejection', onFault);
});

describe(`fuzzing the edge (seed ${SEED.toString(16)})`, () => {
  it(`${WS_CONNECTIONS} WebSocket connections x ${MESSAGES_PER_CONNECTION} random and structured messages: nothing escapes, the witnesses keep their audio`, async () => {
    const rssBefore = rssMb();
    const clients: AvrWsClient[] = [];
    for (let c = 0; c < WS_CONNECTIONS; c++) {
      const client = await AvrWsClient.connect(app.wsUrl).catch(() => undefined);
      if (!client) continue;
      // Half start a call first: the same messages then reach a live call.
      if (c % 2 === 0) client.init(`fuzz-call-${c}`);
      clients.push(client);
    }
    await delay(200);
    for (let i = 0; i < MESSAGES_PER_CONNECTION; i++) {
      for (const client of clients) {
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        const message = randomMessage();
        client.ws.send(message, { binary: Buffer.isBuffer(message) });
      }
      if (i % 25 === 0) await wsWitness.check(2);
    }
    await wsWitness.check();
    await httpWitness.check();
    for (const client of clients) if (client.ws.readyState === WebSocket.OPEN) client.close();
    const closes = await Promise.all(clients.map((c) => c.closed));
    for (const close of closes) expect(DOCUMENTED_CLOSE_CODES.has(close.code) || close.code === 1005).toBe(true);
    // Survivable mistakes are never answered with an error (AVR core would end the call).
    const answered = clients.flatMap((c) => c.messages.filter((m) => m.type === 'error'));
    for (const err of answered) expect(String(err.message)).toMatch(/concurrent call limit|shutting down|message rate|upstream/);
    await waitUntil(() => app.app.get(CallRegistry).size === 2, 5000, 'only the witnesses left');
    expect(faults).toEqual([]);
    process.stdout.write(
      `fuzz ws: ${clients.length * MESSAGES_PER_CONNECTION} messages, RSS ${rssBefore} -> ${rssMb()} MB, error-level lines ${app.logs.filter((l) => l.level === 'error').length}\n`,
    );
    expect(app.logs.filter((l) => l.level === 'fatal')).toEqual([]);
  });

  it(`${HTTP_REQUESTS} HTTP requests with random heads, targets and bodies: each answered or closed, the witnesses keep their audio`, async () => {
    const methods = ['POST', 'GET', 'PUT', 'POST', 'POST', 'OPTIONS', 'X'];
    const paths = ['/speech-to-speech-stream', '/speech-to-speech-stream?from=1&token=%zz', '/health/ready', '/metrics', ...ODD_TARGETS];
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      const body = Buffer.from(Array.from({ length: int(6000) }, () => int(256)));
      const uuidHeader =
        rand() < 0.5
          ? `X-UUID: ${Buffer.from(randomString(30), 'latin1')
              .toString('latin1')
              .replace(/[\r\n]/g, '')}\r\n`
          : '';
      const framing = rand() < 0.8 ? `Content-Length: ${body.length}\r\n` : `Transfer-Encoding: chunked\r\n`;
      const head = `${pick(methods)} ${pick(paths)} HTTP/1.1\r\nHost: x\r\n${uuidHeader}${framing}Connection: close\r\n\r\n`;
      const payload = framing.startsWith('Content-Length')
        ? body
        : Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(rand() < 0.5 ? '\r\n0\r\n\r\n' : '\r\nzz\r\n')]);
      const ex = rawExchange(app.port, head, payload);
      await Promise.race([ex.closed, delay(3000)]);
      expect(ex.received()).toMatch(/^HTTP\/1\.1 \d{3}|^$/);
      ex.socket.destroy();
      if (i % 15 === 0) await httpWitness.check(2);
    }
    for (const target of ODD_TARGETS) {
      const ex = rawExchange(app.port, upgradeHead(target));
      await waitUntil(
        () => /^HTTP\/1\.1 [^1]/.test(ex.received()) || closeCodeOf(ex.received()) !== undefined || /^HTTP\/1\.1 101/.test(ex.received()),
        3000,
        `an answer to ${target}`,
      );
      ex.socket.destroy();
    }
    await httpWitness.check();
    await wsWitness.check();
    await waitUntil(() => app.app.get(CallRegistry).size === 2, 8000, 'only the witnesses left');
    expect(faults).toEqual([]);
  });
});
