import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioFactory, Framer } from '../src/audio/index.js';
import { mulawToPcm16, pcm16ToMulaw } from '../src/audio/g711.js';
import { BEGIN_PROMPT, USER_TEXT_PREFIX } from '../src/live/index.js';
import { RecordReceiver } from '../src/records/testing/record-receiver.js';
import { startFakeAmi, type FakeAmi } from '../src/tools/testing/tools-test-kit.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectHangupAfterGoodbye } from './support/hangup-scenario.js';
import { orderStatusTool } from './support/tool-files.js';
import { FakeLiveServer, type FakeLiveConnection } from './support/fake-live-server.js';
import { AvrHttpCall } from './support/http-call.js';
import { waitUntil } from './support/wait.js';

type Json = Record<string, any>;

const INSTRUCTIONS = 'You are the support line of a parcel company.';
const GREETING = 'Say hello and ask for the order number.';

/** What the service must send the caller for GPT-Live μ-law output: decoded (no resampling), 320-byte frames, tail flushed. */
function expectedAgentAudio(mulaw: Buffer): Buffer {
  const framer = new Framer();
  const frames: Buffer[] = [];
  framer.push(mulawToPcm16(mulaw), (f) => frames.push(f));
  framer.flush((f) => frames.push(f));
  return Buffer.concat(frames);
}

/** `count` consecutive 20 ms caller frames of a 440 Hz sine (8 kHz 16-bit, as AVR core sends). */
function callerFrames(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => sineFrame(440, 8000, i * 160));
}

/**
 * GPT-Live calls end to end: the real app with OPENAI_INTERFACE=live on a real port, AVR core's
 * WebSocket and HTTP sides as real clients, the strict fake GPT-Live server (it refuses unknown
 * fields and anything before session.started), a real AMI stand-in and a real call-record receiver.
 */
