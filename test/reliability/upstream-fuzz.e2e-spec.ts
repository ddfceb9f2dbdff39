import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { RecordReceiver } from '../../src/records/testing/record-receiver.js';
import { seededRandom } from '../../src/audio/testing/signals.js';
import { makeToolsDir, removeDir } from '../../src/tools/testing/tools-test-kit.js';
import { sineFrame } from '../support/avr-client.js';
import type { FakeConnection } from '../support/fake-realtime-server.js';
import { FakeRealtimeServer } from '../support/fake-realtime-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { rssMb } from './edge.js';
import { delay, findLine, linesOf, openWsCall, waitUntil, WsWitness } from './support.js';

/**
 * Issue #20, the upstream side: what a broken or hostile OpenAI upstream can send (random and
 * structured events, wrong types in every field, deep nesting, huge strings, binary frames, a
 * socket that stops reading, thousands of codes and tool calls) ends at most the call it is sent
 * to. A witness call on its own upstream connection keeps all its audio throughout, and no
 * configured secret leaves the process by any road.
 */
const SEED = 0x0bad5eed;
const FUZZ_CALLS = 8;
const EVENTS_PER_CALL = 500;
/** Distinct error codes and tool names one call sends, each a would-be metric series. */
const DISTINCT_LABELS = 3000;
const API_KEY = 'sk-proj-UPFUZZ-SECRET-0123456789abcdef';
const AMI_PASSWORD = 'amipass-UPFUZZ-SECRET-42';
const MAX_SEND_BUFFER = 16384;

