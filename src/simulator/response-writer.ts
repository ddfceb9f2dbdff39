import type { RealtimeAudioFormat } from './audio-format.js';
import { msForBytes } from './audio-format.js';
import { newId } from './ids.js';
import {
  assistantAudioItem,
  contentPartAdded,
  contentPartDone,
  conversationItemAdded,
  conversationItemDone,
  functionCallArgumentsDone,
  functionCallItem,
  outputAudioDelta,
  outputAudioDone,
  outputItemAdded,
  outputItemDone,
  outputTranscriptDelta,
  outputTranscriptDone,
  plausibleUsage,
  realtimeResponse,
  responseCreated,
  responseDone,
  type OutputRef,
  type RealtimeServerEvent,
} from './server-events.js';

export type SendEvent = (ev: RealtimeServerEvent) => void;

export interface AudioResponseOptions {
  format: RealtimeAudioFormat;
  transcript: string;
  voice?: string;
  previousItemId?: string | null;
  responseId?: string;
  itemId?: string;
  /** Caller audio the response answers, for the usage figures. */
  inputAudioMs?: number;
}

export type CancelReason = 'turn_detected' | 'client_cancelled';

/**
 * One assistant audio response, in the order OpenAI streams it: `begin()`, any number of
 * `audio()` chunks, then `finish()` (completed) or `cancel()` (barge-in or response.cancel).
 * Pacing is the caller's business, so the simulator and the tests' fake can drive it differently.
 */
export class AudioResponseWriter {
  readonly ref: OutputRef;
  private bytesSent = 0;
  private state: 'new' | 'streaming' | 'ended' = 'new';

  constructor(
    private readonly send: SendEvent,
    private readonly opts: AudioResponseOptions,
  ) {
    this.ref = { responseId: opts.responseId ?? newId('resp'), itemId: opts.itemId ?? newId('item'), outputIndex: 0 };
  }

  get responseId(): string {
    return this.ref.responseId;
  }

  get itemId(): string {
    return this.ref.itemId;
  }

  /** Milliseconds of audio sent so far (the most a client may truncate the item to). */
  get audioMs(): number {
    return msForBytes(this.opts.format, this.bytesSent);
  }

  get isStreaming(): boolean {
    return this.state === 'streaming';
  }

  begin(): void {
    if (this.state !== 'new') return;
    this.state = 'streaming';
    const { responseId, itemId } = this.ref;
    const item = assistantAudioItem(itemId, 'in_progress');
    this.send(responseCreated(this.response('in_progress', [])));
    this.send(outputItemAdded(responseId, 0, item));
    this.send(conversationItemAdded(item, this.opts.previousItemId ?? null));
    this.send(contentPartAdded(this.ref));
    this.send(outputTranscriptDelta(this.ref, this.opts.transcript));
  }

  audio(chunk: Buffer): void {
    if (this.state !== 'streaming' || chunk.length === 0) return;
    this.bytesSent += chunk.length;
    this.send(outputAudioDelta(this.ref, chunk));
  }

  finish(): void {
    this.end('completed');
  }

  cancel(reason: CancelReason): void {
    this.end('cancelled', reason);
  }

  private end(status: 'completed' | 'cancelled', reason?: CancelReason): void {
    if (this.state !== 'streaming') return;
    this.state = 'ended';
    const { transcript } = this.opts;
    const item = assistantAudioItem(this.ref.itemId, status === 'completed' ? 'completed' : 'incomplete', transcript);
    this.send(outputAudioDone(this.ref));
    this.send(outputTranscriptDone(this.ref, transcript));
    this.send(contentPartDone(this.ref, transcript));
    this.send(outputItemDone(this.ref.responseId, 0, item));
    this.send(conversationItemDone(item, this.opts.previousItemId ?? null));
    this.send(responseDone(this.response(status, [item], reason)));
  }

  private response(status: 'in_progress' | 'completed' | 'cancelled', output: ReturnType<typeof assistantAudioItem>[], reason?: CancelReason) {
    const usage =
      status === 'in_progress'
        ? undefined
        : plausibleUsage({ inputAudioMs: this.opts.inputAudioMs, outputAudioMs: this.audioMs, outputText: this.opts.transcript });
    return realtimeResponse({ id: this.ref.responseId, status, output, format: this.opts.format, voice: this.opts.voice, usage, reason });
  }
}

export interface FunctionCallResponse {
  responseId: string;
  itemId: string;
  callId: string;
}

/** A whole response whose only output is a function call, as OpenAI sends it. */
export function writeFunctionCallResponse(
  send: SendEvent,
  call: { name: string; arguments: string; callId?: string; previousItemId?: string | null; format?: RealtimeAudioFormat },
): FunctionCallResponse {
  const responseId = newId('resp');
  const itemId = newId('item');
  const callId = call.callId ?? newId('call');
  const previous = call.previousItemId ?? null;
  const ref: OutputRef = { responseId, itemId, outputIndex: 0 };
  const started = functionCallItem(itemId, callId, call.name, '', 'in_progress');
  const done = functionCallItem(itemId, callId, call.name, call.arguments, 'completed');
  send(responseCreated(realtimeResponse({ id: responseId, status: 'in_progress', format: call.format })));
  send(outputItemAdded(responseId, 0, started));
  send(conversationItemAdded(started, previous));
  send(functionCallArgumentsDone(ref, callId, call.name, call.arguments));
  send(outputItemDone(responseId, 0, done));
  send(conversationItemDone(done, previous));
  const usage = plausibleUsage({ outputText: call.arguments });
  send(responseDone(realtimeResponse({ id: responseId, status: 'completed', output: [done], format: call.format, usage })));
  return { responseId, itemId, callId };
}