describe('GPT-Live calls', () => {
  let fake: FakeLiveServer;
  let app: TestApp;
  let receiver: RecordReceiver;
  let ami: FakeAmi;
  let upsamplersMade: { mock: { calls: unknown[] } };
  const toolsDir = mkdtempSync(join(tmpdir(), 'avr-live-tools-'));

  beforeAll(async () => {
    writeFileSync(join(toolsDir, 'order_status.cjs'), orderStatusTool("async (uuid, args) => 'order ' + args.order + ' ships today'"));
    ami = await startFakeAmi(() => ({ status: 200, body: JSON.stringify({ message: 'Call hung up' }) }));
    receiver = new RecordReceiver();
    const receiverUrl = await receiver.start();
    fake = await FakeLiveServer.start();
    app = await startTestApp({
      OPENAI_INTERFACE: 'live',
      OPENAI_LIVE_URL: fake.url,
      OPENAI_API_KEY: 'sk-live-test',
      OPENAI_INSTRUCTIONS: INSTRUCTIONS,
      OPENAI_GREETING: GREETING,
      OPENAI_VAD_THRESHOLD: '0.7',
      AMI_URL: ami.url,
      TOOLS_DIR: toolsDir,
      CALL_CONTROL_WAIT_MS: '3000',
      CALL_SUMMARY_URL: receiverUrl,
      UPSTREAM_RECONNECT_BASE_MS: '20',
      HTTP_END_GRACE_MS: '3000',
    });
    // Counted, not replaced: the real factory still makes every converter.
    upsamplersMade = jest.spyOn(app.app.get(AudioFactory), 'createUpsampler');
  });

  afterEach(() => {
    // As strict as GPT-Live: no event it would refuse, nothing but session.start before session.started.
    expect(fake.invalidEvents).toEqual([]);
    expect(fake.connections.flatMap((c) => c.beforeStart)).toEqual([]);
    receiver.reset();
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    await receiver.stop();
    await ami.close();
  });

  const records = (): Json[] => receiver.received.map((r) => JSON.parse(r.body) as Json);
  /** The records of one call (an earlier test's call may still be delivering its own). */
  const recordsOf = (uuid: string): Json[] => records().filter((r) => r.sessionUuid === uuid);
  async function recordOf(uuid: string): Promise<Json> {
    await waitUntil(() => recordsOf(uuid).length > 0, 5000, `the call record of ${uuid}`);
    return recordsOf(uuid)[0];
  }

  async function wsCall(uuid: string): Promise<{ client: AvrWsClient; conn: FakeLiveConnection }> {
    const client = await AvrWsClient.connect(`${app.wsUrl}/?from=2000&to=5001`);
    const next = fake.connections.length;
    client.init(uuid);
    const conn = await fake.waitForConnection(next);
    await conn.waitFor('session.start');
    // The greeting is the first thing the service sends once the session has started.
    await conn.waitFor('session.commentary.append');
    return { client, conn };
  }

  it('logs once at start-up which configured settings GPT-Live ignores', () => {
    const lines = app.logs.filter((l) => String(l.msg).startsWith('settings ignored on GPT-Live'));
    expect(lines).toHaveLength(1);
    expect(lines[0].ignored).toEqual(expect.arrayContaining(['OPENAI_VAD_THRESHOLD']));
  });

  it('carries a WebSocket call: valid session.start first, μ-law both ways without resampling, transcripts as turns, one record with seconds', async () => {
    const { client, conn } = await wsCall('live-ws');
    const start = conn.received[0];
    expect(start).toMatchObject({
      type: 'session.start',
      session: { model: 'gpt-live-1', instructions: INSTRUCTIONS, audio: { format: { type: 'audio/pcmu', rate: 8000 } } },
    });
    expect(conn.headers.authorization).toBe('Bearer sk-live-test');

    const frames = callerFrames(25);
    for (const f of frames) client.sendAudio(f);
    await waitUntil(() => conn.audioAppends().length >= 25, 5000, 'caller audio upstream');
    const appends = conn.audioAppends();
    expect(appends.map((a) => a.length)).toEqual(new Array(25).fill(160));
    expect(Buffer.concat(appends)).toEqual(pcm16ToMulaw(Buffer.concat(frames)));

    // The caller's turn, in two fragments; then the agent's, with its transcript.
    conn.inputTranscript('Where is', 0, 400);
    conn.inputTranscript(' my order?', 400, 900);
    await client.until(() => client.count('transcript') === 1, 5000, 'the caller transcript');
    const sent = await conn.agentSpeech(1000, { chunkMs: 100 });
    conn.outputTranscript('It ships', 2000, 2400);
    conn.outputTranscript(' today.', 2400, 2900);
    conn.usage(3);
    const expected = expectedAgentAudio(sent);
    await client.until(
      () => client.agentAudio().bytes.length >= expected.length && client.count('transcript') === 2,
      5000,
      'the agent turn',
    );
    const { bytes, frameSizes } = client.agentAudio();
    expect(frameSizes.every((n) => n === 320)).toBe(true);
    expect(bytes).toEqual(expected);
    expect(client.messages.filter((m) => m.type === 'transcript')).toEqual([
      { type: 'transcript', role: 'user', text: 'Where is my order?' },
      { type: 'transcript', role: 'agent', text: 'It ships today.' },
    ]);
    expect(upsamplersMade.mock.calls).toHaveLength(0);

    client.close();
    await conn.waitFor('session.close');
    const record = await recordOf('live-ws');
    await new Promise((r) => setTimeout(r, 200));
    expect(recordsOf('live-ws')).toHaveLength(1);
    expect(record).toMatchObject({
      sessionUuid: 'live-ws',
      interface: 'live',
      model: 'gpt-live-1',
      outcome: 'caller_hung_up',
      reconnects: 0,
    });
    expect(record.usage.session_seconds).toBeGreaterThanOrEqual(3);
    expect(record.transcripts.map((t: Json) => [t.role, t.text])).toEqual([
      ['user', 'Where is my order?'],
      ['agent', 'It ships today.'],
    ]);
  });

  it('carries an HTTP stream call: μ-law upstream in 160-byte appends, the agent audio back whole', async () => {
    const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'live-http' });
    const next = fake.connections.length;
    const conn = await fake.waitForConnection(next);
    await conn.waitFor('session.start');
    expect(conn.received[0].type).toBe('session.start');
    const res = await call.response;
    expect(res.statusCode).toBe(200);
    const frames = callerFrames(10);
    for (const f of frames) call.write(f);
    await waitUntil(() => conn.audioAppends().length >= 10, 5000, 'caller audio upstream');
    expect(conn.audioAppends().map((a) => a.length)).toEqual(new Array(10).fill(160));
    expect(Buffer.concat(conn.audioAppends())).toEqual(pcm16ToMulaw(Buffer.concat(frames)));
    const sent = await conn.agentSpeech(600, { chunkMs: 60 });
    const expected = expectedAgentAudio(sent);
    await waitUntil(() => call.received().length >= expected.length, 5000, 'the agent audio');
    call.end();
    const body = await call.finished;
    expect(body).toEqual(expected);
    expect(upsamplersMade.mock.calls).toHaveLength(0);
    expect(await recordOf('live-http')).toMatchObject({ transport: 'http', interface: 'live' });
  });

  it('greets the caller: only the greeting is appended (the instructions are in session.start), then the begin prompt', async () => {
    const { client, conn } = await wsCall('live-greeting');
    const appended = conn.ofType('session.instructions.append');
    expect(appended).toHaveLength(1);
    expect(appended[0].content).toContain(GREETING);
    expect(appended[0].content).not.toContain(INSTRUCTIONS);
    expect(conn.ofType('session.commentary.append')[0].content).toBe(BEGIN_PROMPT);
    client.close();
  });

  it('sends AVR core an interruption when the caller talks over the agent, and plays no more of that turn', async () => {
    const { client, conn } = await wsCall('live-barge-in');
    // The session's timeline starts about now (transcript fragments are timed on it).
    const sessionStart = Date.now();
    const speaking = conn.agentSpeech(2000, { chunkMs: 100, paceMs: 100 });
    await client.until(() => client.count('audio') >= 30, 5000, 'the agent speaking');
    // A caller fragment spoken while the agent's audio was loud (session timeline) is talking over it.
    const now = Date.now() - sessionStart;
    conn.inputTranscript('Wait, no.', now - 400, now);
    await client.waitFor('interruption');
    const framesAtInterruption = client.count('audio');
    await speaking;
    await new Promise((r) => setTimeout(r, 300));
    expect(client.count('interruption')).toBe(1);
    // 2 s of speech is 100 frames: the rest of the talked-over turn is not played.
    expect(client.count('audio')).toBeLessThan(100);
    expect(client.count('audio') - framesAtInterruption).toBeLessThanOrEqual(2);
    client.close();
  });

  const latencyCount = async () => {
    const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
    return Number(/^avr_sts_response_latency_seconds_count (\S+)$/m.exec(text)?.[1] ?? 0);
  };

  it("measures each turn's response latency from the caller's end of speech in the transcript: the record and /metrics", async () => {
    const before = await latencyCount();
    const { client, conn } = await wsCall('live-latency');
    for (const f of callerFrames(25)) client.sendAudio(f);

    // Turn 1: the transcript says the caller stopped 600 ms ago (transcripts trail speech); the agent answers now.
    const end1 = conn.sessionMs() - 600;
    conn.inputTranscript('Where is my parcel?', end1 - 900, end1);
    const answer1 = conn.sessionMs();
    const speaking1 = conn.agentSpeech(400, { chunkMs: 100, paceMs: 100 });
    conn.outputTranscript('It ships today.', answer1, answer1 + 400);
    await speaking1;
    await client.until(() => client.count('transcript') === 2, 5000, 'the first turns');

    // Turn 2: the agent answers first; the caller's words, ended 500 ms before the answer, are transcribed 300 ms into it.
    const answer2 = conn.sessionMs();
    const speaking2 = conn.agentSpeech(400, { chunkMs: 100, paceMs: 100 });
    await new Promise((r) => setTimeout(r, 300));
    conn.inputTranscript('And the invoice?', answer2 - 1200, answer2 - 500);
    conn.outputTranscript('It is in your inbox.', answer2, answer2 + 400);
    await speaking2;
    await client.until(() => client.count('transcript') === 4, 5000, 'the second turns');
    await waitUntil(async () => (await latencyCount()) === before + 2, 5000, 'two latency samples at /metrics');

    client.close();
    const { latency } = await recordOf('live-latency');
    expect(latency.perTurnMs).toHaveLength(2);
    // What the fake did, to within the delivery of session.started and of the audio (one loaded event loop runs both ends).
    const [first, second] = latency.perTurnMs as number[];
    expect(Math.abs(first - (answer1 - end1))).toBeLessThanOrEqual(150);
    expect(Math.abs(second - 500)).toBeLessThanOrEqual(150);
    expect(latency.medianMs).toBeGreaterThan(400);
  });

  it('starts no latency measure at a barge-in: none for the talked-over greeting, the answer after it from where the caller then stopped', async () => {
    const before = await latencyCount();
    const { client, conn } = await wsCall('live-latency-barge-in');
    const speaking = conn.agentSpeech(1500, { chunkMs: 100, paceMs: 100 });
    await client.until(() => client.count('audio') >= 30, 5000, 'the agent speaking');
    const now = conn.sessionMs();
    conn.inputTranscript('Wait,', now - 400, now);
    await client.waitFor('interruption');
    // The talked-over turn ends (GPT-Live streams silence once quiet), the caller goes on and stops 200 ms before the answer.
    await speaking;
    await conn.silence(900);
    const end = conn.sessionMs() - 200;
    conn.inputTranscript(' I need the other address.', now, end);
    await conn.agentSpeech(400, { chunkMs: 100, paceMs: 100 });
    await waitUntil(async () => (await latencyCount()) === before + 1, 5000, 'the answer measured');
    client.close();
    const { latency } = await recordOf('live-latency-barge-in');
    expect(latency.perTurnMs).toHaveLength(1);
    expect(Math.abs(latency.perTurnMs[0] - 200)).toBeLessThanOrEqual(150);
  });

  it('does not take speech that begins after the agent fell quiet for a barge-in', async () => {
    const { client, conn } = await wsCall('live-next-turn');
    const sessionStart = Date.now();
    await conn.agentSpeech(400);
    await client.until(() => client.count('audio') >= 20, 5000, 'the agent audio');
    // Still inside the turn's 800 ms hangover, but the caller began after the agent stopped.
    await new Promise((r) => setTimeout(r, 450));
    const now = Date.now() - sessionStart;
    conn.inputTranscript('Thanks.', now - 100, now);
    await client.until(() => client.count('transcript') === 1, 5000, 'the caller transcript');
    expect(client.count('interruption')).toBe(0);
    client.close();
  });

  it('passes a keypress to the model as quiet context', async () => {
    const { client, conn } = await wsCall('live-dtmf');
    client.send({ type: 'dtmf_digit', digit: '5' });
    const thinking = await conn.waitFor('session.thinking.append');
    expect(thinking.content).toBe(`${USER_TEXT_PREFIX}The caller pressed 5 on the keypad.`);
    expect(thinking.delegation_id).toBeNull();
    client.close();
  });

  it('runs a delegated tool call: the result back with response.item.create, then one response.create, backend tokens in the record', async () => {
    const { client, conn } = await wsCall('live-tool');
    const call = conn.toolCall('order_status', { order: 'A-17' });
    const output = await conn.waitFor('response.item.create', (e) => e.item?.call_id === call.callId);
    expect(output.item).toEqual({ type: 'function_call_output', call_id: call.callId, output: 'order A-17 ships today' });
    await conn.waitFor('response.create');
    conn.completeResponse(call.delegationId, call.responseId);
    await new Promise((r) => setTimeout(r, 200));
    expect(conn.ofType('response.create')).toHaveLength(1);
    client.close();
    const record = await recordOf('live-tool');
    expect(record.toolCalls).toEqual([expect.objectContaining({ name: 'order_status', ok: true })]);
    expect(record.usage).toMatchObject({ input_tokens: 120, output_tokens: 30, total_tokens: 150 });
  });

  it("hangs up with avr_hangup only after the agent's last words have played, and asks for no continuation", async () => {
    const { client, conn } = await wsCall('live-hangup');
    await expectHangupAfterGoodbye(app, ami, client, 'live-hangup', {
      sayGoodbye: async () => {
        await conn.agentSpeech(800, { chunkMs: 100 });
        conn.outputTranscript('Goodbye!', 0, 700);
      },
      callHangup: async () => {
        const call = conn.toolCall('avr_hangup', {});
        const output = await conn.waitFor('response.item.create', (e) => e.item?.call_id === call.callId, 8000);
        return output.item.output;
      },
      responseRequests: () => conn.ofType('response.create').length,
    });
  });

  it('continues a call whose connection drops in a new session seeded with the conversation', async () => {
    const { client, conn } = await wsCall('live-drop');
    conn.inputTranscript('My order is A-17.', 0, 900);
    await client.until(() => client.count('transcript') === 1, 5000, 'the caller transcript');
    const next = fake.connections.length;
    conn.drop();
    const conn2 = await fake.waitForConnection(next);
    const start = await conn2.waitFor('session.start');
    expect(start.session.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'My order is A-17.' }] }]);
    // No second greeting in the new session.
    await new Promise((r) => setTimeout(r, 200));
    expect(conn2.ofType('session.instructions.append')).toHaveLength(0);
    const frames = callerFrames(5);
    for (const f of frames) client.sendAudio(f);
    await waitUntil(() => conn2.audioAppends().length >= 5, 5000, 'caller audio to the new session');
    const sent = await conn2.agentSpeech(400);
    const expected = expectedAgentAudio(sent);
    await client.until(() => client.agentAudio().bytes.length >= expected.length, 5000, 'agent audio of the new session');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.close();
    expect(await recordOf('live-drop')).toMatchObject({ reconnects: 1 });
  });

  it('continues a call whose session expires in a new seeded session, seconds of both sessions in the record', async () => {
    const { client, conn } = await wsCall('live-expired');
    conn.inputTranscript('Is it shipped?', 0, 900);
    await client.until(() => client.count('transcript') === 1, 5000, 'the caller transcript');
    conn.usage(40);
    const next = fake.connections.length;
    conn.closeSession('expired', 60);
    const conn2 = await fake.waitForConnection(next);
    const start = await conn2.waitFor('session.start');
    expect(start.session.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Is it shipped?' }] }]);
    conn2.usage(5);
    await new Promise((r) => setTimeout(r, 100));
    client.close();
    const record = await recordOf('live-expired');
    expect(record).toMatchObject({ reconnects: 1, outcome: 'caller_hung_up' });
    expect(record.usage.session_seconds).toBeGreaterThanOrEqual(65);
  });

  it('ends the call start with a clear log line when GPT-Live refuses session.start', async () => {
    fake.setRefuseStart({
      code: 'unknown_parameter',
      message: "Unknown parameter: 'session.turn_detection'.",
      param: 'session.turn_detection',
    });
    try {
      const client = await AvrWsClient.connect(`${app.wsUrl}/`);
      client.init('live-refused');
      const closed = await client.closed;
      expect(closed.code).toBe(1011);
      const line = app.logs.find((l) => l.uuid === 'live-refused' && String(l.msg).startsWith('upstream connect failed'));
      expect(line).toMatchObject({ code: 'unknown_parameter', kind: 'configuration' });
      expect(String(line!.msg)).toContain("GPT-Live refused session.start: Unknown parameter: 'session.turn_detection'.");
    } finally {
      fake.setRefuseStart(undefined);
    }
  });
});