/** The same sequence on every run. */
const rand = seededRandom(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

function randomString(max = 30): string {
  let s = '';
  for (let i = int(max); i > 0; i--) {
    const r = rand();
    s += String.fromCharCode(r < 0.75 ? 0x20 + int(95) : r < 0.85 ? int(0x20) : r < 0.92 ? 0xd800 + int(0x800) : 0x4e00 + int(500));
  }
  return s;
}

/** A value of any JSON type (and sizes), to put where a field of another type belongs. */
function wrongValue(depth = 0): unknown {
  const r = rand();
  if (r < 0.2) return randomString();
  if (r < 0.35) return pick([0, -1, 1e308, 3.5, 2 ** 53, -0]);
  if (r < 0.5) return pick([true, false, null]);
  if (r < 0.6 || depth > 3) return pick(['', 'x'.repeat(100_000), API_KEY, `quote ${API_KEY}`]);
  if (r < 0.8) return Array.from({ length: int(4) }, () => wrongValue(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(4); i > 0; i--)
    o[pick(['type', 'id', 'code', 'message', '__proto__', 'constructor', randomString(8)])] = wrongValue(depth + 1);
  return o;
}

const audioB64 = (ms: number) => Buffer.alloc(ms * 48, 1).toString('base64');

/** Well-formed GA server events, one of each kind the call engine reads (and some it does not). */
function structuredEvent(): Record<string, unknown> {
  const itemId = `item_${int(5)}`;
  const responseId = `resp_${int(5)}`;
  return pick<() => Record<string, unknown>>([
    () => ({
      type: 'error',
      event_id: 'e1',
      error: {
        type: 'invalid_request_error',
        code: pick(['invalid_value', randomString(12), 'session_expired']),
        message: randomString(200),
        param: null,
        event_id: pick([null, 'evt_x']),
      },
    }),
    () => ({
      type: 'response.created',
      event_id: 'e2',
      response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
    }),
    () => ({
      type: 'response.output_audio.delta',
      event_id: 'e3',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: audioB64(pick([0, 10, 20, 40])),
    }),
    () => ({
      type: 'response.output_audio.done',
      event_id: 'e4',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
    }),
    () => ({
      type: 'response.output_audio_transcript.done',
      event_id: 'e5',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      transcript: randomString(100),
    }),
    () => ({
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'e6',
      item_id: itemId,
      content_index: 0,
      transcript: randomString(100),
    }),
    () => ({
      type: 'conversation.item.input_audio_transcription.failed',
      event_id: 'e7',
      item_id: itemId,
      content_index: 0,
      error: { type: 'server_error', code: randomString(10), message: randomString(50) },
    }),
    () => ({ type: 'input_audio_buffer.speech_started', event_id: 'e8', item_id: itemId, audio_start_ms: int(10000) }),
    () => ({ type: 'input_audio_buffer.speech_stopped', event_id: 'e9', item_id: itemId, audio_end_ms: int(10000) }),
    () => ({
      type: 'response.output_item.done',
      event_id: 'e10',
      response_id: responseId,
      output_index: 0,
      item: {
        id: itemId,
        type: 'function_call',
        status: pick(['completed', 'incomplete']),
        name: pick(['quote_back', 'avr_transfer', randomString(10)]),
        call_id: `call_${int(1e6)}`,
        arguments: pick(['{}', '{"text":"hi"}', '[', '']),
      },
    }),
    () => ({
      type: 'response.done',
      event_id: 'e11',
      response: {
        id: responseId,
        object: 'realtime.response',
        status: pick(['completed', 'cancelled', 'failed', 'incomplete', 'in_progress', randomString(5)]),
        status_details: {
          type: 'failed',
          reason: randomString(20),
          error: { type: 'server_error', code: pick(['server_error', randomString(8)]) },
        },
        output: [],
        usage: {
          total_tokens: 10,
          input_tokens: 5,
          output_tokens: 5,
          input_token_details: { text_tokens: 1, audio_tokens: 4 },
          output_token_details: { text_tokens: 1, audio_tokens: 4 },
        },
      },
    }),
    () => ({ type: 'session.updated', event_id: 'e12', session: { type: 'realtime', object: 'realtime.session' } }),
    () => ({
      type: pick([
        'rate_limits.updated',
        'response.function_call_arguments.delta',
        'conversation.item.added',
        randomString(20),
        'x'.repeat(5000),
      ]),
      event_id: 'e13',
    }),
  ])();
}

/** Every field at every level of a structured event, in turn, may get a value of the wrong type. */
function mutate(ev: Record<string, unknown>, depth = 0): Record<string, unknown> {
  for (const key of Object.keys(ev)) {
    const v = ev[key];
    if (rand() < 0.15) ev[key] = wrongValue();
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth < 3) mutate(v as Record<string, unknown>, depth + 1);
  }
  return ev;
}

type Frame = { text: string } | { binary: Buffer };

function fuzzFrame(): Frame {
  const r = rand();
  if (r < 0.35) return { text: JSON.stringify(structuredEvent()) };
  if (r < 0.75) return { text: JSON.stringify(mutate(structuredEvent())) };
  if (r < 0.8) return { binary: Buffer.from(Array.from({ length: int(300) }, () => int(256))) };
  if (r < 0.85) return { text: `{"type":"response.done","response":${'['.repeat(5000 + int(50000))}${']'.repeat(100)}` };
  if (r < 0.88) return { text: `{"type":"error","error":{"code":"x","message":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}}` };
  if (r < 0.92) return { text: JSON.stringify(wrongValue()) };
  if (r < 0.95) return { text: randomString(200) };
  return {
    text: JSON.stringify({ type: 'response.output_audio_transcript.done', item_id: 'big', transcript: 'y'.repeat(200_000 + int(300_000)) }),
  };
}

function sendFrame(upstream: FakeConnection, frame: Frame): void {
  if ('text' in frame) upstream.sendRaw(frame.text);
  else {
    // The fake has no binary sender: its socket, as the real server's would be.
    const ws = (upstream as unknown as { ws: WebSocket }).ws;
    if (ws.readyState === WebSocket.OPEN) ws.send(frame.binary, { binary: true });
  }
}

/** An AMI service that answers each request after 100 ms (with an error naming its password) and records how many were open at once. */
class SlowAmi {
  open = 0;
  mostOpen = 0;
  requests = 0;
  private readonly server = http.createServer((req, res) => {
    this.requests++;
    this.mostOpen = Math.max(this.mostOpen, ++this.open);
    req.resume();
    setTimeout(() => {
      this.open--;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `busy (login ami:${AMI_PASSWORD})` }));
    }, 100);
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://ami:${AMI_PASSWORD}@127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const TOOL_FILES = {
  // A tool that answers with what it is given: a CRM quoting back a credential.
  'quote.mjs': `export default { name: 'quote_back', description: 'Quotes its text', input_schema: { type: 'object', properties: { text: { type: 'string' } } }, handler: async (uuid, { text }) => 'the CRM says: ' + text };`,
};

