import WebSocket from 'ws';
import { CallRegistry } from '../../src/call/call-registry.js';
import { AvrWsClient } from '../support/avr-client.js';
import type { FakeRealtimeServer, FakeConnection, FakeMode } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { linesOf, openWsCall, waitUntil, WsWitness } from './support.js';
import { closedPort } from '../../scripts/ports.js';
import { withFakeUpstream } from '../support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/**
 * Upstream faults, one table for those that end the call and one for those it survives. Each
 * row: what the client gets (error message and close code, or nothing at all), how many upgrade
 * attempts were made, and the warn/error log lines naming the call, counted.
 */
const RETRIES = 2;
const CONNECT_TIMEOUT_MS = 200;
const BASE_ENV = {
  OPENAI_API_KEY: 'sk-upstream-faults',
  UPSTREAM_RECONNECT_ATTEMPTS: String(RETRIES),
  UPSTREAM_RECONNECT_BASE_MS: '20',
  OPENAI_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
};

let fake: FakeRealtimeServer;
let app: TestApp;
let witness: WsWitness;

beforeAll(async () => {
  fake = await upstream.start();
  app = await startTestApp({ ...BASE_ENV, OPENAI_REALTIME_URL: fake.url });
  witness = await WsWitness.open(app, fake);
});

afterEach(() => fake.setMode('accept'));

afterAll(async () => {
  witness.close();
  await app.close();
  await fake.close();
});

const warnOrError = (a: TestApp, uuid: string) => linesOf(a, uuid, ['warn', 'error']);

interface EndingCase {
  name: string;
  /** The fake answers upgrades this way (shared app), or the app points at a dead URL. */
  mode?: FakeMode;
  url?: () => Promise<string>;
  error: RegExp;
  /** Upgrade requests the fake sees for the call (fake rows only). */
  upgrades?: number;
  /** Connect attempts retried after the first. */
  retries: number;
}

const endingCases: EndingCase[] = [
  {
    name: 'refuses the TCP connection',
    url: async () => `ws://127.0.0.1:${await closedPort()}`,
    error: /upstream connection refused/,
    retries: RETRIES,
  },
  {
    name: 'has a host name that does not resolve',
    url: async () => 'ws://nonexistent.invalid',
    error: /upstream host not found/,
    retries: RETRIES,
  },
  {
    name: 'answers the upgrade with 401',
    mode: { refuseStatus: 401 },
    error: /HTTP 401 \(authentication failed\)/,
    upgrades: 1,
    retries: 0,
  },
  {
    name: 'answers the upgrade with 403',
    mode: { refuseStatus: 403 },
    error: /HTTP 403 \(authentication failed\)/,
    upgrades: 1,
    retries: 0,
  },
  {
    name: 'answers the upgrade with 429',
    mode: { refuseStatus: 429 },
    error: /HTTP 429 \(rate limit or quota exceeded\)/,
    upgrades: 1,
    retries: 0,
  },
  {
    name: 'answers the upgrade with 500',
    mode: { refuseStatus: 500 },
    error: /HTTP 500 \(server error\)/,
    upgrades: 1 + RETRIES,
    retries: RETRIES,
  },
  {
    name: 'accepts and then says nothing',
    mode: 'silent',
    error: new RegExp(`did not answer within ${CONNECT_TIMEOUT_MS} ms`),
    upgrades: 1 + RETRIES,
    retries: RETRIES,
  },
  { name: 'never answers the upgrade', mode: 'hang', error: /did not answer|timed out/, upgrades: 1 + RETRIES, retries: RETRIES },
];

describe('upstream faults that end the call: an error message, close 1011, one error line', () => {
  it.each(endingCases)('the upstream $name', async ({ name, mode, url, error, upgrades, retries }) => {
    const uuid = `fault-${name.replace(/\W+/g, '-')}`;
    const own = url ? await startTestApp({ ...BASE_ENV, OPENAI_REALTIME_URL: await url() }) : undefined;
    const target = own ?? app;
    try {
      if (mode) fake.setMode(mode);
      const upgradesBefore = fake.upgrades.length;
      const client = await AvrWsClient.connect(target.wsUrl);
      client.init(uuid);
      const closed = await client.closed;
      expect(closed.code).toBe(1011);
      const errors = client.messages.filter((m) => m.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(error);
      if (upgrades !== undefined) expect(fake.upgrades.length - upgradesBefore).toBe(upgrades);

      // One clear line with the cause at error; the retries and the call's summary line at info.
      const lines = warnOrError(target, uuid);
      expect(lines).toHaveLength(1);
      expect(lines[0].level).toBe('error');
      expect(lines[0].msg).toMatch(/^upstream connect failed: /);
      expect(lines[0].msg).toMatch(error);
      const retryLines = target.logs.filter((l) => l.uuid === uuid && /^upstream connect attempt failed, retrying/.test(String(l.msg)));
      expect(retryLines).toHaveLength(retries);
      const summary = target.logs.filter((l) => l.uuid === uuid && String(l.msg).startsWith('call ended'));
      expect(summary).toHaveLength(1);
      expect(summary[0]).toMatchObject({ level: 'info', outcome: 'upstream_failed' });
      expect(target.app.get(CallRegistry).size).toBe(own ? 0 : 1);
    } finally {
      fake.setMode('accept');
      await own?.close();
    }
    if (!own) await witness.check();
  });

  // Cluster DNS can answer NXDOMAIN for a moment: a host that does not resolve is retried (bounded).
  it('the upstream host that does not resolve is retried as documented', async () => {
    const own = await startTestApp({ ...BASE_ENV, OPENAI_REALTIME_URL: 'ws://nonexistent.invalid' });
    try {
      const client = await AvrWsClient.connect(own.wsUrl);
      client.init('fault-dns-retried');
      await client.closed;
      expect(linesOf(own, 'fault-dns-retried').filter((l) => /retrying/.test(String(l.msg)))).toHaveLength(RETRIES);
    } finally {
      await own.close();
    }
  });

  it('an error event with a fatal code (invalid_api_key) mid-call ends the call with 1011', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'fault-fatal-event');
    upstream.error('invalid_api_key', 'Incorrect API key provided.', 'invalid_request_error');
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/invalid_api_key/);
    await upstream.closed;
    const lines = warnOrError(app, 'fault-fatal-event');
    expect(lines.map((l) => [l.level, String(l.msg).split(':')[0]])).toEqual([['error', 'upstream error']]);
    await witness.check();
  });
});

