import { buildSessionStart } from '../live/live-session-start.js';
import { validateLiveClientEvent } from './live-schema.js';

const settings = {
  instructions: 'Be brief.',
  tools: [{ name: 'avr_transfer', description: 'Transfer', parameters: { type: 'object', properties: { exten: { type: 'string' } } } }],
  replay: [
    { role: 'user' as const, text: 'Hello' },
    { role: 'agent' as const, text: 'Hi' },
  ],
};
const ourStart = () =>
  buildSessionStart(settings, { model: 'gpt-live-1', voice: 'cedar', audioFormat: 'pcmu', backendModel: 'gpt-5.6-terra' });

describe('GPT-Live client event validation (strict, from the openai 7.59.0 declarations)', () => {
  it('accepts the session.start this gateway builds, in both audio formats and with a custom voice', () => {
    expect(validateLiveClientEvent(ourStart())).toEqual([]);
    const pcm = buildSessionStart(settings, {
      model: 'gpt-live-1.1',
      voice: 'voice_abc',
      audioFormat: 'pcm16',
      backendModel: 'gpt-5.6-luna',
    });
    expect(pcm.session.audio?.output?.voice).toEqual({ id: 'voice_abc' });
    expect(validateLiveClientEvent(pcm)).toEqual([]);
  });

  it.each([
    ['a Realtime field at the top of the session', (s: any) => (s.session.temperature = 0.8), 'session.temperature'],
    ['turn detection', (s: any) => (s.session.turn_detection = { type: 'server_vad' }), 'session.turn_detection'],
    ['a session type', (s: any) => (s.session.type = 'realtime'), 'session.type'],
    ['input audio settings', (s: any) => (s.session.audio.input = { transcription: {} }), 'session.audio.input'],
    [
      'a field inside a tool',
      (s: any) => (s.session.delegation.responses.tools[0].extra = 1),
      'session.delegation.responses.tools[0].extra',
    ],
    [
      'a system message in input',
      (s: any) => s.session.input.push({ role: 'system', content: [{ type: 'input_text', text: 'x' }] }),
      'session.input[2].role',
    ],
  ])('refuses %s, naming the parameter', (_what, mutate, param) => {
    const start = ourStart();
    mutate(start);
    expect(validateLiveClientEvent(start).map((p) => p.param)).toContain(param);
  });

  it('refuses a format without its rate, and a PCM rate Live does not take', () => {
    const start: any = ourStart();
    delete start.session.audio.format.rate;
    expect(validateLiveClientEvent(start)).toEqual([
      expect.objectContaining({ code: 'missing_required_parameter', param: 'session.audio.format.rate' }),
    ]);
    start.session.audio.format = { type: 'audio/pcm', rate: 8000 };
    expect(validateLiveClientEvent(start)[0]).toMatchObject({ code: 'invalid_value', param: 'session.audio.format.rate' });
  });

  it('refuses more than 128 input messages, and a session without a model', () => {
    const start: any = ourStart();
    start.session.input = Array.from({ length: 129 }, () => ({ role: 'user', content: [{ type: 'input_text', text: 'x' }] }));
    expect(validateLiveClientEvent(start)[0]).toMatchObject({ param: 'session.input' });
    delete start.session.model;
    expect(validateLiveClientEvent(start).map((p) => p.code)).toContain('missing_required_parameter');
  });

  it('takes the appends with a null delegation id only, and refuses Realtime events', () => {
    expect(validateLiveClientEvent({ type: 'session.instructions.append', delegation_id: null, content: 'Greet.' })).toEqual([]);
    expect(validateLiveClientEvent({ type: 'session.thinking.append', content: 'x' })[0]).toMatchObject({
      code: 'missing_required_parameter',
    });
    expect(validateLiveClientEvent({ type: 'session.commentary.append', delegation_id: 'd1', content: 'x' })[0]).toMatchObject({
      param: 'delegation_id',
    });
    expect(validateLiveClientEvent({ type: 'input_audio_buffer.append', audio: '' })[0]).toMatchObject({ param: 'type' });
    expect(validateLiveClientEvent({ type: 'response.create', response: {} })[0]).toMatchObject({
      code: 'unknown_parameter',
      param: 'response',
    });
  });

  it('takes a function result and a bare response.create', () => {
    expect(
      validateLiveClientEvent({ type: 'response.item.create', item: { type: 'function_call_output', call_id: 'c', output: '{}' } }),
    ).toEqual([]);
    expect(validateLiveClientEvent({ type: 'response.create', event_id: 'continue_1' })).toEqual([]);
    expect(
      validateLiveClientEvent({ type: 'response.item.create', item: { type: 'function_call_output', output: '{}' } })[0],
    ).toMatchObject({ param: 'item.call_id' });
  });
});
