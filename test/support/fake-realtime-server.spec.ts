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
    await expect(conn.waitFor('response.create', undefined, 20)).rejects.toThrow(
      /waiting for response\.create.*input_audio_buffer\.append/,
    );
  });

  it('answers session.update by itself and files invalid client events', async () => {
    const { c, conn } = await connect();
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    expect((await c.waitFor('session.updated')).session.audio.output.format).toEqual({ type: 'audio/pcmu' });
    c.sendRaw('{not json');
    c.send({ type: 'input_audio_buffer.append', audio: 42 });
    c.send({ type: 'response.create' });
    await conn.waitFor('response.create');
    expect(fake.invalidEvents).toEqual([
      { event: '{not json', problems: ['not valid JSON'] },
      {
        event: expect.objectContaining({ type: 'input_audio_buffer.append' }),
        problems: [expect.stringContaining('/audio must be string')],
      },
    ]);
    expect(fake.allReceived().map((e) => e.type)).toEqual(['session.update', 'input_audio_buffer.append', 'response.create']);
  });

  describe('refuses a whole session.update as the live GA server does', () => {
    const pcmu = { type: 'audio/pcmu' };
    it.each([
      [
        'an unknown field (session.temperature)',
        { type: 'realtime', instructions: 'Be brief.', audio: { output: { format: pcmu } }, temperature: 0.8 },
        { code: 'unknown_parameter', message: "Unknown parameter: 'session.temperature'.", param: 'session.temperature' },
      ],
      [
        'a beta field (session.modalities)',
        { type: 'realtime', instructions: 'Be brief.', audio: { output: { format: pcmu } }, modalities: ['audio'] },
        { code: 'unknown_parameter', message: "Unknown parameter: 'session.modalities'.", param: 'session.modalities' },
      ],
      [
        'PCM without rate',
        { type: 'realtime', instructions: 'Be brief.', audio: { input: { format: { type: 'audio/pcm' } }, output: { format: pcmu } } },
        {
          code: 'missing_required_parameter',
          message: "Missing required parameter: 'session.audio.input.format.rate'.",
          param: 'session.audio.input.format.rate',
        },
      ],
      [
        'a wrong format type',
        { type: 'realtime', instructions: 'Be brief.', audio: { output: { format: { type: 'pcm16' } } } },
        {
          code: 'invalid_value',
          message: "Invalid value: 'pcm16'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
          param: 'session.audio.output.format.type',
        },
      ],
    ])('over %s: the live error (with the event_id), nothing applied, no session.updated', async (_name, session, expected) => {
      const { c, conn } = await connect();
      const instructionsBefore = conn.session.instructions;
      c.send({ type: 'session.update', event_id: 'evt_cfg_1', session });
      const error = await c.waitFor('error');
      expect(error).toEqual({
        type: 'error',
        event_id: expect.stringMatching(/^event_/),
        error: { type: 'invalid_request_error', ...expected, event_id: 'evt_cfg_1' },
      });
      await conn.waitFor('session.update');
      expect(c.log.count('session.updated')).toBe(0);
      // Nothing of it applied: the default instructions, and responses still in 24 kHz PCM.
      expect(conn.session.instructions).toBe(instructionsBefore);
      expect((await conn.sendResponse({ audioMs: 100 })).audio.length).toBe(4800);
      expect(fake.refusedEvents).toEqual([{ event: expect.objectContaining({ event_id: 'evt_cfg_1' }), error: error.error }]);
      expect(fake.benignErrors).toEqual([]);
    });
  });

  it('refuses response.create while a response is active, and takes it once the response is done', async () => {
    const { c, conn } = await connect();
    const response = conn.startResponse();
    response.sendAudio(100);
    c.send({ type: 'response.create', event_id: 'evt_rc_1' });
    const error = await c.waitFor('error');
    expect(error.error).toEqual({
      type: 'invalid_request_error',
      code: 'conversation_already_has_active_response',
      message: `Conversation already has an active response in progress: ${response.responseId}. Wait until the response is finished before creating a new one.`,
      param: null,
      event_id: 'evt_rc_1',
    });
    expect(conn.activeResponseId).toBe(response.responseId);
    response.finish();
    expect(conn.activeResponseId).toBeUndefined();
    c.send({ type: 'response.create', event_id: 'evt_rc_2' });
    await conn.waitFor('response.create', (ev) => ev.event_id === 'evt_rc_2');
    expect(c.log.count('error')).toBe(1);
    expect(fake.refusedEvents.map((r) => r.event.event_id)).toEqual(['evt_rc_1']);
  });

  it('refuses a response.create whose response carries a field the declarations do not know', async () => {
    const { c, conn } = await connect();
    c.send({ type: 'response.create', event_id: 'evt_rt', response: { instructions: 'Greet', temperature: 0.8 } });
    expect((await c.waitFor('error')).error).toEqual({
      type: 'invalid_request_error',
      code: 'unknown_parameter',
      message: "Unknown parameter: 'response.temperature'.",
      param: 'response.temperature',
      event_id: 'evt_rt',
    });
    c.send({ type: 'response.create', event_id: 'evt_ok', response: { instructions: 'Greet' } });
    await conn.waitFor('response.create', (ev) => ev.event_id === 'evt_ok');
    expect(fake.refusedEvents.map((r) => r.event.event_id)).toEqual(['evt_rt']);
  });

  it('answers response.cancel without an active response with the benign response_cancel_not_active', async () => {
    const { c, conn } = await connect();
    const response = conn.startResponse();
    conn.speechStarted();
    response.cancel();
    c.send({ type: 'response.cancel', event_id: 'evt_cancel_1' });
    const error = await c.waitFor('error');
    expect(error.error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'evt_cancel_1' });
    await conn.waitFor('response.cancel');
    expect(fake.refusedEvents).toEqual([]);
    expect(fake.benignErrors).toEqual([{ event: expect.objectContaining({ event_id: 'evt_cancel_1' }), error: error.error }]);
  });

  describe('conversation.item.truncate', () => {
    it('truncates an assistant audio item within its audio, and refuses past it with the live text', async () => {
      const { c, conn } = await connect();
      const response = conn.startResponse({ format: 'pcm16' });
      response.sendAudio(300);
      response.cancel();
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_tr_1', item_id: response.itemId, content_index: 0, audio_end_ms: 300 });
      expect(await c.waitFor('conversation.item.truncated')).toMatchObject({ item_id: response.itemId, audio_end_ms: 300 });
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_tr_2', item_id: response.itemId, content_index: 0, audio_end_ms: 301 });
      expect((await c.waitFor('error')).error).toEqual({
        type: 'invalid_request_error',
        code: 'invalid_value',
        message: 'Audio content of 300ms is already shorter than 301ms',
        param: 'audio_end_ms',
        event_id: 'evt_tr_2',
      });
      expect(fake.refusedEvents.map((r) => r.event.event_id)).toEqual(['evt_tr_2']);
    });

    it('counts the item in its own format, and can count it short as the live server does', async () => {
      const short = await FakeRealtimeServer.start({ itemAudioShortfallMs: 85 });
      const c = await RealtimeTestClient.connect(`${short.url}?model=gpt-realtime-2.1`);
      clients.push(c);
      try {
        const conn = await short.waitForConnection(0);
        const response = conn.startResponse({ format: 'pcmu' });
        response.sendAudio(1000);
        response.finish();
        c.send({ type: 'conversation.item.truncate', item_id: response.itemId, content_index: 0, audio_end_ms: 915 });
        expect((await c.waitFor('conversation.item.truncated')).audio_end_ms).toBe(915);
        c.send({ type: 'conversation.item.truncate', item_id: response.itemId, content_index: 0, audio_end_ms: 950 });
        expect((await c.waitFor('error')).error.message).toBe('Audio content of 915ms is already shorter than 950ms');
      } finally {
        await short.close();
      }
    });

    it('refuses a caller item, a function call and an unknown item', async () => {
      const { c, conn } = await connect();
      const callerItem = conn.speechStarted(0);
      conn.speechStopped(800);
      const call = await conn.toolCall('avr_hangup', {});
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_user', item_id: callerItem, content_index: 0, audio_end_ms: 100 });
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_call', item_id: call.itemId, content_index: 0, audio_end_ms: 0 });
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_none', item_id: 'item_nope', content_index: 0, audio_end_ms: 0 });
      await conn.waitFor('conversation.item.truncate', (ev) => ev.event_id === 'evt_none');
      expect(fake.refusedEvents.map((r) => [r.event.event_id, r.error.code])).toEqual([
        ['evt_user', 'unsupported_content_type'],
        ['evt_call', 'unsupported_content_type'],
        ['evt_none', 'item_truncate_invalid_item_id'],
      ]);
      expect(fake.refusedEvents[0].error.message).toBe('Only model output audio messages can be truncated');
    });
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

  describe('scenarios the live server sends', () => {
    it('a response of two audio items: the second plays after the first, each truncatable to its own audio', async () => {
      const { c, conn } = await connect();
      const sent = conn.sendAudioItems([300, 500]);
      const done = await c.waitFor('response.done', (ev) => ev.response.id === sent.responseId);
      expect(done.response.output.map((item: any) => item.id)).toEqual(sent.itemIds);
      const deltas = c.log.ofType('response.output_audio.delta');
      expect(deltas.map((ev) => ev.item_id)).toEqual([...Array(3).fill(sent.itemIds[0]), ...Array(5).fill(sent.itemIds[1])]);
      expect(Buffer.concat(sent.audio).equals(c.responseAudio(sent.responseId))).toBe(true);
      const firstDone = c.events.findIndex((ev) => ev.type === 'response.output_item.done' && ev.item.id === sent.itemIds[0]);
      const secondAdded = c.events.findIndex((ev) => ev.type === 'response.output_item.added' && ev.item.id === sent.itemIds[1]);
      expect(firstDone).toBeLessThan(secondAdded);
      c.send({ type: 'conversation.item.truncate', item_id: sent.itemIds[1], content_index: 0, audio_end_ms: 400 });
      c.send({ type: 'conversation.item.truncate', event_id: 'evt_past', item_id: sent.itemIds[0], content_index: 0, audio_end_ms: 400 });
      await c.waitFor('conversation.item.truncated');
      expect((await c.waitFor('error')).error).toMatchObject({
        code: 'invalid_value',
        message: 'Audio content of 300ms is already shorter than 400ms',
      });
    });

    it('a response with several function calls, every one completed, one response.done', async () => {
      const { c, conn } = await connect();
      const sent = conn.toolCalls([
        { name: 'lookup', args: { q: 1 }, callId: 'call_1' },
        { name: 'book', args: { slot: 2 }, callId: 'call_2' },
      ]);
      const done = await c.waitFor('response.done');
      expect(done.response).toMatchObject({ id: sent.responseId, status: 'completed' });
      expect(c.log.ofType('response.output_item.done').map((ev) => [ev.item.call_id, ev.item.status])).toEqual([
        ['call_1', 'completed'],
        ['call_2', 'completed'],
      ]);
      expect(c.log.count('response.created')).toBe(1);
    });

    it('files a response.create sent while a completed call of the conversation lacks its output (not a cancelled one)', async () => {
      const { c, conn } = await connect();
      conn.toolCalls([
        { name: 'lookup', args: {}, callId: 'call_1' },
        { name: 'book', args: {}, callId: 'call_2' },
      ]);
      conn.cancelledToolCall('avr_hangup', {}, { callId: 'call_cut' });
      await c.waitFor('response.done', (ev) => ev.response.status === 'cancelled');
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_2', output: 'booked' } });
      c.send({ type: 'response.create', event_id: 'evt_early' });
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: 'found' } });
      c.send({ type: 'response.create', event_id: 'evt_right' });
      await conn.waitFor('response.create', (ev) => ev.event_id === 'evt_right');
      expect(fake.invalidEvents).toEqual([
        {
          event: expect.objectContaining({ event_id: 'evt_early' }),
          problems: ['response.create while function calls still lack their function_call_output: lookup (call_1)'],
        },
      ]);
    });

    it('a cancelled function call: arguments.done and output_item.done incomplete still come, then response.done cancelled', async () => {
      const { c, conn } = await connect();
      const sent = conn.cancelledToolCall('avr_hangup', { reason: 'bye' }, { callId: 'call_cut', audioMsBefore: 200 });
      const done = await c.waitFor('response.done');
      expect(done.response).toMatchObject({ id: sent.responseId, status: 'cancelled', status_details: { reason: 'turn_detected' } });
      expect((await c.waitFor('response.function_call_arguments.done')).call_id).toBe('call_cut');
      const itemDone = await c.waitFor('response.output_item.done', (ev) => ev.item.type === 'function_call');
      expect(itemDone.item).toMatchObject({ call_id: 'call_cut', status: 'incomplete', arguments: '{"reason":"bye"}' });
      // The audio item before it completed: only the call was cut off.
      expect(c.log.find('response.output_item.done', (ev) => ev.item.id === sent.audioItemIds[0]).item.status).toBe('completed');
      expect(conn.activeResponseId).toBeUndefined();
    });

    it('a failed response (status_details.error, no error event) and an incomplete one (with its reason)', async () => {
      const { c, conn } = await connect();
      const failedId = conn.failedResponse('inference_rate_limit_exceeded', 'rate_limit_error');
      const failed = await c.waitFor('response.done', (ev) => ev.response.id === failedId);
      expect(failed.response).toMatchObject({
        status: 'failed',
        output: [],
        status_details: { type: 'failed', error: { type: 'rate_limit_error', code: 'inference_rate_limit_exceeded' } },
      });
      const cut = conn.startResponse();
      cut.sendAudio(200);
      cut.incomplete('max_output_tokens');
      const incomplete = await c.waitFor('response.done', (ev) => ev.response.id === cut.responseId);
      expect(incomplete.response).toMatchObject({ status: 'incomplete', status_details: { reason: 'max_output_tokens' } });
      expect(incomplete.response.output[0].status).toBe('incomplete');
      expect(c.log.count('error')).toBe(0);
    });

    it("a caller line without transcript: conversation.item.input_audio_transcription.failed for the caller's item", async () => {
      const { c, conn } = await connect();
      const itemId = conn.speechStarted(0);
      conn.speechStopped(700);
      conn.transcriptionFailed();
      const failed = await c.waitFor('conversation.item.input_audio_transcription.failed');
      expect(failed).toMatchObject({ item_id: itemId, content_index: 0, error: { code: 'transcription_failed' } });
    });

    it('with serverCancels, cancels by itself on speech_started (interrupt_response) and on response.cancel', async () => {
      const live = await FakeRealtimeServer.start({ serverCancels: true });
      const c = await RealtimeTestClient.connect(`${live.url}?model=gpt-realtime-2.1`);
      clients.push(c);
      try {
        const conn = await live.waitForConnection(0);
        const bargedIn = conn.startResponse();
        bargedIn.sendAudio(200);
        conn.speechStarted();
        const done = await c.waitFor('response.done', (ev) => ev.response.id === bargedIn.responseId);
        expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
        expect(bargedIn.sendAudio(100).length).toBe(4800);
        expect(c.responseAudio(bargedIn.responseId).length).toBe(9600);
        // The client's cancel after the server's own: the benign race.
        c.send({ type: 'response.cancel', event_id: 'evt_late' });
        expect((await c.waitFor('error')).error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'evt_late' });

        const cancelled = conn.startResponse();
        c.send({ type: 'response.cancel' });
        const byClient = await c.waitFor('response.done', (ev) => ev.response.id === cancelled.responseId);
        expect(byClient.response.status_details.reason).toBe('client_cancelled');

        c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
        await c.waitFor('session.updated');
        const kept = conn.startResponse();
        conn.speechStarted();
        await conn.waitFor('session.update');
        expect(kept.isActive).toBe(true);
        expect(live.refusedEvents).toEqual([]);
        expect(live.benignErrors.map((e) => e.error.code)).toEqual(['response_cancel_not_active']);
      } finally {
        await live.close();
      }
    });

    it('sends nothing more for a response that has ended', async () => {
      const { c, conn } = await connect();
      const response = conn.startResponse();
      response.sendAudio(100);
      response.cancel();
      response.sendAudio(100);
      await c.waitFor('response.done');
      c.send({ type: 'response.cancel' });
      await conn.waitFor('response.cancel');
      await c.waitFor('error');
      expect(c.responseAudio(response.responseId).length).toBe(4800);
      expect(c.events.findIndex((ev) => ev.type === 'response.done')).toBe(c.events.findIndex((ev) => ev.type === 'error') - 1);
    });
  });

  it('expires a session: error session_expired, then a close', async () => {
    const { c, conn } = await connect();
    conn.error('rate_limit_exceeded', 'Slow down', 'rate_limit_error', { event_id: 'evt_client' });
    expect((await c.waitFor('error')).error).toMatchObject({
      code: 'rate_limit_exceeded',
      type: 'rate_limit_error',
      event_id: 'evt_client',
    });
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