let fake: FakeRealtimeServer;
let receiver: RecordReceiver;
let ami: SlowAmi;
let toolsDir: string;
let app: TestApp;
let witness: WsWitness;
const faults: unknown[] = [];
const onFault = (err: unknown) => void faults.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  fake = await FakeRealtimeServer.start();
  receiver = new RecordReceiver();
  ami = new SlowAmi();
  toolsDir = await makeToolsDir(TOOL_FILES);
  app = await startTestApp({
    OPENAI_REALTIME_URL: fake.url,
    OPENAI_API_KEY: API_KEY,
    AMI_URL: await ami.start(),
    CALL_SUMMARY_URL: await receiver.start(),
    TOOLS_DIR: toolsDir,
    UPSTREAM_RECONNECT_BASE_MS: '20',
    // A frozen upstream must stay frozen (no ping timeout) for the send-buffer bound to be what acts.
    OPENAI_HEARTBEAT_MS: '60000',
    OPENAI_MAX_SEND_BUFFER_BYTES: String(MAX_SEND_BUFFER),
    CALL_CONTROL_WAIT_MS: '0',
    MAX_CONCURRENT_CALLS: '40',
    LOG_LEVEL: 'debug',
  });
  witness = await WsWitness.open(app, fake, 'upfuzz-witness');
});

afterAll(async () => {
  witness.close();
  await app.close();
  await receiver.stop();
  await ami.close();
  await fake.close();
  await removeDir(toolsDir);
  process.off('uncaughtException', onFault);
  process.off('unhandledRejection', onFault);
});

