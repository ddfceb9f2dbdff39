import { CallRegistry } from '../../src/call/call-registry.js';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { AvrHttpCall } from '../support/http-call.js';
import type { FakeRealtimeServer } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { findLine, openWsCall, waitUntil } from './support.js';
import { closedPort } from '../../scripts/ports.js';
import { withFakeUpstream } from '../support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/**
 * Who may call (AUTH_TOKEN on both transports, METRICS_AUTH_TOKEN on /metrics, health always
 * open), and that no credential ever reaches a log line, whatever happened on the call.
 */
const API_KEY = 'sk-proj-SECRETAPIKEY-0a1b2c3d4e5f';
const AUTH_TOKEN = 'auth-SECRET-7f3a9e-token';
const METRICS_TOKEN = 'metrics-SECRET-91bc44';
const WRONG_QUERY_TOKEN = 'wrong-QUERYSECRET-123';
const WRONG_BEARER = 'wrong-BEARERSECRET-456';

let fake: FakeRealtimeServer;
let app: TestApp;

beforeAll(async () => {
  fake = await upstream.start();
  app = await startTestApp(await appEnv());
});

/** Every secret set; avr_transfer will fail, since nothing answers at the AMI address. */
async function appEnv(): Promise<Record<string, string>> {
  return {
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: API_KEY,
    AUTH_TOKEN,
    METRICS_AUTH_TOKEN: METRICS_TOKEN,
    AMI_URL: `http://127.0.0.1:${await closedPort()}`,
    UPSTREAM_RECONNECT_BASE_MS: '20',
    LOG_LEVEL: 'trace',
  };
}

afterEach(() => fake.setMode('accept'));

