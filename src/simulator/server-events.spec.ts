import { validateServerEvent } from '../../test/support/realtime-schema.js';
import { PCM_24K } from './audio-format.js';
import { AudioResponseWriter, writeFunctionCallResponse } from './response-writer.js';
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
      build.realtimeResponse({ id: 'resp_1', status: 'cancelled', reason: 'turn_detected', output: [assistant], usage: build.plausibleUsage({ inputAudioMs: 1800, outputAudioMs: 900, outputText: 'Hi there' }) }),
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
