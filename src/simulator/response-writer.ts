import type { ConversationItem } from 'openai/resources/realtime/realtime';
import type { RealtimeAudioFormat } from './audio-format.js';
import { msForBytes } from './audio-format.js';
import { newId } from './ids.js';
import {
  assistantAudioItem,
  contentPartAdded,
  contentPartDone,
  conversationItemAdded,
  conversationItemDone,
  functionCallArgumentsDelta,
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
  type ResponseObjectOptions,
} from './server-events.js';

export type SendEvent = (ev: RealtimeServerEvent) => void;

export type CancelReason = 'turn_detected' | 'client_cancelled';

/**
 * How a response ends, as `response.done` reports it: completed; cancelled (barge-in or
 * response.cancel); incomplete with its reason; failed with its error in `status_details.error`
 * (OpenAI sends no `error` event with it).
 */
export type ResponseEnding =
  | { status: 'completed' }
  | { status: 'cancelled'; reason: CancelReason }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { status: 'failed'; error: { type: string; code?: string } };

export interface ResponseOptions {
  format: RealtimeAudioFormat;
  voice?: string;
  previousItemId?: string | null;
  responseId?: string;
  /** Caller audio the response answers, for the usage figures. */
  inputAudioMs?: number;
}

type ItemStatus = 'completed' | 'incomplete';

/** One output item of a response, streaming until it is closed. */
abstract class OutputItemWriter {
  protected closed = false;

  constructor(
    protected readonly send: SendEvent,
    readonly ref: OutputRef,
    protected readonly previousItemId: string | null,
  ) {}

  get itemId(): string {
    return this.ref.itemId;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends the item's closing events; returns the item as response.done lists it. */
  close(status: ItemStatus): ConversationItem | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    return this.sendClosing(status);
  }

  protected abstract sendClosing(status: ItemStatus): ConversationItem;
}

/** An assistant audio item: its audio deltas, and its transcript (sent whole at the start). */
export class AudioItemWriter extends OutputItemWriter {
  private bytesSent = 0;

  constructor(
    send: SendEvent,
    ref: OutputRef,
    previousItemId: string | null,
    private readonly format: RealtimeAudioFormat,
    readonly transcript: string,
  ) {
    super(send, ref, previousItemId);
    const item = assistantAudioItem(ref.itemId, 'in_progress');
    send(outputItemAdded(ref.responseId, ref.outputIndex, item));
    send(conversationItemAdded(item, previousItemId));
    send(contentPartAdded(ref));
    send(outputTranscriptDelta(ref, transcript));
  }

  /** Milliseconds of audio sent so far (the most a client may truncate the item to). */
  get audioMs(): number {
    return msForBytes(this.format, this.bytesSent);
  }

  audio(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.bytesSent += chunk.length;
    this.send(outputAudioDelta(this.ref, chunk));
  }

  protected sendClosing(status: ItemStatus): ConversationItem {
    const item = assistantAudioItem(this.ref.itemId, status, this.transcript);
    this.send(outputAudioDone(this.ref));
    this.send(outputTranscriptDone(this.ref, this.transcript));
    this.send(contentPartDone(this.ref, this.transcript));
    this.send(outputItemDone(this.ref.responseId, this.ref.outputIndex, item));
    this.send(conversationItemDone(item, this.previousItemId));
    return item;
  }
}

export interface FunctionCallSpec {
  name: string;
  arguments: string;
  callId?: string;
  itemId?: string;
}

/**
 * A function call item. Its `response.function_call_arguments.done` and `output_item.done` come
 * also when the response is cut off: then the item's status is `incomplete` (a client must not run it).
 */
export class FunctionCallWriter extends OutputItemWriter {
  readonly callId: string;
  readonly name: string;
  private readonly args: string;

  constructor(send: SendEvent, ref: OutputRef, previousItemId: string | null, spec: FunctionCallSpec) {
    super(send, ref, previousItemId);
    this.callId = spec.callId ?? newId('call');
    this.name = spec.name;
    this.args = spec.arguments;
    const started = functionCallItem(ref.itemId, this.callId, this.name, '', 'in_progress');
    send(outputItemAdded(ref.responseId, ref.outputIndex, started));
    send(conversationItemAdded(started, previousItemId));
  }

  get arguments(): string {
    return this.args;
  }

  /** Streams the arguments as one delta (OpenAI streams them in pieces before the done event). */
  streamArguments(): void {
    if (!this.closed && this.args.length > 0) this.send(functionCallArgumentsDelta(this.ref, this.callId, this.args));
  }

  protected sendClosing(status: ItemStatus): ConversationItem {
    const item = functionCallItem(this.ref.itemId, this.callId, this.name, this.args, status);
    this.send(functionCallArgumentsDone(this.ref, this.callId, this.name, this.args));
    this.send(outputItemDone(this.ref.responseId, this.ref.outputIndex, item));
    this.send(conversationItemDone(item, this.previousItemId));
    return item;
  }
}

/**
 * One response with any number of output items, in the order OpenAI streams them: `begin()`,
 * items one after another (starting an item closes the one before as completed: a response's
 * items never interleave), then `end()`, which closes the item still open (incomplete unless the
 * response completed) and sends `response.done`. Pacing is the caller's business.
 */
export class ResponseWriter {
  readonly responseId: string;
  private readonly items: OutputItemWriter[] = [];
  private readonly output: ConversationItem[] = [];
  private state: 'new' | 'streaming' | 'ended' = 'new';

