import http from 'node:http';
import type { Socket } from 'node:net';
import { CallRegistry } from '../../src/call/call-registry.js';
import type { FakeRealtimeServer, FakeConnection } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { delay, findLine, openWsCall, waitUntil, WsWitness } from './support.js';
import { withFakeUpstream } from '../support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/**
 * Back-pressure: a client that stops reading while the upstream pours agent audio. The service
 * must not buffer without bound: once MAX_CLIENT_BUFFER_BYTES of agent audio waits for that
 * client, its call ends with an error, while a call beside it goes on hearing its agent.
 */
const MAX_CLIENT_BUFFER_BYTES = 65536;
/** Longest pour: far more than the kernel's socket buffers can hide (about 4 MB here). */
const MAX_POUR_MS = 900_000;
const POUR_CHUNK_MS = 5000;

let fake: FakeRealtimeServer;
let app: TestApp;
let witness: WsWitness;

beforeAll(async () => {
  fake = await upstream.start();
  app = await startTestApp({
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: 'sk-backpressure',
    MAX_CLIENT_BUFFER_BYTES: String(MAX_CLIENT_BUFFER_BYTES),
    LOG_LEVEL: 'info',
  });
  witness = await WsWitness.open(app, fake);
});

afterAll(async () => {
  witness.close();
  await app.close();
  await fake.close();
});

/**
 * Sends agent audio as fast as the loopback takes it, with the witness checked between chunks,
 * until the call's upstream is closed (the call ended). Returns the audio sent, in ms.
 */
async function pourUntilClosed(upstream: FakeConnection): Promise<number> {
  let closed = false;
  void upstream.closed.then(() => (closed = true));
  const response = upstream.startResponse();
  let sentMs = 0;
  let chunks = 0;
  while (!closed && sentMs < MAX_POUR_MS) {
    response.sendAudio(POUR_CHUNK_MS);
    sentMs += POUR_CHUNK_MS;
    // Every few chunks the good call beside it must still get all of its audio, both ways.
    if (++chunks % 10 === 0) await witness.check();
    else await delay(1);
  }
  return sentMs;
}

function endedLine(uuid: string): Record<string, unknown> {
  const line = findLine(app, /^call ended/, uuid);
  expect(line).toBeDefined();
  return line!;
}

describe('a client that stops reading agent audio', () => {
  it('WebSocket: the buffered audio stays under the bound, the call ends with an error, the witness keeps its audio', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'bp-ws');
    // The client stops reading: the kernel buffers fill, then the service's own buffer.
    const socket = (client.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const pouredMs = await pourUntilClosed(upstream);
    expect(pouredMs).toBeLessThan(MAX_POUR_MS);

    const ended = endedLine('bp-ws');
    expect(ended).toMatchObject({ level: 'warn', outcome: 'error' });
    const pending = Number(/\((\d+) bytes pending\)/.exec(String(ended.msg))?.[1]);
    // Ended on the first frame past the limit: at most one more message (a 320-byte frame in base64 JSON).
    expect(pending).toBeGreaterThan(MAX_CLIENT_BUFFER_BYTES);
    expect(pending).toBeLessThanOrEqual(MAX_CLIENT_BUFFER_BYTES + 500);
    expect(app.app.get(CallRegistry).size).toBe(1);

    // Reading again, the client gets every frame sent before the end, then why, then 1011.
    socket.resume();
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    expect(client.count('audio')).toBe(ended.framesOut);
    expect(client.messages.at(-1)).toEqual({ type: 'error', message: 'agent audio is not being read; ending the call' });
    await witness.check();
  });

  it('HTTP: a response nobody reads ends the call with an error and frees its upstream', async () => {
    const from = fake.connections.length;
    const req = http.request(new URL('/speech-to-speech-stream', app.httpUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'audio/x-raw', 'X-UUID': 'bp-http' },
    });
    req.on('error', () => undefined);
    req.flushHeaders();
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
    expect(res.statusCode).toBe(200);
    res.pause();
    res.socket.pause();
    const upstream = await fake.waitForConnection(from);
    await upstream.waitFor('session.update');
    const pouredMs = await pourUntilClosed(upstream);
    expect(pouredMs).toBeLessThan(MAX_POUR_MS);

    const ended = endedLine('bp-http');
    expect(ended).toMatchObject({ level: 'warn', outcome: 'error' });
    const pending = Number(/\((\d+) bytes pending\)/.exec(String(ended.msg))?.[1]);
    expect(pending).toBeGreaterThan(MAX_CLIENT_BUFFER_BYTES);
    expect(pending).toBeLessThanOrEqual(MAX_CLIENT_BUFFER_BYTES + 320);
    expect(app.app.get(CallRegistry).size).toBe(1);

    // Reading again, the client gets the audio sent before the end, then the end of the body.
    let bytes = 0;
    res.on('data', (c: Buffer) => (bytes += c.length));
    const done = new Promise<void>((resolve) => res.on('close', () => resolve()));
    res.socket.resume();
    res.resume();
    await done;
    expect(bytes).toBe(Number(ended.framesOut) * 320);
    req.destroy();
    await waitUntil(() => app.app.get(CallRegistry).size === 1);
    await witness.check();
  });
});
