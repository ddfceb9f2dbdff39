import { GA_SESSION } from './ga-session.js';
import { validateClientEvent, validateServerEvent } from './realtime-schema.js';

describe('validateClientEvent', () => {
  it.each([
    ['session.update', { type: 'session.update', session: GA_SESSION }],
    ['input_audio_buffer.append', { type: 'input_audio_buffer.append', audio: 'AAAA' }],
    ['conversation.item.create', { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'c1', output: '{}' } }],
    ['conversation.item.truncate', { type: 'conversation.item.truncate', item_id: 'i1', content_index: 0, audio_end_ms: 120 }],
    ['response.create', { type: 'response.create', response: { instructions: 'Greet the caller' } }],
    ['response.cancel', { type: 'response.cancel' }],
  ])('accepts a GA %s', (_name, ev) => {
    expect(validateClientEvent(ev)).toEqual([]);
  });

  it('rejects session.temperature: the live GA server refuses the whole update over it', () => {
    expect(validateClientEvent({ type: 'session.update', session: { ...GA_SESSION, temperature: 0.8 } })).toEqual([
      `the live server refuses the whole update: unknown_parameter "Unknown parameter: 'session.temperature'."`,
    ]);
  });

  it('rejects what the live server refuses deeper in the session: PCM without rate, a beta format name', () => {
    const pcmNoRate = { ...GA_SESSION, audio: { ...GA_SESSION.audio, input: { format: { type: 'audio/pcm' } } } };
    expect(validateClientEvent({ type: 'session.update', session: pcmNoRate })).toEqual([
      `the live server refuses the whole update: missing_required_parameter "Missing required parameter: 'session.audio.input.format.rate'."`,
    ]);
    const betaFormat = { ...GA_SESSION, audio: { output: { format: { type: 'pcm16' } } } };
    expect(validateClientEvent({ type: 'session.update', session: betaFormat }).join('\n')).toContain(
      `invalid_value "Invalid value: 'pcm16'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'."`,
    );
  });

  it('rejects session.model: the model is chosen by ?model=', () => {
    expect(validateClientEvent({ type: 'session.update', session: { ...GA_SESSION, model: 'gpt-realtime-2.1' } }).join('\n')).toContain(
      'session.model is sent',
    );
  });

  it.each([
    ['modalities', { modalities: ['audio', 'text'] }],
    ['input_audio_format', { input_audio_format: 'pcm16' }],
    ['output_audio_format', { output_audio_format: 'g711_ulaw' }],
    ['voice', { voice: 'alloy' }],
    ['max_response_output_tokens', { max_response_output_tokens: 'inf' }],
  ])('rejects the beta-only session field %s', (field, extra) => {
    const problems = validateClientEvent({ type: 'session.update', session: { ...GA_SESSION, ...extra } });
    expect(problems.join('\n')).toContain(`session.${field} is a beta-only field`);
  });

  it('rejects a session.update without session.type', () => {
    const { type: _type, ...untyped } = GA_SESSION;
    expect(validateClientEvent({ type: 'session.update', session: untyped }).join('\n')).toContain('session.type is missing');
  });

  it('rejects a beta-only field in response.create', () => {
    expect(validateClientEvent({ type: 'response.create', response: { modalities: ['audio'] } })).toContain(
      'response.modalities is a beta-only field (not part of the GA interface)',
    );
  });

  it('rejects a response.create field the declarations do not know', () => {
    expect(validateClientEvent({ type: 'response.create', response: { instructions: 'x', temperature: 0.8 } })).toEqual([
      `the live server refuses it: unknown_parameter "Unknown parameter: 'response.temperature'."`,
    ]);
  });

  it('names what is wrong with a malformed event', () => {
    expect(validateClientEvent({ type: 'input_audio_buffer.append', audio: 42 }).join('\n')).toContain('/audio must be string');
    expect(validateClientEvent({ type: 'conversation.item.truncate', item_id: 'i1' }).join('\n')).toContain('content_index');
    expect(validateClientEvent({ type: 'session.create' })).toEqual(['unknown client event type "session.create"']);
    expect(validateClientEvent('not an object')).toEqual(['event is not a JSON object']);
  });
});

describe('validateServerEvent', () => {
  it('accepts a GA server event and refuses its beta name', () => {
    const delta = {
      type: 'response.output_audio.delta',
      event_id: 'e1',
      response_id: 'r1',
      item_id: 'i1',
      output_index: 0,
      content_index: 0,
      delta: 'AAAA',
    };
    expect(validateServerEvent(delta)).toEqual([]);
    expect(validateServerEvent({ ...delta, type: 'response.audio.delta' })).toEqual(['unknown server event type "response.audio.delta"']);
  });

  it('refuses a server event missing a required field', () => {
    expect(validateServerEvent({ type: 'error', event_id: 'e1', error: { type: 'server_error' } }).join('\n')).toContain('message');
  });

  it('accepts a nullable field as null (OpenAPI nullable rewritten for JSON Schema)', () => {
    const session = { type: 'realtime', object: 'realtime.session', id: 's1', tracing: null };
    expect(validateServerEvent({ type: 'session.created', event_id: 'e1', session })).toEqual([]);
    expect(validateClientEvent({ type: 'session.update', session: { type: 'realtime', tracing: null } })).toEqual([]);
  });
});
