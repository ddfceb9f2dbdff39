/**
 * Builders of the GA Realtime server events a gateway handles, shaped as OpenAI sends them (and
 * typed with the `openai` package's declarations). The simulator and the e2e tests' fake upstream
 * both speak through these, so there is one definition of each event's shape.
 */
import type {
  ConversationItem,
  ConversationItemAdded,
  ConversationItemDeletedEvent,
  ConversationItemDone,
  ConversationItemInputAudioTranscriptionCompletedEvent,
  ConversationItemInputAudioTranscriptionFailedEvent,
  ConversationItemTruncatedEvent,
  InputAudioBufferClearedEvent,
  InputAudioBufferCommittedEvent,
  InputAudioBufferSpeechStartedEvent,
  InputAudioBufferSpeechStoppedEvent,
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCall,
  RealtimeConversationItemUserMessage,
  RealtimeErrorEvent,
  RealtimeResponse,
  RealtimeResponseStatus,
  RealtimeResponseUsage,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
  ResponseAudioDeltaEvent,
  ResponseAudioDoneEvent,
  ResponseAudioTranscriptDeltaEvent,
  ResponseAudioTranscriptDoneEvent,
  ResponseContentPartAddedEvent,
  ResponseContentPartDoneEvent,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  ResponseFunctionCallArgumentsDeltaEvent,
  ResponseFunctionCallArgumentsDoneEvent,
  ResponseOutputItemAddedEvent,
  ResponseOutputItemDoneEvent,
  SessionCreatedEvent,
  SessionUpdatedEvent,
} from 'openai/resources/realtime/realtime';
import type { RealtimeAudioFormat } from './audio-format.js';
import { newId } from './ids.js';

export type { RealtimeServerEvent };

/** The session object as the server reports it: the client's configuration plus identity. */
export type ServerSession = RealtimeSessionCreateRequest & { id: string; object: 'realtime.session'; expires_at: number };

/** Where a streamed piece of a response belongs. */
export interface OutputRef {
  responseId: string;
  itemId: string;
  outputIndex: number;
}

type ItemStatus = 'completed' | 'incomplete' | 'in_progress';
export type ResponseStatus = 'completed' | 'cancelled' | 'failed' | 'incomplete' | 'in_progress';

function eventId(): string {
  return newId('event');
}

// --- session ---------------------------------------------------------------------------------

export function sessionCreated(session: ServerSession): SessionCreatedEvent {
  return { type: 'session.created', event_id: eventId(), session };
}

export function sessionUpdated(session: ServerSession): SessionUpdatedEvent {
  return { type: 'session.updated', event_id: eventId(), session };
}

// --- caller audio ----------------------------------------------------------------------------

export function speechStarted(itemId: string, audioStartMs: number): InputAudioBufferSpeechStartedEvent {
  return { type: 'input_audio_buffer.speech_started', event_id: eventId(), item_id: itemId, audio_start_ms: Math.round(audioStartMs) };
}

export function speechStopped(itemId: string, audioEndMs: number): InputAudioBufferSpeechStoppedEvent {
  return { type: 'input_audio_buffer.speech_stopped', event_id: eventId(), item_id: itemId, audio_end_ms: Math.round(audioEndMs) };
}

export function inputAudioCommitted(itemId: string, previousItemId: string | null): InputAudioBufferCommittedEvent {
  return { type: 'input_audio_buffer.committed', event_id: eventId(), item_id: itemId, previous_item_id: previousItemId };
}

export function inputAudioCleared(): InputAudioBufferClearedEvent {
  return { type: 'input_audio_buffer.cleared', event_id: eventId() };
}

export function inputTranscriptionCompleted(
  itemId: string,
  transcript: string,
  audioSeconds: number,
): ConversationItemInputAudioTranscriptionCompletedEvent {
  return {
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: eventId(),
    item_id: itemId,
    content_index: 0,
    transcript,
    usage: { type: 'duration', seconds: Math.round(audioSeconds * 100) / 100 },
  };
}

