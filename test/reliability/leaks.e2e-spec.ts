import http from 'node:http';
import type { Server } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CallRegistry } from '../../src/call/call-registry.js';
import { RealtimeSimulator } from '../../src/simulator/index.js';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { waitUntil } from './support.js';

/**
 * 1,000 short calls one after another against one app: afterwards nothing of them is left, no
 * call in the registry, no socket, no timer, no upstream connection, and the heap is back to
 * where it was. The upstream is the product's own simulator without real-time pacing (it keeps
 * nothing per closed session), so the heap measured is the service's.
 */
const CALLS = 1000;
const WARM_UP_CALLS = 50;
/** Caller turn: 100 ms of tone (speech for the simulator's VAD), then 600 ms of silence ends it. */
const TONE_FRAMES = 5;
const SILENCE_FRAMES = 30;
const HEAP_GROWTH_LIMIT = 10 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let simulator: RealtimeSimulator;
let app: TestApp;

beforeAll(async () => {
  simulator = new RealtimeSimulator({ reply: 'echo', realTimePacing: false });
  const url = await simulator.start();
  app = await startTestApp({ OPENAI_REALTIME_URL: url, OPENAI_API_KEY: 'sk-leaks', LOG_LEVEL: 'warn', HTTP_END_GRACE_MS: '1000' });
});

afterAll(async () => {
  await app.close();
  await simulator.close();
});

function callerTurn(): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < TONE_FRAMES; i++) frames.push(sineFrame(440, 8000, i * 160));
  for (let i = 0; i < SILENCE_FRAMES; i++) frames.push(Buffer.alloc(320));
  return frames;
}

/** One WebSocket call: init, a caller turn, the echoed answer, hang up. Returns agent bytes heard. */
async function wsCall(n: number): Promise<number> {
  const client = await AvrWsClient.connect(app.wsUrl);
  client.init(`leak-ws-${n}`);
  for (const f of callerTurn()) client.sendAudio(f);
  await client.until(() => client.count('transcript') >= 2, 5000, `call ${n}: the echoed answer`);
  await client.until(() => client.agentAudio().bytes.length >= TONE_FRAMES * 320, 5000, `call ${n}: the answer's audio`);
  client.close();
  await client.closed;
  if (client.count('error') > 0)
    throw new Error(`call ${n} got errors: ${JSON.stringify(client.messages.filter((m) => m.type === 'error'))}`);
  return client.agentAudio().bytes.length;
}

/** One HTTP call: a caller turn in the body, the echoed answer in the response, end of body. */
async function httpCall(n: number): Promise<number> {
  const req = http.request(new URL('/speech-to-speech-stream', app.httpUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'audio/x-raw', 'X-UUID': `leak-http-${n}` },
  });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
    req.flushHeaders();
  });
  let bytes = 0;
  let resolveAnswer: () => void;
  const answered = new Promise<void>((r) => (resolveAnswer = r));
  res.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes >= TONE_FRAMES * 320) resolveAnswer();
  });
  const ended = new Promise<void>((r) => res.on('close', () => r()));
  for (const f of callerTurn()) req.write(f);
  await answered;
  req.end();
  await ended;
  if (res.statusCode !== 200) throw new Error(`HTTP call ${n} answered ${res.statusCode}`);
  return bytes;
}

async function runCalls(count: number, offset: number): Promise<number> {
  let heard = 0;
  // One call in four over HTTP, the rest over WebSocket, as a mixed fleet of AVR cores would.
  for (let i = 0; i < count; i++) heard += (offset + i) % 4 === 3 ? await httpCall(offset + i) : await wsCall(offset + i);
  return heard;
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function settled(): Promise<void> {
  const registry = app.app.get(CallRegistry);
  const server = app.app.getHttpServer() as Server;
  const openConnections = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
  await waitUntil(() => registry.size === 0, 5000, 'no call in the registry');
  await waitUntil(() => simulator.connectionCount === 0, 5000, 'no upstream connection open');
  await waitUntil(async () => (await openConnections()) === 0, 5000, 'no client connection open on the app');
  // Let close handshakes and their guard timers finish.
  await new Promise((r) => setTimeout(r, 200));
}

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

it(`${CALLS} sequential short calls leave no call, socket, timer or heap behind`, async () => {
  await runCalls(WARM_UP_CALLS, 0);
  await settled();
  const resourcesBefore = resourceCounts();
  const heapBefore = heapUsed();

  const heard = await runCalls(CALLS, WARM_UP_CALLS);
  // Every call heard its answer.
  expect(heard).toBeGreaterThanOrEqual(CALLS * TONE_FRAMES * 320);
  await settled();
  const resourcesAfter = resourceCounts();
  const heapAfter = heapUsed();

  expect(app.app.get(CallRegistry).size).toBe(0);
  expect(simulator.connectionCount).toBe(0);
  // A small constant of slack per kind (e.g. a keep-alive timer of the test's own HTTP agent).
  const grown = Object.keys(resourcesAfter).filter((type) => resourcesAfter[type] > (resourcesBefore[type] ?? 0) + 3);
  expect(grown.map((type) => `${type}: ${resourcesBefore[type] ?? 0} -> ${resourcesAfter[type]}`)).toEqual([]);
  const growth = heapAfter - heapBefore;
  process.stdout.write(
    `leaks: ${CALLS} calls; heap ${(heapBefore / 1048576).toFixed(1)} -> ${(heapAfter / 1048576).toFixed(1)} MB; resources before ${JSON.stringify(resourcesBefore)} after ${JSON.stringify(resourcesAfter)}\n`,
  );
  expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT);
  expect(app.logs.filter((l) => l.level === 'error')).toEqual([]);
}, 120_000);