describe('GPT-Live session expiry', () => {
  let fake: FakeLiveServer;
  let app: TestApp;

  beforeAll(async () => {
    fake = await FakeLiveServer.start({ autoStart: false });
    app = await startTestApp({
      OPENAI_INTERFACE: 'live',
      OPENAI_LIVE_URL: fake.url,
      OPENAI_API_KEY: 'sk-live-test',
      UPSTREAM_RECONNECT_BASE_MS: '20',
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
  });

  it('moves a quiet call to a new seeded session before the expires_at its session gave', async () => {
    const client = await AvrWsClient.connect(`${app.wsUrl}/`);
    client.init('live-rotate');
    const conn = await fake.waitForConnection(0);
    await conn.waitFor('session.start');
    // This session expires in 4 s: it is rotated at half its time left (2 s), not after SESSION_ROTATE_AFTER_MS.
    conn.start(4);
    conn.inputTranscript('Hello?', 0, 500);
    await client.until(() => client.count('transcript') === 1, 5000, 'the caller transcript');
    const conn2 = await fake.waitForConnection(1, 5000);
    const start = await conn2.waitFor('session.start');
    conn2.start();
    expect(start.session.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello?' }] }]);
    await conn.closed;
    await waitUntil(
      () => app.logs.some((l) => l.uuid === 'live-rotate' && l.msg === 'upstream session replaced'),
      5000,
      'the replacement log',
    );
    expect(app.logs.find((l) => l.uuid === 'live-rotate' && l.msg === 'upstream session replaced')).toMatchObject({ cause: 'rotation' });
    expect(fake.invalidEvents).toEqual([]);
    client.close();
  });
});