/** The caller's line has no transcript (e.g. the transcription model failed or was refused). */
export function inputTranscriptionFailed(
  itemId: string,
  error: ConversationItemInputAudioTranscriptionFailedEvent['error'],
): ConversationItemInputAudioTranscriptionFailedEvent {
  return { type: 'conversation.item.input_audio_transcription.failed', event_id: eventId(), item_id: itemId, content_index: 0, error };
}

// --- conversation items ----------------------------------------------------------------------

/** The caller's committed audio turn (the server never echoes the audio bytes back). */
export function userAudioItem(id: string, transcript?: string): RealtimeConversationItemUserMessage {
  return {
    id,
    object: 'realtime.item',
    type: 'message',
    status: 'completed',
    role: 'user',
    content: [transcript === undefined ? { type: 'input_audio' } : { type: 'input_audio', transcript }],
  };
}

export function assistantAudioItem(id: string, status: ItemStatus, transcript?: string): RealtimeConversationItemAssistantMessage {
  return {
    id,
    object: 'realtime.item',
    type: 'message',
    status,
    role: 'assistant',
    content: transcript === undefined ? [] : [{ type: 'output_audio', transcript }],
  };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status: ItemStatus,
): RealtimeConversationItemFunctionCall {
  return { id, object: 'realtime.item', type: 'function_call', status, call_id: callId, name, arguments: args };
}

export function conversationItemAdded(item: ConversationItem, previousItemId: string | null): ConversationItemAdded {
  return { type: 'conversation.item.added', event_id: eventId(), previous_item_id: previousItemId, item };
}

export function conversationItemDone(item: ConversationItem, previousItemId: string | null): ConversationItemDone {
  return { type: 'conversation.item.done', event_id: eventId(), previous_item_id: previousItemId, item };
}

export function conversationItemTruncated(itemId: string, contentIndex: number, audioEndMs: number): ConversationItemTruncatedEvent {
  return {
    type: 'conversation.item.truncated',
    event_id: eventId(),
    item_id: itemId,
    content_index: contentIndex,
    audio_end_ms: audioEndMs,
  };
}

export function conversationItemDeleted(itemId: string): ConversationItemDeletedEvent {
  return { type: 'conversation.item.deleted', event_id: eventId(), item_id: itemId };
}

// --- responses -------------------------------------------------------------------------------

/** Token counts of the order OpenAI reports for this much audio (about 10 audio tokens a second). */
export function plausibleUsage(opts: {
  inputAudioMs?: number;
  outputAudioMs?: number;
  inputText?: string;
  outputText?: string;
}): RealtimeResponseUsage {
  const inputAudio = Math.round((opts.inputAudioMs ?? 0) / 100);
  const inputText = 120 + Math.ceil((opts.inputText?.length ?? 0) / 4);
  const outputAudio = Math.round((opts.outputAudioMs ?? 0) / 50);
  const outputText = Math.ceil((opts.outputText?.length ?? 0) / 4);
  const input = inputAudio + inputText;
  const output = outputAudio + outputText;
  return {
    total_tokens: input + output,
    input_tokens: input,
    output_tokens: output,
    input_token_details: { text_tokens: inputText, audio_tokens: inputAudio, cached_tokens: 0 },
    output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
  };
}

export interface ResponseObjectOptions {
  id: string;
  status: ResponseStatus;
  output?: ConversationItem[];
  format?: RealtimeAudioFormat;
  voice?: string;
  usage?: RealtimeResponseUsage;
  /** Why it ended when not completed (e.g. 'turn_detected', 'client_cancelled', 'max_output_tokens'). */
  reason?: RealtimeResponseStatus['reason'];
  /** Why it failed (status 'failed'): OpenAI reports it here, with no `error` event. */
  error?: RealtimeResponseStatus['error'];
  conversationId?: string;
}

