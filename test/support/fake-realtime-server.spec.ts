import { WebSocket } from 'ws';
import { decodeToPcm16, PCM_24K } from '../../src/simulator/audio-format.js';
import { sineWave } from '../../src/simulator/tones.js';
import { FakeRealtimeServer, RealtimeTestClient, TEST_TONE_HZ } from './fake-realtime-server.js';

/** Opens a raw client and reports how the upgrade ended. */
function tryUpgrade(url: string, handshakeTimeout?: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('error', (err) => resolve({ error: err.message }));
  });
}

describe('FakeRealtimeServer', () => {
  let fake: FakeRealtimeServer;
  let clients: RealtimeTestClient[] = [];

  beforeEach(async () => {
    fake = await FakeRealtimeServer.start();
  });

  afterEach(async () => {
    const invalid = clients.flatMap((c) => c.invalidEvents);
    for (const c of clients) c.close();
    clients = [];
    await fake.close();
    // Whatever the fake sent during a test must be a valid GA server event.
    expect(invalid).toEqual([]);
  });

  async function connect(headers: Record<string, string> = {}) {
    const index = fake.connections.length;
    const c = await RealtimeTestClient.connect(`${fake.url}?model=gpt-realtime-2.1`, headers);
    clients.push(c);
    return { c, conn: await fake.waitForConnection(index) };
  }

  it('refuses an upgrade with the HTTP status it is told, then accepts again', async () => {
    fake.setMode({ refuseStatus: 401, body: '{"error":{"code":"invalid_api_key"}}' });
    expect(await tryUpgrade(fake.url)).toEqual({ status: 401, body: '{"error":{"code":"invalid_api_key"}}' });
    expect(fake.connections).toHaveLength(0);
    fake.setMode('accept');
    const { c } = await connect();
    await c.waitFor('session.created');
    expect(fake.upgrades.map((u) => u.mode)).toEqual([{ refuseStatus: 401, body: '{"error":{"code":"invalid_api_key"}}' }, 'accept']);
  });

  it('records the upgrade URL and headers', async () => {
    const { conn } = await connect({ Authorization: 'Bearer sk-test' });
    expect(conn.url).toBe('/?model=gpt-realtime-2.1');
    expect(conn.headers.authorization).toBe('Bearer sk-test');
  });

  it('waitFor resolves with an event already received and with one still to come', async () => {
    const { c, conn } = await connect();
    c.send({ type: 'input_audio_buffer.append', audio: 'AAAA' });
    await conn.waitFor('input_audio_buffer.append');
    expect(await conn.waitFor('input_audio_buffer.append', (ev) => ev.audio === 'AAAA')).toMatchObject({ audio: 'AAAA' });
    const later = conn.waitFor('input_audio_buffer.append', (ev) => ev.audio === 'AAAAAAAA');
    c.send({ type: 'input_audio_buffer.append', audio: 'AAAAAAAA' });
    expect(await later).toMatchObject({ audio: 'AAAAAAAA' });
    expect(conn.count('input_audio_buffer.append')).toBe(2);
    expect(conn.audioBytesReceived()).toBe(9);
    await expect(conn.waitFor('response.create', undefined, 20)).rejects.toThrow(/waiting for response\.create.*input_audio_buffer\.append/);
  });

  it('answers session.update by itself and files invalid client events', async () => {
    const { c, conn } = await connect();
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    expect((await c.waitFor('session.updated')).session.audio.output.format).toEqual({ type: 'audio/pcmu' });
    c.send({ type: 'session.update', session: { type: 'realtime', modalities: ['audio'] } });
    c.sendRaw('{not json');
    c.send({ type: 'response.create' });
    await conn.waitFor('response.create');
    expect(fake.invalidEvents).toEqual([
      { event: expect.objectContaining({ type: 'session.update' }), problems: ['session.modalities is a beta-only field (not part of the GA interface)'] },
      { event: '{not json', problems: ['not valid JSON'] },
    ]);
    expect(fake.allReceived().map((e) => e.type)).toEqual(['session.update', 'session.update', 'response.create']);
  });

  it('streams a response of the test tone, whole and in order, in the session format', async () => {
    const { c, conn } = await connect();
    const sent = await conn.sendResponse({ audioMs: 250, transcript: 'Hello caller' });
    const done = await c.waitFor('response.done', (ev) => ev.response.id === sent.responseId);
    expect(done.response.status).toBe('completed');
    expect(done.response.usage.total_tokens).toBeGreaterThan(0);
    expect(sent.audio.length).toBe(250 * 48);
    expect(c.responseAudio(sent.responseId).equals(sent.audio)).toBe(true);
    expect(decodeToPcm16(sent.audio, PCM_24K)).toEqual(sineWave(24000, 6000, TEST_TONE_HZ, 0.5));
    expect((await c.waitFor('response.output_audio_transcript.done')).transcript).toBe('Hello caller');

    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    await conn.waitFor('session.update');
    const pcmu = await conn.sendResponse({ audioMs: 100 });
    expect(pcmu.audio.length).toBe(800);
  });

  it('sends half a response, then cancels it as a barge-in would', async () => {
    const { c, conn } = await connect();
    const itemId = conn.speechStarted(0);
    conn.speechStopped(900);
    conn.userTranscript('What time is it?');
    const response = conn.startResponse({ format: 'pcm16' });
    response.sendAudio(100);
    conn.speechStarted(1500);
    response.cancel();
    const done = await c.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
    expect((await c.waitFor('conversation.item.input_audio_transcription.completed')).item_id).toBe(itemId);
    expect(c.responseAudio(response.responseId).length).toBe(4800);
  });

  it('sends tool calls, with the arguments text exactly as given', async () => {
    const { c, conn } = await connect();
    await conn.toolCall('avr_transfer', { extension: '100' }, 'call_1');
    await conn.toolCall('broken', '{"unterminated');
    const calls = await Promise.all([
      c.waitFor('response.function_call_arguments.done', (ev) => ev.name === 'avr_transfer'),
      c.waitFor('response.function_call_arguments.done', (ev) => ev.name === 'broken'),
    ]);
    expect(calls[0]).toMatchObject({ call_id: 'call_1', arguments: '{"extension":"100"}' });
    expect(calls[1].arguments).toBe('{"unterminated');
  });

  it('expires a session: error session_expired, then a close', async () => {
    const { c, conn } = await connect();
    conn.error('rate_limit_exceeded', 'Slow down');
    conn.expire();
    expect((await c.waitFor('error', (ev) => ev.error.code === 'session_expired')).error.type).toBe('invalid_request_error');
    expect((await c.closed).code).toBe(1000);
  });

  it('drops a connection abruptly, and tells when the client closes', async () => {
    const first = await connect();
    first.conn.drop();
    expect((await first.c.closed).code).toBe(1006);
    const second = await connect();
    second.c.close();
    expect(await second.conn.closed).toEqual({ code: 1005, reason: '' });
  });

  it('stays silent on a silent connection and never answers a hanging upgrade', async () => {
    fake.setMode('silent');
    const { c, conn } = await connect();
    c.send({ type: 'session.update', session: { type: 'realtime' } });
    await conn.waitFor('session.update');
    expect(conn.sent).toEqual([]);
    fake.setMode('hang');
    expect((await tryUpgrade(fake.url, 100)).error).toMatch(/handshake has timed out/);
    expect(fake.upgrades.at(-1)?.mode).toBe('hang');
  });
});