afterAll(async () => {
  await app.close();
  await fake.close();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A WebSocket connection that must be turned away: close 1008, no call, no upstream. */
async function refusedWs(path: string, headers: Record<string, string> = {}, target = app): Promise<void> {
  const upgrades = fake.upgrades.length;
  const client = await AvrWsClient.connect(`${target.wsUrl}${path}`, headers);
  client.init('must-not-start');
  const closed = await client.closed;
  expect(closed).toEqual({ code: 1008, reason: 'unauthorised' });
  expect(client.messages).toEqual([]);
  expect(fake.upgrades.length).toBe(upgrades);
}

/** A WebSocket call that must work: the upstream is configured and the agent is heard. */
async function workingWs(uuid: string, path: string, headers: Record<string, string> = {}): Promise<void> {
  const client = await AvrWsClient.connect(`${app.wsUrl}${path}`, headers);
  const next = fake.connections.length;
  client.init(uuid);
  const upstream = await fake.waitForConnection(next);
  await upstream.waitFor('session.update');
  client.sendAudio(sineFrame());
  await waitUntil(() => upstream.audioBytesReceived() === 960);
  await upstream.sendResponse({ audioMs: 200 });
  await client.until(() => client.agentAudio().bytes.length >= 3200);
  client.close();
  expect((await client.closed).code).toBe(1000);
}

async function httpStatus(
  headers: Record<string, string>,
  path = '/speech-to-speech-stream',
  target = app,
): Promise<{ status: number; body: string; type: string }> {
  const upgrades = fake.upgrades.length;
  const res = await fetch(`${target.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'audio/x-raw', ...headers },
    body: sineFrame(),
  });
  const body = await res.text();
  if (res.status === 401) expect(fake.upgrades.length).toBe(upgrades);
  return { status: res.status, body, type: res.headers.get('content-type') ?? '' };
}

describe('AUTH_TOKEN on calls', () => {
  it.each([
    ['no token', '/', {}],
    ['a wrong ?token=', `/?token=${WRONG_QUERY_TOKEN}`, {}],
    ['an empty ?token=', '/?token=', {}],
    ['the token with a suffix', `/?token=${AUTH_TOKEN}x`, {}],
    ['the token as a prefix of it', `/?token=${AUTH_TOKEN.slice(0, -1)}`, {}],
    ['a wrong bearer', '/', bearer(WRONG_BEARER)],
    ['the token under another scheme (Basic)', '/', { Authorization: `Basic ${AUTH_TOKEN}` }],
    ['the token as another query key', `/?auth=${AUTH_TOKEN}`, {}],
  ])('WebSocket with %s: close 1008, no call', async (_name, path, headers) => {
    await refusedWs(path, headers);
    expect(app.app.get(CallRegistry).size).toBe(0);
  });

  it('WebSocket with the right ?token=: the call works', async () => {
    await workingWs('auth-query', `/?token=${encodeURIComponent(AUTH_TOKEN)}&from=2000`);
  });

  it('WebSocket with the right Authorization: Bearer: the call works', async () => {
    await workingWs('auth-bearer', '/?from=2000', bearer(AUTH_TOKEN));
  });

  it('WebSocket with a wrong bearer but the right ?token=: the call works (either credential suffices)', async () => {
    await workingWs('auth-either', `/?token=${AUTH_TOKEN}`, bearer(WRONG_BEARER));
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong bearer', bearer(WRONG_BEARER)],
    ['the token without the Bearer scheme', { Authorization: AUTH_TOKEN }],
  ])('HTTP with %s: 401 JSON, no call', async (_name, headers) => {
    const res = await httpStatus({ 'X-UUID': 'http-unauthorised', ...headers });
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'unauthorised' });
  });

  it('HTTP with the token in the query string only: 401 (the query token is for WebSocket)', async () => {
    const res = await httpStatus({}, `/speech-to-speech-stream?token=${AUTH_TOKEN}`);
    expect(res.status).toBe(401);
  });

  it('HTTP with the right bearer: the call streams both ways', async () => {
    const next = fake.connections.length;
    const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'auth-http', ...bearer(AUTH_TOKEN) });
    const upstream = await fake.waitForConnection(next);
    await upstream.waitFor('session.update');
    expect((await call.response).statusCode).toBe(200);
    call.write(sineFrame());
    await waitUntil(() => upstream.audioBytesReceived() === 960);
    await upstream.sendResponse({ audioMs: 200 });
    await waitUntil(() => call.received().length >= 3200);
    call.end();
    await call.finished;
  });
});

describe('health and metrics access', () => {
  it.each(['/health/live', '/health/ready'])('%s answers 200 without any token', async (path) => {
    const res = await fetch(`${app.httpUrl}${path}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });

  it.each([
    ['no token', 401, {}],
    ['the call AUTH_TOKEN', 401, bearer(AUTH_TOKEN)],
    ['a wrong token', 401, bearer(WRONG_BEARER)],
    ['METRICS_AUTH_TOKEN', 200, bearer(METRICS_TOKEN)],
  ])('/metrics with %s: %d', async (_name, status, headers) => {
    const res = await fetch(`${app.httpUrl}/metrics`, { headers });
    expect(res.status).toBe(status);
    const body = await res.text();
    if (status === 401) expect(JSON.parse(body)).toEqual({ error: 'unauthorised' });
    else expect(body).toMatch(/^# HELP /m);
  });
});

describe('secrets never reach the logs', () => {
  // Its own app, so the log holds exactly this scenario.
  let own: TestApp;
  beforeAll(async () => {
    own = await startTestApp(await appEnv());
  });
  afterAll(async () => {
    await own.close();
  });

  it('full calls with refusals, an upstream 401, a failed tool and a dropped upstream log no credential', async () => {
    // Refused callers, over both transports, with wrong credentials of their own.
    await refusedWs(`/?token=${WRONG_QUERY_TOKEN}&from=100`, {}, own);
    await refusedWs('/', bearer(WRONG_BEARER), own);
    expect((await httpStatus(bearer(WRONG_BEARER), undefined, own)).status).toBe(401);

    // A good call authorised by ?token=, whose upstream calls a tool that fails, then drops.
    const { client, upstream } = await openWsCall(own, fake, 'secrets-call', `?token=${AUTH_TOKEN}&from=2000`);
    await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    const output = await upstream.waitFor('conversation.item.create', (e) => e.item?.type === 'function_call_output');
    expect(output.item.output).toMatch(/^Error/);
    const next = fake.connections.length;
    upstream.drop();
    const renewed = await fake.waitForConnection(next);
    await renewed.waitFor('session.update');
    expect(renewed.headers.authorization).toBe(`Bearer ${API_KEY}`);
    await renewed.sendResponse({ audioMs: 200, transcript: 'Sorry, the transfer did not work.' });
    await client.until(() => client.count('transcript') >= 1);
    client.close();
    await renewed.closed;

    // A call whose upstream refuses our key; the refusal body quotes it, as a verbose proxy might.
    fake.setMode({
      refuseStatus: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}`, code: 'invalid_api_key' } }),
    });
    const refused = await AvrWsClient.connect(`${own.wsUrl}/?token=${AUTH_TOKEN}`);
    refused.init('secrets-upstream-401');
    expect((await refused.closed).code).toBe(1011);
    fake.setMode('accept');

    // The metrics page, scraped with its token.
    const metrics = await (await fetch(`${own.httpUrl}/metrics`, { headers: bearer(METRICS_TOKEN) })).text();
    await waitUntil(() => own.app.get(CallRegistry).size === 0);

    // The log saw all of it...
    for (const msg of [
      /^WebSocket call refused/,
      /^HTTP call refused/,
      /^tool call failed$/,
      /^upstream lost/,
      /^upstream connect failed: .*HTTP 401/,
    ]) {
      expect(findLine(own, msg)).toBeDefined();
    }
    // ...and none of the secrets, in any form the service had them.
    const logs = own.rawLogs();
    for (const secret of [API_KEY, AUTH_TOKEN, METRICS_TOKEN, WRONG_QUERY_TOKEN, WRONG_BEARER, 'SECRET']) {
      expect({ secret, inLogs: logs.includes(secret), inMetrics: metrics.includes(secret) }).toEqual({
        secret,
        inLogs: false,
        inMetrics: false,
      });
    }
  });
});