export function realtimeResponse(o: ResponseObjectOptions): RealtimeResponse {
  const response: RealtimeResponse = {
    object: 'realtime.response',
    id: o.id,
    status: o.status,
    output: o.output ?? [],
    output_modalities: ['audio'],
    max_output_tokens: 'inf',
    audio: { output: { format: o.format ?? { type: 'audio/pcm', rate: 24000 }, voice: o.voice ?? 'marin' } },
  };
  if (o.conversationId) response.conversation_id = o.conversationId;
  if (o.status !== 'in_progress') {
    response.status_details = { type: o.status, ...(o.reason ? { reason: o.reason } : {}), ...(o.error ? { error: o.error } : {}) };
  }
  if (o.usage) response.usage = o.usage;
  return response;
}

export function responseCreated(response: RealtimeResponse): ResponseCreatedEvent {
  return { type: 'response.created', event_id: eventId(), response };
}

export function responseDone(response: RealtimeResponse): ResponseDoneEvent {
  return { type: 'response.done', event_id: eventId(), response };
}

export function outputItemAdded(responseId: string, outputIndex: number, item: ConversationItem): ResponseOutputItemAddedEvent {
  return { type: 'response.output_item.added', event_id: eventId(), response_id: responseId, output_index: outputIndex, item };
}

export function outputItemDone(responseId: string, outputIndex: number, item: ConversationItem): ResponseOutputItemDoneEvent {
  return { type: 'response.output_item.done', event_id: eventId(), response_id: responseId, output_index: outputIndex, item };
}

function refFields(ref: OutputRef) {
  return { event_id: eventId(), response_id: ref.responseId, item_id: ref.itemId, output_index: ref.outputIndex, content_index: 0 };
}

export function contentPartAdded(ref: OutputRef): ResponseContentPartAddedEvent {
  return { type: 'response.content_part.added', ...refFields(ref), part: { type: 'audio', transcript: '' } };
}

export function contentPartDone(ref: OutputRef, transcript: string): ResponseContentPartDoneEvent {
  return { type: 'response.content_part.done', ...refFields(ref), part: { type: 'audio', transcript } };
}

export function outputAudioDelta(ref: OutputRef, audio: Buffer): ResponseAudioDeltaEvent {
  return { type: 'response.output_audio.delta', ...refFields(ref), delta: audio.toString('base64') };
}

export function outputAudioDone(ref: OutputRef): ResponseAudioDoneEvent {
  return { type: 'response.output_audio.done', ...refFields(ref) };
}

export function outputTranscriptDelta(ref: OutputRef, delta: string): ResponseAudioTranscriptDeltaEvent {
  return { type: 'response.output_audio_transcript.delta', ...refFields(ref), delta };
}

export function outputTranscriptDone(ref: OutputRef, transcript: string): ResponseAudioTranscriptDoneEvent {
  return { type: 'response.output_audio_transcript.done', ...refFields(ref), transcript };
}

export function functionCallArgumentsDelta(ref: OutputRef, callId: string, delta: string): ResponseFunctionCallArgumentsDeltaEvent {
  const { content_index: _unused, ...fields } = refFields(ref);
  return { type: 'response.function_call_arguments.delta', ...fields, call_id: callId, delta };
}

export function functionCallArgumentsDone(
  ref: OutputRef,
  callId: string,
  name: string,
  args: string,
): ResponseFunctionCallArgumentsDoneEvent {
  const { content_index: _unused, ...fields } = refFields(ref);
  return { type: 'response.function_call_arguments.done', ...fields, call_id: callId, name, arguments: args };
}

// --- errors ----------------------------------------------------------------------------------

export interface ErrorDetails {
  code: string | null;
  message: string;
  type?: string;
  param?: string | null;
  /** The client event that caused it, when there is one. */
  eventId?: string | null;
}

export function errorEvent(e: ErrorDetails): RealtimeErrorEvent {
  return {
    type: 'error',
    event_id: eventId(),
    error: {
      type: e.type ?? 'invalid_request_error',
      code: e.code,
      message: e.message,
      param: e.param ?? null,
      event_id: e.eventId ?? null,
    },
  };
}