interface SurvivedCase {
  name: string;
  /** Does the fault to the call's upstream; returns the upstream connection that carries on. */
  fault: (upstream: FakeConnection, client: AvrWsClient) => Promise<FakeConnection>;
  /** The one warn line of the fault. */
  warn: RegExp;
}

async function nextConnection(): Promise<FakeConnection> {
  const renewed = await fake.waitForConnection(fake.connections.length);
  await renewed.waitFor('session.update');
  return renewed;
}

const survivedCases: SurvivedCase[] = [
  {
    name: 'a drop (TCP cut) in the middle of a response: continues on a new session',
    fault: async (upstream, client) => {
      const response = upstream.startResponse();
      response.sendAudio(300);
      await client.until(() => client.count('audio') >= 10, 3000, 'agent audio before the drop');
      const next = nextConnection();
      upstream.drop();
      const renewed = await next;
      // The agent was cut off mid-sentence: the new session is asked to go on.
      expect((await renewed.waitFor('response.create')).response.instructions).toMatch(/Continue from where you stopped/);
      return renewed;
    },
    warn: /^upstream lost: upstream closed the connection \(1006/,
  },
  {
    name: 'a clean close (1001) mid-call: continues on a new session',
    fault: async (upstream) => {
      const next = nextConnection();
      upstream.close(1001, 'going away');
      return next;
    },
    warn: /^upstream lost: upstream closed the connection \(1001 going away\)/,
  },
  {
    name: 'malformed events (not JSON, no type, an array, cut JSON): ignored with one warning',
    fault: async (upstream) => {
      upstream.sendRaw('this is not JSON');
      upstream.sendRaw('{"no":"type"}');
      upstream.sendRaw('[1,2,3]');
      upstream.sendRaw('{"type":');
      return upstream;
    },
    warn: /^malformed event from upstream ignored$/,
  },
  {
    name: 'an error event session_expired and a close: continues on a new session',
    fault: async (upstream) => {
      const next = nextConnection();
      upstream.expire();
      return next;
    },
    warn: /^upstream error: Your session hit the maximum duration/,
  },
  {
    // Not forwarded: AVR core ends the call on any error message (#16); the warn line tells it.
    name: 'an error event invalid_value: logged, not forwarded, the call goes on',
    fault: async (upstream) => {
      upstream.error('invalid_value', "Invalid value: 'shimmerx'. Supported values are: 'alloy', 'marin'.");
      await waitUntil(() => app.logs.some((l) => /^upstream error: Invalid value: 'shimmerx'/.test(String(l.msg))));
      return upstream;
    },
    warn: /^upstream error: Invalid value: 'shimmerx'/,
  },
];

describe('upstream faults the call survives: the caller hears the agent again, one warn line', () => {
  it.each(survivedCases)('$name', async ({ name, fault, warn }) => {
    const uuid = `survive-${name.split(':')[0].replace(/\W+/g, '-')}`;
    const { client, upstream } = await openWsCall(app, fake, uuid);
    try {
      const carrying = await fault(upstream, client);
      // Caller audio reaches the session that carries on, and its answer reaches the caller.
      const before = carrying.audioBytesReceived();
      client.sendAudio(Buffer.alloc(320, 1));
      await waitUntil(() => carrying.audioBytesReceived() === before + 960, 3000, 'caller audio after the fault');
      const audioBefore = client.agentAudio().bytes.length;
      await carrying.sendResponse({ audioMs: 200, transcript: 'Still here.' });
      await client.until(
        () => client.messages.some((m) => m.type === 'transcript' && m.text === 'Still here.'),
        3000,
        'the answer after the fault',
      );
      expect(client.agentAudio().bytes.length - audioBefore).toBeGreaterThanOrEqual(3200);

      // Nothing the call survives is sent as an error message: AVR core would end the call.
      expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      const lines = warnOrError(app, uuid);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'warn' });
      expect(lines[0].msg).toMatch(warn);
    } finally {
      client.close();
    }
    await waitUntil(() => app.app.get(CallRegistry).size === 1, 3000, 'the call gone after hang-up');
    await witness.check();
  });
});
