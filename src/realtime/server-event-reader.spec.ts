import { readServerEvent, readUsage } from './server-event-reader.js';

const deep = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('readServerEvent', () => {
  it('never throws on hostile field types: objects where strings belong, nesting 20,000 deep', () => {
    const hostile: unknown[] = [{ toString: 0 }, { valueOf: 1 }, 42, null, [], deep(20000), true];
    const types = [
      'error',
      'response.output_audio.delta',
      'response.output_audio.done',
      'response.created',
      'response.done',
      'response.output_item.done',
      'input_audio_buffer.speech_started',
      'response.output_audio_transcript.done',
      'conversation.item.input_audio_transcription.completed',
      'conversation.item.input_audio_transcription.failed',
    ];
    for (const type of types) {
      for (const v of hostile) {
        const events = [
          { type, error: { message: v, code: v, event_id: v } },
          { type, error: v },
          { type, delta: v, item_id: v, response_id: v },
          { type, response: v },
          { type, response: { id: v, status: v, status_details: v, usage: v } },
          { type, item: { type: 'function_call', status: 'completed', name: v, call_id: v, arguments: v } },
          { type, item: v },
          { type, transcript: v, item_id: v },
        ];
        for (const ev of events) {
          const reading = readServerEvent(ev);
          expect(['event', 'error', 'malformed', 'ignored', 'skipped_call', 'transcription_failed', 'session_updated']).toContain(
            reading.kind,
          );
          if (reading.kind === 'error') {
            expect(typeof reading.code).toBe('string');
            expect(typeof reading.message).toBe('string');
          }
          if (reading.kind === 'event' && reading.event.type === 'tool_call') {
            expect(typeof reading.event.name).toBe('string');
            expect(typeof reading.event.arguments).toBe('string');
          }
        }
      }
    }
  });

  it('reads an error with a non-string message or code as a classified error, not a throw', () => {
    expect(readServerEvent({ type: 'error', error: { message: { toString: 0 }, code: ['x'], type: 'server_error' } })).toEqual({
      kind: 'error',
      code: 'server_error',
      message: 'no message',
    });
  });

  it('emits a tool call only for a completed function_call item, never for an incomplete one', () => {
    const item = { type: 'function_call', call_id: 'c1', name: 'avr_hangup', arguments: '{}' };
    expect(readServerEvent({ type: 'response.output_item.done', response_id: 'r1', item: { ...item, status: 'completed' } })).toEqual({
      kind: 'event',
      event: { type: 'tool_call', callId: 'c1', name: 'avr_hangup', arguments: '{}', responseId: 'r1' },
    });
    expect(readServerEvent({ type: 'response.output_item.done', item: { ...item, status: 'incomplete' } })).toMatchObject({
      kind: 'skipped_call',
      status: 'incomplete',
    });
    // The arguments event fires for barged-in calls too: it is never a tool call.
    expect(readServerEvent({ type: 'response.function_call_arguments.done', call_id: 'c1', name: 'avr_hangup', arguments: '{}' })).toEqual({
      kind: 'ignored',
    });
    expect(
      readServerEvent({ type: 'response.output_item.done', item: { ...item, status: 'completed', arguments: { a: 1 } } }),
    ).toMatchObject({ kind: 'malformed' });
  });

  it('gives response.done its status and the reason of a failed or incomplete response', () => {
    const failed = readServerEvent({
      type: 'response.done',
      response: { id: 'r1', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: 'server_error' } } },
    });
    expect(failed).toEqual({ kind: 'event', event: { type: 'response_done', responseId: 'r1', status: 'failed', reason: 'server_error' } });
    const incomplete = readServerEvent({
      type: 'response.done',
      response: { id: 'r2', status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' } },
    });
    expect(incomplete).toEqual({
      kind: 'event',
      event: { type: 'response_done', responseId: 'r2', status: 'incomplete', reason: 'max_output_tokens' },
    });
  });

  it('reads usage with missing or wrongly typed counts as zero', () => {
    expect(
      readUsage({ input_tokens: 10, output_tokens: '5', total_tokens: 15, input_token_details: { audio_tokens: 7, cached_tokens: NaN } }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 0,
      totalTokens: 15,
      inputTextTokens: 0,
      inputAudioTokens: 7,
      inputCachedTokens: 0,
      outputTextTokens: 0,
      outputAudioTokens: 0,
    });
    expect(readUsage('lots')).toBeUndefined();
  });
});
