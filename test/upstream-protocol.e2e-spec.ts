import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assistantAudioItem,
  encodeFromPcm16,
  functionCallArgumentsDone,
  functionCallItem,
  newId,
  outputAudioDelta,
  outputAudioDone,
  outputItemAdded,
  outputItemDone,
  PCM_24K,
  realtimeResponse,
  responseCreated,
  responseDone,
  sineWave,
} from '../src/simulator/index.js';
import type { FakeConnection } from './support/fake-realtime-server.js';
import { AvrWsClient } from './support/avr-client.js';
import { startTestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';
import { appOverFakeUpstream } from './support/app-over-fake-upstream.js';

/**
 * What live OpenAI GA does that the call must get right (#16), scripted event by event on the
 * fake upstream's raw socket: real app, real sockets.
 */
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 24 kHz PCM of the test tone, `ms` long. */
const tone = (ms: number) => encodeFromPcm16(sineWave(24000, (24000 * ms) / 1000, 440, 0.5, 0), PCM_24K);

/** Fails any test whose client events the fake found invalid or refused as the live server would. */
const fakes = withFakeUpstream();

describe('the OpenAI side of a call, as the live GA server behaves', () => {
  const toolsDir = mkdtempSync(join(tmpdir(), 'avr-protocol-tools-'));
  const bookings = join(toolsDir, 'bookings.log');

  beforeAll(async () => {
    writeFileSync(
      join(toolsDir, 'book_table.cjs'),
      `const fs = require('node:fs');
      module.exports = {
        name: 'book_table',
        description: 'Books a table',
        input_schema: { type: 'object', properties: { time: { type: 'string' } } },
        handler: async (uuid, args) => { fs.appendFileSync(${JSON.stringify(bookings)}, uuid + ' ' + args.time + '\\n'); return 'booked for ' + args.time; },
      };`,
    );
  });
  const suite = appOverFakeUpstream(fakes, { OPENAI_API_KEY: 'sk-protocol', TOOLS_DIR: toolsDir, UPSTREAM_RECONNECT_BASE_MS: '20' });

  async function call(uuid: string): Promise<{ client: AvrWsClient; upstream: FakeConnection }> {
    const opened = await suite.call(uuid);
    // Configured: the service has had session.updated (its caller audio and requests flow).
    await waitUntil(() => suite.app.logs.some((l) => l.uuid === uuid && l.msg === 'upstream session configured'));
    return opened;
  }

  const booked = (uuid: string) =>
    existsSync(bookings)
      ? readFileSync(bookings, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith(`${uuid} `))
      : [];

  async function errorsCounted(code: string): Promise<number> {
    const text = await (await fetch(`${suite.app.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`avr_sts_upstream_errors_total{code="${code}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('a refused session.update ends the call start: a clear error line, outcome upstream_failed, no retry', async () => {
    const own = await fakes.start({ autoSessionUpdated: false });
    const ownApp = await startTestApp({ OPENAI_REALTIME_URL: own.url, OPENAI_API_KEY: 'sk-protocol', UPSTREAM_RECONNECT_BASE_MS: '20' });
    try {
      const client = await AvrWsClient.connect(ownApp.wsUrl);
      client.init('refused-config');
      const upstream = await own.waitForConnection(0);
      const update = await upstream.waitFor('session.update');
      expect(typeof update.event_id).toBe('string');
      upstream.unknownParameter('session.temperature', update);
      const closed = await client.closed;
      expect(closed.code).toBe(1011);
      expect(own.upgrades).toHaveLength(1);
      const line = ownApp.logs.find((l) => l.uuid === 'refused-config' && l.level === 'error');
      expect(line?.msg).toMatch(
        /^upstream connect failed: upstream refused the session configuration \(unknown_parameter\): Unknown parameter: 'session.temperature'/,
      );
      expect(ownApp.logs.find((l) => l.uuid === 'refused-config' && String(l.msg).startsWith('call ended'))).toMatchObject({
        outcome: 'upstream_failed',
      });
      // The caller never talked to an unconfigured model.
      expect(upstream.count('input_audio_buffer.append')).toBe(0);
    } finally {
      await ownApp.close();
      await own.close();
    }
  });

  it('a function call the caller barged in on is not run, gets no output and no response.create', async () => {
    const { client, upstream } = await call('barged-tool');
    const responseId = newId('resp');
    const itemId = newId('item');
    const callId = newId('call');
    const ref = { responseId, itemId, outputIndex: 0 };
    const args = JSON.stringify({ time: '20:00' });
    upstream.send(responseCreated(realtimeResponse({ id: responseId, status: 'in_progress' })));
    upstream.send(outputItemAdded(responseId, 0, functionCallItem(itemId, callId, 'book_table', '', 'in_progress')));
    upstream.speechStarted();
    // What the live server sends for an interrupted call: the closing events, status incomplete.
    upstream.send(functionCallArgumentsDone(ref, callId, 'book_table', args));
    const incomplete = functionCallItem(itemId, callId, 'book_table', args, 'incomplete');
    upstream.send(outputItemDone(responseId, 0, incomplete));
    upstream.send(responseDone(realtimeResponse({ id: responseId, status: 'cancelled', reason: 'turn_detected', output: [incomplete] })));
    await delay(500);
    expect(booked('barged-tool')).toEqual([]);
    expect(upstream.received.filter((e) => e.type === 'conversation.item.create' && e.item?.type === 'function_call_output')).toEqual([]);
    expect(upstream.count('response.create')).toBe(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('two function calls in one response: both outputs, then exactly one response.create after response.done', async () => {
    const { upstream } = await call('two-tools');
    const responseId = newId('resp');
    const items = ['19:00', '21:00'].map((time) =>
      functionCallItem(newId('item'), newId('call'), 'book_table', JSON.stringify({ time }), 'completed'),
    );
    upstream.send(responseCreated(realtimeResponse({ id: responseId, status: 'in_progress' })));
    items.forEach((item, i) => upstream.send(outputItemDone(responseId, i, item)));
    // The response is still open: no response.create may go while it is (active-response refusal).
    await waitUntil(() => booked('two-tools').length === 2);
    await delay(100);
    expect(upstream.count('response.create')).toBe(0);
    upstream.send(responseDone(realtimeResponse({ id: responseId, status: 'completed', output: items })));
    await upstream.waitFor('response.create');
    await delay(300);
    expect(upstream.count('response.create')).toBe(1);
    const outputs = upstream.received.filter((e) => e.type === 'conversation.item.create' && e.item?.type === 'function_call_output');
    expect(outputs.map((e) => e.item.call_id).sort()).toEqual(items.map((i) => i.call_id).sort());
    const createAt = upstream.received.findIndex((e) => e.type === 'response.create');
    for (const o of outputs) expect(upstream.received.indexOf(o)).toBeLessThan(createAt);
  });

  it("a second audio item's truncation is within 100 ms of what a client playing frames in real time heard", async () => {
    const { client, upstream } = await call('second-item');
    // The client plays each 20 ms frame after the one before it, from when it arrives.
    const playStarts: number[] = [];
    let playEnd = 0;
    client.ws.on('message', (data) => {
      if (JSON.parse(data.toString()).type !== 'audio') return;
      const start = Math.max(Date.now(), playEnd);
      playStarts.push(start);
      playEnd = start + 20;
    });
    const responseId = newId('resp');
    const first = { responseId, itemId: newId('item'), outputIndex: 0 };
    const second = { responseId, itemId: newId('item'), outputIndex: 1 };
    upstream.send(responseCreated(realtimeResponse({ id: responseId, status: 'in_progress' })));
    // Faster than real time, as the server generates: 1 s of the first item at once.
    upstream.send(outputItemAdded(responseId, 0, assistantAudioItem(first.itemId, 'in_progress')));
    for (let i = 0; i < 10; i++) upstream.send(outputAudioDelta(first, tone(100)));
    upstream.send(outputAudioDone(first));
    await waitUntil(() => playStarts.length >= 50);
    await delay(50);
    const firstFrames = playStarts.length;
    upstream.send(outputItemAdded(responseId, 1, assistantAudioItem(second.itemId, 'in_progress')));
    for (let i = 0; i < 20; i++) upstream.send(outputAudioDelta(second, tone(100)));
    await waitUntil(() => playStarts.length >= firstFrames + 100);
    // The caller talks 600 ms into the second item, by the client's own play-out clock.
    const secondStartsAt = playStarts[firstFrames];
    await delay(secondStartsAt + 600 - Date.now());
    const bargeAt = Date.now();
    upstream.speechStarted();
    const truncate = await upstream.waitFor('conversation.item.truncate');
    const heard = bargeAt - secondStartsAt;
    expect(truncate.item_id).toBe(second.itemId);
    expect(Math.abs(truncate.audio_end_ms - heard)).toBeLessThanOrEqual(100);
    // The first item was heard to its end: nothing of it is truncated.
    await delay(100);
    expect(upstream.received.filter((e) => e.type === 'conversation.item.truncate')).toHaveLength(1);
  });

  it('a failed response.done is logged with its code, counted, and asked again once for server_error', async () => {
    const { client, upstream } = await call('failed-turn');
    const before = await errorsCounted('server_error');
    const fail = () => {
      const id = newId('resp');
      upstream.send(responseCreated(realtimeResponse({ id, status: 'in_progress' })));
      const failed = realtimeResponse({ id, status: 'failed' });
      failed.status_details = { type: 'failed', error: { type: 'server_error', code: 'server_error' } };
      upstream.send(responseDone(failed));
    };
    fail();
    await upstream.waitFor('response.create');
    const line = suite.app.logs.find((l) => l.uuid === 'failed-turn' && /^response failed \(server_error\)/.test(String(l.msg)));
    expect(line).toMatchObject({ level: 'warn', code: 'server_error' });
    expect((await errorsCounted('server_error')) - before).toBe(1);
    // The re-asked turn fails too: not asked a third time (no loop), the call goes on.
    fail();
    await waitUntil(() => suite.app.logs.filter((l) => l.uuid === 'failed-turn' && /^response failed/.test(String(l.msg))).length === 2);
    await delay(200);
    expect(upstream.count('response.create')).toBe(1);
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('a failed response.done with a fatal code ends the call', async () => {
    const { client, upstream } = await call('failed-quota');
    const id = newId('resp');
    upstream.send(responseCreated(realtimeResponse({ id, status: 'in_progress' })));
    const failed = realtimeResponse({ id, status: 'failed' });
    failed.status_details = { type: 'failed', error: { type: 'insufficient_quota', code: 'insufficient_quota' } };
    upstream.send(responseDone(failed));
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    expect(suite.app.logs.find((l) => l.uuid === 'failed-quota' && String(l.msg).startsWith('call ended'))).toMatchObject({
      outcome: 'upstream_failed',
    });
  });

  it('a failed caller transcription is logged and counted, and the call goes on', async () => {
    const { client, upstream } = await call('transcription-failed');
    const before = await errorsCounted('transcription_failed');
    upstream.send({
      type: 'conversation.item.input_audio_transcription.failed',
      event_id: newId('event'),
      item_id: newId('item'),
      content_index: 0,
      error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'Audio could not be transcribed.' },
    });
    await waitUntil(() =>
      suite.app.logs.some((l) => l.uuid === 'transcription-failed' && /caller audio was not transcribed/.test(String(l.msg))),
    );
    expect((await errorsCounted('transcription_failed')) - before).toBe(1);
    expect(client.count('error')).toBe(0);
  });
});
