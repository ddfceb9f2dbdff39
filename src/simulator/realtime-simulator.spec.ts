import { RealtimeTestClient } from '../../test/support/fake-realtime-server.js';
import { decodeToPcm16, encodeFromPcm16, PCM_24K, sampleRateOf, type RealtimeAudioFormat } from './audio-format.js';
import { RealtimeSimulator, type RealtimeSimulatorOptions } from './realtime-simulator.js';
import { sineWave } from './tones.js';

const PCMU: RealtimeAudioFormat = { type: 'audio/pcmu' };

/** `loudMs` of a voice-level tone then `silentMs` of silence, in the given format. */
function callerTurn(format: RealtimeAudioFormat, loudMs: number, silentMs = 700): { loud: Buffer; all: Buffer } {
  const rate = sampleRateOf(format);
  const loud = encodeFromPcm16(sineWave(rate, (rate * loudMs) / 1000, 300, 0.3), format);
  const silence = encodeFromPcm16(new Int16Array((rate * silentMs) / 1000), format);
  return { loud, all: Buffer.concat([loud, silence]) };
}

function realtimeSession(format: RealtimeAudioFormat, extra: Record<string, unknown> = {}) {
  return {
    type: 'session.update',
    session: { type: 'realtime', instructions: 'Be brief.', audio: { input: { format }, output: { format, voice: 'marin' } }, ...extra },
  };
}