async function serviceAndWitnessFine(): Promise<void> {
  await witness.check();
  expect((await fetch(`${app.httpUrl}/health/live`)).status).toBe(200);
  expect(faults).toEqual([]);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${app.httpUrl}/metrics`)).text();
}

const seriesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('fuzzing the upstream (fixed seed, bounded count)', () => {
  it(`${FUZZ_CALLS} calls x ${EVENTS_PER_CALL} random and structured server events: the process stays up, the witness keeps all its audio, the calls end no worse than closed`, async () => {
    const calls = [];
    for (let i = 0; i < FUZZ_CALLS; i++) calls.push(await openWsCall(app, fake, `upfuzz-${i}`));
    const counts = { text: 0, binary: 0 };
    for (let round = 0; round < 5; round++) {
      for (const { upstream } of calls) {
        for (let n = 0; n < EVENTS_PER_CALL / 5; n++) {
          const frame = fuzzFrame();
          counts['text' in frame ? 'text' : 'binary']++;
          sendFrame(upstream, frame);
        }
      }
      await serviceAndWitnessFine();
    }
    // A call ends (or goes on) only through documented closes; none brought down its neighbour.
    expect(counts.text + counts.binary).toBe(FUZZ_CALLS * EVENTS_PER_CALL);
    const ended = calls.filter(({ client }) => client.ws.readyState !== WebSocket.OPEN).length;
    console.log(
      `upstream fuzz: ${counts.text} text and ${counts.binary} binary frames into ${FUZZ_CALLS} calls (${ended} ended by them), ${witness.checks} witness checks`,
    );
    for (const { client } of calls) {
      if (client.ws.readyState === WebSocket.CLOSED) expect([1000, 1011]).toContain((await client.closed).code);
      client.close();
    }
    // Thousands of distinct codes and tool names (each a new series, if labels were not bounded).
    const { client: labels, upstream: labelsUp } = await openWsCall(app, fake, 'upfuzz-labels');
    for (let i = 0; i < DISTINCT_LABELS; i++) labelsUp.error(`code_${i}_${randomString(6)}`, 'distinct');
    labelsUp.toolCalls(Array.from({ length: DISTINCT_LABELS / 10 }, (_, i) => ({ name: `tool_${i}`, args: {} })));
    await waitUntil(() => labelsUp.count('conversation.item.create') >= DISTINCT_LABELS / 10, 10_000, 'the unknown tools answered');
    labels.close();
    const metrics = await metricsText();
    expect(seriesOf(metrics, 'avr_sts_upstream_errors_total').length).toBeLessThanOrEqual(40);
    expect(seriesOf(metrics, 'avr_sts_tool_calls_total').length).toBeLessThanOrEqual(20);
    // No line of the run carries a huge upstream string whole.
    const longest = Math.max(
      ...app
        .rawLogs()
        .split('\n')
        .map((l) => l.length),
    );
    expect(longest).toBeLessThan(64 * 1024);
    await serviceAndWitnessFine();
  });
});

describe('unbounded growth from the upstream', () => {
  it('a 10 MB error message is logged cut, and the call goes on', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'huge-error');
    upstream.error('invalid_value', 'E'.repeat(10 * 1024 * 1024));
    const errorLine = () => linesOf(app, 'huge-error').find((l) => /upstream error/.test(String(l.msg)));
    await waitUntil(() => errorLine() !== undefined, 5000, 'the error line');
    const line = errorLine();
    expect(JSON.stringify(line).length).toBeLessThan(2000);
    await upstream.sendResponse({ audioMs: 100, transcript: 'still here' });
    await client.until(() => client.count('transcript') >= 1, 5000, 'the next response');
    client.close();
    await serviceAndWitnessFine();
  });

  it('transcripts are bounded per item and per call: 40 of 1 MB each leave a record of at most ~200 k characters of conversation', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'huge-transcripts');
    for (let i = 0; i < 40; i++) upstream.userTranscript(`${i} ${'t'.repeat(1024 * 1024)}`, `item_big_${i}`);
    await client.until(() => client.count('transcript') >= 40, 10_000, 'the transcripts');
    // What reaches the client is cut at the edge too: no message of megabytes.
    expect(Math.max(...client.messages.filter((m) => m.type === 'transcript').map((m) => JSON.stringify(m).length))).toBeLessThan(
      20 * 1024,
    );
    client.close();
    await waitUntil(() => receiver.uuids().includes('huge-transcripts'), 5000, 'the record');
    const record = receiver.received.find((r) => r.headers['x-avr-uuid'] === 'huge-transcripts')!;
    expect(record.body.length).toBeLessThan(300_000);
    expect(record.body).toContain('39 ttt');
    await serviceAndWitnessFine();
  });

  it('a 2 MB audio delta is dropped and counted; a 20 MB one ends that upstream connection (1009), not the call', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'huge-delta');
    const next = fake.connections.length;
    /** An audio delta whose base64 text is `mb` MiB long. */
    const audioDelta = (mb: number) =>
      JSON.stringify({
        type: 'response.output_audio.delta',
        response_id: 'r',
        item_id: 'i',
        output_index: 0,
        content_index: 0,
        delta: 'AAAA'.repeat(mb * 256 * 1024),
      });
    upstream.sendRaw(audioDelta(2));
    await waitUntil(() => findLine(app, /oversized audio delta/) !== undefined, 5000, 'the oversized-delta line');
    upstream.sendRaw(audioDelta(20));
    const again = await fake.waitForConnection(next, 10_000);
    await again.waitFor('session.update');
    await again.sendResponse({ audioMs: 200, transcript: 'after the huge delta' });
    await client.until(() => client.count('transcript') >= 1, 5000, 'the response on the new session');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
    // Of the oversized deltas no audio reached the caller: only the 200 ms response (3200 bytes at 8 kHz).
    expect(client.agentAudio().bytes.length).toBeLessThanOrEqual(3200 + 320);
    client.close();
    await serviceAndWitnessFine();
  });

  it('1,000 tool calls at once from one call: at most TOOL_MAX_CONCURRENT_PER_CALL (4) AMI requests open, every call answered', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'tool-storm');
    const before = ami.requests;
    upstream.toolCalls(
      Array.from({ length: 1000 }, (_, i) => ({ name: 'avr_transfer', args: { transfer_extension: String(600 + (i % 10)) } })),
    );
    await waitUntil(() => upstream.count('conversation.item.create') >= 1000, 15_000, 'an output for every call');
    expect(ami.mostOpen).toBeLessThanOrEqual(4);
    expect(ami.requests - before).toBeGreaterThanOrEqual(4);
    expect(ami.requests - before).toBeLessThan(1000);
    const outputs = upstream.received.filter((e) => e.type === 'conversation.item.create').map((e) => String(e.item?.output));
    expect(outputs.filter((o) => /at most 4 tool calls can run at once/.test(o)).length).toBeGreaterThan(900);
    await upstream.waitFor('response.create');
    client.close();
    await serviceAndWitnessFine();
  });
});

describe('an upstream that stops reading', () => {
  // The drop itself (kernel buffers fill only after megabytes, more than a caller may send in a
  // test's time) is driven straight through the client in src/realtime/realtime-client.spec.ts.
  it('a frozen upstream holds no memory and no neighbour back: its call stays open, the witness keeps all its audio', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'slow-upstream');
    upstream.freeze();
    const rssBefore = rssMb();
    let sample = 0;
    const feed = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        client.sendAudio(sineFrame(300, 6000, sample));
        sample += 160;
      }
    }, 20);
    try {
      await delay(2000);
      await serviceAndWitnessFine();
    } finally {
      clearInterval(feed);
    }
    expect(rssMb() - rssBefore).toBeLessThan(100);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
    client.close();
  });
});

describe('secrets never leave the process, upstream side', () => {
  it('an upstream error and a transcript quoting the API key, a tool and AMI answering with credentials: no secret in any log line, record, metric, tool output or client message', async () => {
    const { client, upstream } = await openWsCall(app, fake, 'upstream-secrets');
    upstream.error('invalid_value', `bad ${encodeURIComponent(API_KEY)} ${JSON.stringify(API_KEY)}`);
    upstream.userTranscript(`my key is ${API_KEY}`, 'item_secret');
    await upstream.toolCall('quote_back', { text: `the key is ${API_KEY} and the AMI password ${AMI_PASSWORD}` });
    await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    await waitUntil(() => upstream.count('conversation.item.create') >= 2, 5000, 'both tool outputs');
    // Last, as it ends the call: the fatal refusal of a key, quoted in full by the server.
    upstream.error('invalid_api_key', `Incorrect API key provided: ${API_KEY}.`);
    await client.closed;
    await waitUntil(() => receiver.uuids().includes('upstream-secrets'), 5000, 'the record');
    const toolOutputs = fake
      .allReceived()
      .filter((e) => e.type === 'conversation.item.create')
      .map((e) => JSON.stringify(e));
    const everything = [
      app.rawLogs(),
      ...receiver.received.map((r) => r.body + JSON.stringify(r.headers)),
      await metricsText(),
      ...toolOutputs,
      JSON.stringify(client.messages),
      JSON.stringify(witness.client.messages),
    ].join('\n');
    expect(everything).toContain('the CRM says: the key is [redacted]');
    for (const secret of [API_KEY, AMI_PASSWORD, encodeURIComponent(API_KEY)])
      expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
    await serviceAndWitnessFine();
  });
});
