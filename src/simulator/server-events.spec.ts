import { validateServerEvent } from '../../test/support/realtime-schema.js';
import { PCM_24K } from './audio-format.js';
import { AudioResponseWriter, ResponseWriter, writeFunctionCallResponse } from './response-writer.js';
import * as build from './server-events.js';
import { defaultSession } from './session-config.js';

const ref: build.OutputRef = { responseId: 'resp_1', itemId: 'item_2', outputIndex: 0 };
const assistant = build.assistantAudioItem('item_2', 'completed', 'Hi there');

const singles: Array<[string, object]> = [
  ['session.created', build.sessionCreated(defaultSession('gpt-realtime-2.1', 1_900_000_000))],
  ['session.updated', build.sessionUpdated({ ...defaultSession('gpt-realtime-2.1', 1_900_000_000), instructions: 'x' })],
  ['speech_started', build.speechStarted('item_1', 120)],
  ['speech_stopped', build.speechStopped('item_1', 1800)],
  ['committed', build.inputAudioCommitted('item_1', null)],
  ['cleared', build.inputAudioCleared()],
  ['transcription.completed', build.inputTranscriptionCompleted('item_1', '[simulated] caller spoke for 1.7 s', 1.7)],
  [
    'transcription.failed',
    build.inputTranscriptionFailed('item_1', {
      type: 'server_error',
      code: 'transcription_failed',
      message: 'Audio could not be transcribed.',
    }),
  ],
  ['item.added (user)', build.conversationItemAdded(build.userAudioItem('item_1'), null)],
  ['item.done (assistant)', build.conversationItemDone(assistant, 'item_1')],
  ['item.truncated', build.conversationItemTruncated('item_2', 0, 640)],
  ['item.deleted', build.conversationItemDeleted('item_2')],
  ['response.created', build.responseCreated(build.realtimeResponse({ id: 'resp_1', status: 'in_progress' }))],
  ['output_item.added', build.outputItemAdded('resp_1', 0, build.assistantAudioItem('item_2', 'in_progress'))],
  ['output_item.done', build.outputItemDone('resp_1', 0, assistant)],
  ['content_part.added', build.contentPartAdded(ref)],
  ['content_part.done', build.contentPartDone(ref, 'Hi there')],
  ['output_audio.delta', build.outputAudioDelta(ref, Buffer.alloc(480))],
  ['output_audio.done', build.outputAudioDone(ref)],
  ['transcript.delta', build.outputTranscriptDelta(ref, 'Hi')],
  ['transcript.done', build.outputTranscriptDone(ref, 'Hi there')],
  ['function_call_arguments.done', build.functionCallArgumentsDone(ref, 'call_1', 'lookup', '{"a":1}')],
  [
    'response.done (cancelled, usage)',
    build.responseDone(
      build.realtimeResponse({
        id: 'resp_1',
        status: 'cancelled',
        reason: 'turn_detected',
        output: [assistant],
        usage: build.plausibleUsage({ inputAudioMs: 1800, outputAudioMs: 900, outputText: 'Hi there' }),
      }),
    ),
  ],
  ['error', build.errorEvent({ code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' })],
];

describe('GA server event builders', () => {
  it.each(singles)('%s is a valid RealtimeServerEvent', (_name, ev) => {
    expect(validateServerEvent(ev)).toEqual([]);
  });

  it('streams a whole audio response, then a cancelled one, as valid events', () => {
    const sent: object[] = [];
    const done = new AudioResponseWriter((ev) => sent.push(ev), { format: PCM_24K, transcript: 'Hello' });
    done.begin();
    done.audio(Buffer.alloc(4800));
    done.finish();
    const cancelled = new AudioResponseWriter((ev) => sent.push(ev), { format: { type: 'audio/pcmu' }, transcript: 'Hel' });
    cancelled.begin();
    cancelled.audio(Buffer.alloc(800));
    cancelled.cancel('client_cancelled');
    writeFunctionCallResponse((ev) => sent.push(ev), { name: 'lookup', arguments: '{"q":"x"}' });
    expect(sent.flatMap((ev) => validateServerEvent(ev))).toEqual([]);
    expect(done.audioMs).toBe(100);
    expect(cancelled.audioMs).toBe(100);
  });

  it('reports usage with the token detail fields OpenAI sends', () => {
    const usage = build.plausibleUsage({ inputAudioMs: 2000, outputAudioMs: 1000, outputText: 'Sure.' });
    expect(usage.total_tokens).toBe(usage.input_tokens! + usage.output_tokens!);
    expect(Object.keys(usage.input_token_details!).sort()).toEqual(['audio_tokens', 'cached_tokens', 'text_tokens']);
    expect(Object.keys(usage.output_token_details!).sort()).toEqual(['audio_tokens', 'text_tokens']);
  });
});

describe('ResponseWriter: responses of several items, and the ways a response ends', () => {
  function record() {
    const sent: any[] = [];
    return { sent, send: (ev: object) => sent.push(ev), types: () => sent.map((ev) => ev.type) };
  }

  it('streams two audio items one after the other: the first is done before the second is added', () => {
    const { sent, send, types } = record();
    const writer = new ResponseWriter(send, { format: PCM_24K, previousItemId: 'item_user' });
    const first = writer.audioItem({ transcript: 'Part one.' });
    first.audio(Buffer.alloc(4800));
    const second = writer.audioItem({ transcript: 'Part two.' });
    second.audio(Buffer.alloc(9600));
    writer.end({ status: 'completed' });
    expect(sent.flatMap((ev) => validateServerEvent(ev))).toEqual([]);
    /** One audio item from start to end: added, its audio, done. */
    const audioItem = [
      ...['response.output_item.added', 'conversation.item.added', 'response.content_part.added', 'response.output_audio_transcript.delta'],
      'response.output_audio.delta',
      ...[
        'response.output_audio.done',
        'response.output_audio_transcript.done',
        'response.content_part.done',
        'response.output_item.done',
        'conversation.item.done',
      ],
    ];
    expect(types()).toEqual(['response.created', ...audioItem, ...audioItem, 'response.done']);
    const added = sent.filter((ev) => ev.type === 'conversation.item.added');
    expect(added.map((ev) => ev.previous_item_id)).toEqual(['item_user', first.itemId]);
    expect(sent.filter((ev) => ev.type === 'response.output_audio.delta').map((ev) => [ev.item_id, ev.output_index])).toEqual([
      [first.itemId, 0],
      [second.itemId, 1],
    ]);
    const done = sent.at(-1).response;
    expect(done.status).toBe('completed');
    expect(done.output.map((item: any) => [item.id, item.status])).toEqual([
      [first.itemId, 'completed'],
      [second.itemId, 'completed'],
    ]);
    expect([first.audioMs, second.audioMs]).toEqual([100, 200]);
  });

  it('sends several function calls in one response, each completed', () => {
    const { sent, send } = record();
    const writer = new ResponseWriter(send, { format: PCM_24K });
    writer.functionCall({ name: 'lookup', arguments: '{"q":1}', callId: 'call_a' });
    writer.functionCall({ name: 'book', arguments: '{"slot":2}', callId: 'call_b' });
    writer.end({ status: 'completed' });
    expect(sent.flatMap((ev) => validateServerEvent(ev))).toEqual([]);
    expect(
      sent.filter((ev) => ev.type === 'response.output_item.done').map((ev) => [ev.item.call_id, ev.item.status, ev.output_index]),
    ).toEqual([
      ['call_a', 'completed', 0],
      ['call_b', 'completed', 1],
    ]);
    expect(sent.at(-1).response.output.map((item: any) => item.call_id)).toEqual(['call_a', 'call_b']);
  });

  it('closes a cut-off function call with arguments.done and output_item.done incomplete, then response.done cancelled', () => {
    const { sent, send, types } = record();
    const writer = new ResponseWriter(send, { format: PCM_24K });
    const call = writer.startFunctionCall({ name: 'avr_hangup', arguments: '{}', callId: 'call_x' });
    call.streamArguments();
    writer.end({ status: 'cancelled', reason: 'turn_detected' });
    expect(sent.flatMap((ev) => validateServerEvent(ev))).toEqual([]);
    expect(types().slice(-4)).toEqual([
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    expect(sent.find((ev) => ev.type === 'response.output_item.done').item).toMatchObject({ call_id: 'call_x', status: 'incomplete' });
    expect(sent.at(-1).response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
  });

  it('ends a response failed (the error in status_details) or incomplete (with its reason)', () => {
    const { sent, send } = record();
    const failed = new ResponseWriter(send, { format: PCM_24K });
    failed.begin();
    failed.end({ status: 'failed', error: { type: 'server_error', code: 'server_error' } });
    const incomplete = new ResponseWriter(send, { format: PCM_24K });
    incomplete.audioItem({ transcript: 'I was about to' }).audio(Buffer.alloc(480));
    incomplete.end({ status: 'incomplete', reason: 'max_output_tokens' });
    expect(sent.flatMap((ev) => validateServerEvent(ev))).toEqual([]);
    const dones = sent.filter((ev) => ev.type === 'response.done').map((ev) => ev.response);
    expect(dones[0]).toMatchObject({
      status: 'failed',
      output: [],
      status_details: { type: 'failed', error: { type: 'server_error', code: 'server_error' } },
    });
    expect(dones[1]).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' } });
    expect(dones[1].output[0].status).toBe('incomplete');
  });
});