describe('RealtimeSimulator', () => {
  let simulator: RealtimeSimulator | undefined;
  let client: RealtimeTestClient | undefined;

  async function open(opts: RealtimeSimulatorOptions = {}, headers?: Record<string, string>): Promise<RealtimeTestClient> {
    simulator = new RealtimeSimulator({ realTimePacing: false, ...opts });
    const url = await simulator.start();
    client = await RealtimeTestClient.connect(`${url}?model=gpt-realtime-2.1`, headers);
    return client;
  }

  afterEach(async () => {
    // Every event the simulator sent in the test must be a valid GA server event.
    const invalid = client?.invalidEvents ?? [];
    client?.close();
    await simulator?.close();
    client = undefined;
    simulator = undefined;
    expect(invalid).toEqual([]);
  });

  it('opens with session.created and answers session.update with the merged session', async () => {
    const c = await open();
    const created = await c.waitFor('session.created');
    expect(created.session).toMatchObject({ type: 'realtime', model: 'gpt-realtime-2.1' });
    c.send(realtimeSession(PCMU, { tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }] }));
    const updated = await c.waitFor('session.updated');
    expect(updated.session).toMatchObject({
      type: 'realtime',
      instructions: 'Be brief.',
      tools: [{ name: 'lookup' }],
      audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' }, voice: 'marin' } },
    });
  });

  it.each([
    [
      'an unknown field',
      { temperature: 0.8 },
      { code: 'unknown_parameter', message: "Unknown parameter: 'session.temperature'.", param: 'session.temperature' },
    ],
    [
      'PCM without rate',
      { audio: { input: { format: { type: 'audio/pcm' } }, output: { format: PCMU } } },
      {
        code: 'missing_required_parameter',
        message: "Missing required parameter: 'session.audio.input.format.rate'.",
        param: 'session.audio.input.format.rate',
      },
    ],
    [
      'a wrong format type',
      { audio: { input: { format: PCMU }, output: { format: { type: 'pcm16' } } } },
      {
        code: 'invalid_value',
        message: "Invalid value: 'pcm16'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
        param: 'session.audio.output.format.type',
      },
    ],
  ])('refuses the whole session.update over %s, as the live GA server does: nothing of it applies', async (_name, extra, expected) => {
    const c = await open({ reply: 'echo' });
    await c.waitFor('session.created');
    c.send({ ...realtimeSession(PCMU, extra), event_id: 'evt_cfg' });
    const error = await c.waitFor('error');
    expect(error.error).toEqual({ type: 'invalid_request_error', ...expected, event_id: 'evt_cfg' });
    // Still the defaults: 24 kHz PCM both ways (the pcmu in the refused update never applied), and no session.updated.
    const { loud, all } = callerTurn(PCM_24K, 500);
    c.appendAudio(all);
    const done = await c.waitFor('response.done');
    expect(c.responseAudio(done.response.id).equals(loud)).toBe(true);
    expect(c.log.count('session.updated')).toBe(0);
    expect(c.events.find((e) => e.type === 'response.created').response.audio.output.format).toEqual(PCM_24K);
  });

  it('refuses a session.update without session.type, as the GA server does', async () => {
    const c = await open();
    c.send({ type: 'session.update', event_id: 'evt_1', session: { instructions: 'x' } });
    const error = await c.waitFor('error');
    expect(error.error).toMatchObject({ code: 'missing_required_parameter', param: 'session.type', event_id: 'evt_1' });
  });

  it('detects a caller turn and echoes the utterance back in full', async () => {
    const c = await open({ reply: 'echo' });
    const { loud, all } = callerTurn(PCM_24K, 1000);
    c.appendAudio(all);
    const started = await c.waitFor('input_audio_buffer.speech_started');
    const stopped = await c.waitFor('input_audio_buffer.speech_stopped');
    expect(started.audio_start_ms).toBe(0);
    expect(stopped.audio_end_ms).toBe(1000);
    const transcript = await c.waitFor('conversation.item.input_audio_transcription.completed');
    expect(transcript.transcript).toBe('[simulated] caller spoke for 1.0 s');
    expect(transcript.item_id).toBe(started.item_id);
    const done = await c.waitFor('response.done');
    expect(done.response.status).toBe('completed');
    expect(done.response.usage.total_tokens).toBeGreaterThan(0);
    expect(c.responseAudio(done.response.id).equals(loud)).toBe(true);
    const agentTranscript = await c.waitFor('response.output_audio_transcript.done');
    expect(agentTranscript.transcript).toMatch(/^\[simulated\]/);
  });

  it('without turn detection, commits on request and answers on response.create', async () => {
    const c = await open({ reply: 'echo' });
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    await c.waitFor('session.updated');
    c.send({ type: 'input_audio_buffer.commit' });
    expect((await c.waitFor('error')).error.code).toBe('input_audio_buffer_commit_empty');
    const { loud } = callerTurn(PCM_24K, 500);
    c.appendAudio(loud);
    c.send({ type: 'input_audio_buffer.commit' });
    const committed = await c.waitFor('input_audio_buffer.committed');
    c.send({ type: 'response.create' });
    const done = await c.waitFor('response.done');
    expect(c.responseAudio(done.response.id).equals(loud)).toBe(true);
    expect(c.log.count('input_audio_buffer.speech_started')).toBe(0);
    expect((await c.waitFor('conversation.item.input_audio_transcription.completed')).item_id).toBe(committed.item_id);
  });

  it('speaks G.711 µ-law to a pcmu session', async () => {
    const c = await open({ reply: 'echo' });
    c.send(realtimeSession(PCMU));
    await c.waitFor('session.updated');
    const { loud, all } = callerTurn(PCMU, 1000);
    c.appendAudio(all, 800);
    const done = await c.waitFor('response.done');
    const echoed = c.responseAudio(done.response.id);
    expect(echoed.length).toBe(8000);
    expect(decodeToPcm16(echoed, PCMU)).toEqual(decodeToPcm16(loud, PCMU));
  });

  it('echoes a 24 kHz caller into an 8 kHz output format', async () => {
    const c = await open({ reply: 'echo' });
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: PCMU } } } });
    await c.waitFor('session.updated');
    c.appendAudio(callerTurn(PCM_24K, 1000).all);
    const done = await c.waitFor('response.done');
    // One second at 8 kHz, plus the few samples of the resampling filter's delay.
    const echoed = c.responseAudio(done.response.id);
    expect(echoed.length).toBeGreaterThanOrEqual(8000);
    expect(echoed.length).toBeLessThan(8100);
  });

  it('answers response.create (a greeting) with a short spoken tone reply', async () => {
    const c = await open({ reply: 'tones' });
    c.send({ type: 'response.create', response: { instructions: 'Greet the caller' } });
    const done = await c.waitFor('response.done');
    expect(done.response.status).toBe('completed');
    expect(c.responseAudio(done.response.id).length).toBeGreaterThan(0);
    const transcript = await c.waitFor('response.output_audio_transcript.done');
    expect(transcript.transcript).toBe('[simulated] reply following: Greet the caller');
  });

  it('stops talking when the caller barges in', async () => {
    const c = await open({ reply: 'tones', realTimePacing: true });
    c.send({ type: 'response.create' });
    const first = await c.waitFor('response.output_audio.delta');
    c.appendAudio(callerTurn(PCM_24K, 200, 0).loud);
    await c.waitFor('input_audio_buffer.speech_started');
    const done = await c.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
    const types = c.events.map((e) => e.type);
    expect(types.indexOf('response.done')).toBeGreaterThan(types.indexOf('input_audio_buffer.speech_started'));
    // A round trip later, no more audio of the cancelled response has arrived.
    const deltasAtCancel = c.log.ofType('response.output_audio.delta').length;
    c.send({ type: 'input_audio_buffer.clear' });
    await c.waitFor('input_audio_buffer.cleared');
    expect(c.log.ofType('response.output_audio.delta').length).toBe(deltasAtCancel);
    expect(c.responseAudio(first.response_id).length).toBeLessThan(48000);
  });

  it('cancels on response.cancel and refuses a cancel with nothing to cancel', async () => {
    const c = await open({ reply: 'tones', realTimePacing: true });
    c.send({ type: 'response.create' });
    await c.waitFor('response.output_audio.delta');
    c.send({ type: 'response.cancel' });
    const done = await c.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } });
    c.send({ type: 'response.cancel' });
    expect((await c.waitFor('error')).error.code).toBe('response_cancel_not_active');
  });

  it('truncates an item up to the audio it sent, and no further (the live text)', async () => {
    const c = await open({ reply: 'tones' });
    c.send({ type: 'response.create' });
    const done = await c.waitFor('response.done');
    const itemId = done.response.output[0].id;
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_tr', item_id: itemId, content_index: 0, audio_end_ms: 1001 });
    expect((await c.waitFor('error')).error).toEqual({
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: 'Audio content of 1000ms is already shorter than 1001ms',
      param: 'audio_end_ms',
      event_id: 'evt_tr',
    });
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 1000 });
    expect(await c.waitFor('conversation.item.truncated')).toMatchObject({ item_id: itemId, audio_end_ms: 1000 });
  });

  it('refuses to truncate anything but assistant audio: a caller turn, a text item', async () => {
    const c = await open({ reply: 'tones' });
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    await c.waitFor('session.updated');
    c.appendAudio(callerTurn(PCM_24K, 300).loud);
    c.send({ type: 'input_audio_buffer.commit' });
    const committed = await c.waitFor('input_audio_buffer.committed');
    c.send({
      type: 'conversation.item.create',
      item: { id: 'item_text', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    });
    await c.waitFor('conversation.item.done', (ev) => ev.item.id === 'item_text');
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_caller', item_id: committed.item_id, content_index: 0, audio_end_ms: 100 });
    c.send({ type: 'conversation.item.truncate', event_id: 'evt_text', item_id: 'item_text', content_index: 0, audio_end_ms: 0 });
    const second = await c.waitFor('error', (ev) => ev.error.event_id === 'evt_text');
    const first = c.log.find('error', (ev) => ev.error.event_id === 'evt_caller');
    for (const error of [first, second]) {
      expect(error.error).toMatchObject({ code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated' });
    }
  });

  it('refuses a response.create with a field the declarations do not know, and speaks nothing for it', async () => {
    const c = await open({ reply: 'tones' });
    c.send({ type: 'response.create', event_id: 'evt_bad', response: { instructions: 'Greet', voice: 'alloy' } });
    expect((await c.waitFor('error')).error).toMatchObject({ code: 'unknown_parameter', param: 'response.voice', event_id: 'evt_bad' });
    c.send({ type: 'input_audio_buffer.clear' });
    await c.waitFor('input_audio_buffer.cleared');
    expect(c.log.count('response.created')).toBe(0);
  });

  it('refuses response.create while a response is active, echoing its event_id', async () => {
    const c = await open({ reply: 'tones', realTimePacing: true });
    c.send({ type: 'response.create' });
    const created = await c.waitFor('response.created');
    c.send({ type: 'response.create', event_id: 'evt_second' });
    const error = await c.waitFor('error');
    expect(error.error).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'evt_second' });
    expect(error.error.message).toContain(created.response.id);
    expect(c.log.count('response.created')).toBe(1);
  });

  it('acknowledges conversation.item.create with added and done', async () => {
    const c = await open();
    const item = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'earlier: hello' }] };
    c.send({ type: 'conversation.item.create', item });
    const added = await c.waitFor('conversation.item.added');
    const done = await c.waitFor('conversation.item.done');
    expect(added.item).toMatchObject(item);
    expect(done.item.id).toBe(added.item.id);
  });

  it('calls the scripted tool on the given turn, then speaks once it has the result', async () => {
    const c = await open({ scriptedToolCall: { afterTurns: 1, name: 'lookup_order', arguments: { order: 42 } } });
    c.appendAudio(callerTurn(PCM_24K, 400).all);
    const call = await c.waitFor('response.function_call_arguments.done');
    expect(call).toMatchObject({ name: 'lookup_order', arguments: '{"order":42}' });
    const callDone = await c.waitFor('response.done');
    expect(callDone.response.output[0]).toMatchObject({ type: 'function_call', call_id: call.call_id });
    expect(c.log.count('response.output_audio.delta')).toBe(0);
    c.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: call.call_id, output: '{"status":"shipped"}' },
    });
    c.send({ type: 'response.create' });
    const spoken = await c.waitFor('response.output_audio_transcript.done');
    expect(spoken.transcript).toContain('lookup_order tool answered: {"status":"shipped"}');
    expect(c.responseAudio(spoken.response_id).length).toBeGreaterThan(0);
  });

  it('expires the session after its limit: error session_expired, then a close', async () => {
    const c = await open({ sessionLimitMs: 200 });
    const error = await c.waitFor('error');
    expect(error.error.code).toBe('session_expired');
    expect((await c.closed).code).toBe(1000);
  });

  it('refuses the retired beta interface', async () => {
    const c = await open({}, { 'OpenAI-Beta': 'realtime=v1' });
    expect((await c.waitFor('error')).error.code).toBe('beta_api_shape_disabled');
    expect((await c.closed).code).toBe(4000);
  });

  it('drops every connection abruptly on dropAll, and closes them on close', async () => {
    const c = await open();
    await c.waitFor('session.created');
    simulator!.dropAll();
    expect((await c.closed).code).toBe(1006);
    const url = simulator!.url!;
    const second = await RealtimeTestClient.connect(url);
    await second.waitFor('session.created');
    await simulator!.close();
    expect((await second.closed).code).toBe(1001);
  });
});