  constructor(
    private readonly send: SendEvent,
    private readonly opts: ResponseOptions,
  ) {
    this.responseId = opts.responseId ?? newId('resp');
  }

  get isStreaming(): boolean {
    return this.state === 'streaming';
  }

  /** The id of the last item, for the next item's (or the conversation's) previous_item_id. */
  get lastItemId(): string | null {
    return this.items.at(-1)?.itemId ?? this.opts.previousItemId ?? null;
  }

  begin(): void {
    if (this.state !== 'new') return;
    this.state = 'streaming';
    this.send(responseCreated(this.response('in_progress', [])));
  }

  audioItem(opts: { transcript: string; itemId?: string }): AudioItemWriter {
    return this.add((ref, previous) => new AudioItemWriter(this.send, ref, previous, this.opts.format, opts.transcript), opts.itemId);
  }

  /** A function call left open: its arguments.done comes when it is completed or the response ends. */
  startFunctionCall(spec: FunctionCallSpec): FunctionCallWriter {
    return this.add((ref, previous) => new FunctionCallWriter(this.send, ref, previous, spec), spec.itemId);
  }

  /** A whole function call item: added, arguments, done (completed). */
  functionCall(spec: FunctionCallSpec): FunctionCallWriter {
    const call = this.startFunctionCall(spec);
    this.closeOpen('completed');
    return call;
  }

  end(ending: ResponseEnding): void {
    if (this.state !== 'streaming') return;
    this.state = 'ended';
    this.closeOpen(ending.status === 'completed' ? 'completed' : 'incomplete');
    const reason = 'reason' in ending ? ending.reason : undefined;
    const error = 'error' in ending ? ending.error : undefined;
    this.send(responseDone(this.response(ending.status, this.output, reason, error)));
  }

  private add<T extends OutputItemWriter>(make: (ref: OutputRef, previous: string | null) => T, itemId?: string): T {
    if (this.state === 'ended') throw new Error(`response ${this.responseId} has ended: no more items`);
    if (this.state === 'new') this.begin();
    this.closeOpen('completed');
    const ref: OutputRef = { responseId: this.responseId, itemId: itemId ?? newId('item'), outputIndex: this.items.length };
    const item = make(ref, this.lastItemId);
    this.items.push(item);
    return item;
  }

  private closeOpen(status: ItemStatus): void {
    const closed = this.items.at(-1)?.close(status);
    if (closed) this.output.push(closed);
  }

  private response(
    status: 'in_progress' | ResponseEnding['status'],
    output: ConversationItem[],
    reason?: ResponseObjectOptions['reason'],
    error?: ResponseObjectOptions['error'],
  ) {
    const audioMs = this.items.reduce((sum, item) => sum + (item instanceof AudioItemWriter ? item.audioMs : 0), 0);
    const text = this.items
      .map((item) => (item instanceof AudioItemWriter ? item.transcript : item instanceof FunctionCallWriter ? item.arguments : ''))
      .join('');
    const usage =
      status === 'in_progress'
        ? undefined
        : plausibleUsage({ inputAudioMs: this.opts.inputAudioMs, outputAudioMs: audioMs, outputText: text });
    return realtimeResponse({
      id: this.responseId,
      status,
      output,
      format: this.opts.format,
      voice: this.opts.voice,
      usage,
      reason,
      error,
    });
  }
}

export interface AudioResponseOptions extends ResponseOptions {
  transcript: string;
  itemId?: string;
}

/**
 * A response of one assistant audio item: `begin()`, any number of `audio()` chunks, then
 * `finish()` (completed) or `cancel()` (barge-in or response.cancel).
 */
export class AudioResponseWriter {
  readonly ref: OutputRef;
  private readonly writer: ResponseWriter;
  private item: AudioItemWriter | undefined;

  constructor(
    send: SendEvent,
    private readonly opts: AudioResponseOptions,
  ) {
    this.writer = new ResponseWriter(send, opts);
    this.ref = { responseId: this.writer.responseId, itemId: opts.itemId ?? newId('item'), outputIndex: 0 };
  }

  get responseId(): string {
    return this.ref.responseId;
  }

  get itemId(): string {
    return this.ref.itemId;
  }

  /** Milliseconds of audio sent so far (the most a client may truncate the item to). */
  get audioMs(): number {
    return this.item?.audioMs ?? 0;
  }

  get isStreaming(): boolean {
    return this.writer.isStreaming;
  }

  begin(): void {
    if (this.item) return;
    this.writer.begin();
    this.item = this.writer.audioItem({ transcript: this.opts.transcript, itemId: this.ref.itemId });
  }

  audio(chunk: Buffer): void {
    if (this.writer.isStreaming) this.item?.audio(chunk);
  }

  finish(): void {
    this.writer.end({ status: 'completed' });
  }

  cancel(reason: CancelReason): void {
    this.writer.end({ status: 'cancelled', reason });
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
  const writer = new ResponseWriter(send, {
    format: call.format ?? { type: 'audio/pcm', rate: 24000 },
    previousItemId: call.previousItemId,
  });
  writer.begin();
  const item = writer.functionCall({ name: call.name, arguments: call.arguments, callId: call.callId });
  writer.end({ status: 'completed' });
  return { responseId: writer.responseId, itemId: item.itemId, callId: item.callId };
}
