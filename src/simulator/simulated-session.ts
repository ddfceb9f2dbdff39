import type { WebSocket } from 'ws';
import { chunkAudio, decodeToPcm16, encodeAt, sampleRateOf } from './audio-format.js';
import { CallerInput, type CallerInputListener, type Utterance } from './caller-input.js';
import { newId } from './ids.js';
import { playChunks } from './paced-playback.js';
import { AudioResponseWriter, writeFunctionCallResponse, type CancelReason } from './response-writer.js';
import {
  conversationItemAdded,
  conversationItemDeleted,
  conversationItemDone,
  conversationItemTruncated,
  errorEvent,
  inputAudioCleared,
  inputAudioCommitted,
  inputTranscriptionCompleted,
  sessionCreated,
  sessionUpdated,
  speechStarted,
  speechStopped,
  userAudioItem,
  type ErrorDetails,
  type RealtimeServerEvent,
  type ServerSession,
} from './server-events.js';
import { applySessionUpdate, defaultSession, sessionSettings, type SessionSettings } from './session-config.js';
import { responseCreateProblem } from './session-shape.js';
import { toneSequence } from './tones.js';

export type SimulatorReply = 'echo' | 'tones';

export interface ScriptedToolCall {
  /** The caller turn (1 = the first) answered with this function call instead of speech. */
  afterTurns: number;
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * Sees each event a session has sent: the session's current instructions (to tell calls apart),
 * the event, and performance.now() as it was handed to the socket (serialised, just before the write).
 */
export type ServerEventObserver = (info: { instructions: string }, event: RealtimeServerEvent, sentAt: number) => void;

export interface SimulatorBehaviour {
  reply: SimulatorReply;
  sessionLimitMs: number;
  scriptedToolCall?: ScriptedToolCall;
  vadThreshold: number;
  /** Send response audio at real-time speed (as a listener hears it) rather than all at once. */
  realTimePacing: boolean;
  onServerEvent?: ServerEventObserver;
}

const CHUNK_MS = 100;
const REPLY_TONES_MS = 1500;
const SHORT_REPLY_TONES_MS = 1000;
/** Items remembered for truncate/delete checks; older ones are forgotten. */
const MAX_REMEMBERED_ITEMS = 256;

/** The response being spoken, and how to stop its playback. */
interface ActiveResponse {
  writer: AudioResponseWriter;
  stop: () => void;
}

type ClientEvent = Record<string, unknown> & { type?: unknown; event_id?: unknown };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One simulated Realtime session: the behaviour behind one upstream WebSocket connection. */
export class SimulatedSession implements CallerInputListener {
  private session: ServerSession;
  private settings: SessionSettings;
  private readonly input: CallerInput;
  private speechItemId = '';
  private lastItemId: string | null = null;
  private active: ActiveResponse | undefined;
  /** The caller's last committed utterance, until a response answers it. */
  private unanswered: Utterance | undefined;
  private callerTurns = 0;
  private disposed = false;
  private pendingToolCall: { callId: string; name: string; output?: string } | undefined;
  /** Item id -> milliseconds of assistant audio it holds; null for items that hold none (caller audio, text, calls). */
  private readonly items = new Map<string, number | null>();
  private readonly expiryTimer: NodeJS.Timeout;
  private readonly handlers: Record<string, (ev: ClientEvent) => void> = {
    'session.update': (ev) => this.onSessionUpdate(ev),
    'input_audio_buffer.append': (ev) => this.onAppend(ev),
    'input_audio_buffer.commit': (ev) => this.onCommit(ev),
    'input_audio_buffer.clear': () => this.onClear(),
    'conversation.item.create': (ev) => this.onItemCreate(ev),
    'conversation.item.truncate': (ev) => this.onTruncate(ev),
    'conversation.item.delete': (ev) => this.onDelete(ev),
    'response.create': (ev) => this.onResponseCreate(ev),
    'response.cancel': (ev) => this.onResponseCancel(ev),
  };

  constructor(
    private readonly ws: WebSocket,
    model: string,
    private readonly behaviour: SimulatorBehaviour,
  ) {
    this.session = defaultSession(model, Math.floor((Date.now() + behaviour.sessionLimitMs) / 1000));
    this.settings = sessionSettings(this.session);
    this.input = new CallerInput(behaviour.vadThreshold, this);
    this.configureInput();
    this.expiryTimer = setTimeout(() => this.expire(), behaviour.sessionLimitMs);
    ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    ws.on('close', () => this.dispose());
    // 'close' always follows a socket error; nothing more to do here.
    ws.on('error', () => undefined);
    this.send(sessionCreated(this.session));
  }

  // --- plumbing ------------------------------------------------------------------------------

  private send(ev: RealtimeServerEvent): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const data = JSON.stringify(ev);
    const sentAt = performance.now();
    this.ws.send(data);
    this.behaviour.onServerEvent?.({ instructions: this.session.instructions ?? '' }, ev, sentAt);
  }

  private fail(error: ErrorDetails, cause?: ClientEvent): void {
    const eventId = typeof cause?.event_id === 'string' ? cause.event_id : null;
    this.send(errorEvent({ ...error, eventId }));
  }

  private onMessage(text: string, isBinary: boolean): void {
    if (this.disposed) return;
    if (isBinary) return this.fail({ code: 'invalid_event', message: 'Binary frames are not supported; send JSON text events.' });
    let ev: unknown;
    try {
      ev = JSON.parse(text);
    } catch {
      return this.fail({ code: 'invalid_json', message: 'The event is not valid JSON.' });
    }
    if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) {
      return this.fail({ code: 'invalid_event', message: 'An event must be a JSON object.' });
    }
    const event = ev as ClientEvent;
    const handler = typeof event.type === 'string' ? this.handlers[event.type] : undefined;
    if (!handler) {
      return this.fail({ code: 'invalid_value', message: `Unsupported event type: '${String(event.type)}'.`, param: 'type' }, event);
    }
    handler(event);
  }

  private remember(itemId: string, audioMs: number | null = null): void {
    this.items.delete(itemId);
    this.items.set(itemId, audioMs);
    if (this.items.size > MAX_REMEMBERED_ITEMS) this.items.delete(this.items.keys().next().value!);
  }

  private expire(): void {
    const minutes = Math.round(this.behaviour.sessionLimitMs / 60000);
    const limit = minutes >= 1 ? `${minutes} minutes` : `${Math.round(this.behaviour.sessionLimitMs / 1000)} seconds`;
    this.fail({ code: 'session_expired', message: `Your session hit the maximum duration of ${limit}.` });
    this.ws.close(1000, 'session expired');
    this.dispose();
  }

  /** Stops every timer; the socket is closing or closed. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.expiryTimer);
    this.active?.stop();
    this.active = undefined;
    this.input.clear();
  }

  // --- session -------------------------------------------------------------------------------

  private onSessionUpdate(ev: ClientEvent): void {
    const result = applySessionUpdate(this.session, ev.session);
    if ('error' in result) return this.fail(result.error, ev);
    this.session = result.session;
    this.settings = sessionSettings(this.session);
    this.configureInput();
    this.send(sessionUpdated(this.session));
  }

  private configureInput(): void {
    this.input.configure(sampleRateOf(this.settings.inputFormat), this.settings.turnDetection);
  }

  // --- caller audio --------------------------------------------------------------------------

  private onAppend(ev: ClientEvent): void {
    if (typeof ev.audio !== 'string') {
      return this.fail({ code: 'missing_required_parameter', message: "Missing required parameter: 'audio'.", param: 'audio' }, ev);
    }
    this.input.append(decodeToPcm16(Buffer.from(ev.audio, 'base64'), this.settings.inputFormat));
  }

  private onCommit(ev: ClientEvent): void {
    if (this.input.commit()) return;
    this.fail({ code: 'input_audio_buffer_commit_empty', message: 'Error committing input audio buffer: buffer is empty.' }, ev);
  }

  private onClear(): void {
    this.input.clear();
    this.send(inputAudioCleared());
  }

  speechStarted(audioStartMs: number): void {
    this.speechItemId = newId('item');
    this.send(speechStarted(this.speechItemId, audioStartMs));
    if (this.active && this.settings.turnDetection?.interruptResponse) this.cancelActive('turn_detected');
  }

  speechStopped(audioEndMs: number, utterance: Utterance): void {
    this.send(speechStopped(this.speechItemId, audioEndMs));
    this.commitUtterance(this.speechItemId, utterance);
    if (this.settings.turnDetection?.createResponse && !this.active) this.answerCallerTurn();
  }

  committed(utterance: Utterance): void {
    this.commitUtterance(newId('item'), utterance);
  }

  private commitUtterance(itemId: string, utterance: Utterance): void {
    const previous = this.lastItemId;
    const item = userAudioItem(itemId);
    this.send(inputAudioCommitted(itemId, previous));
    this.send(conversationItemAdded(item, previous));
    this.send(conversationItemDone(item, previous));
    this.lastItemId = itemId;
    this.remember(itemId);
    const seconds = utterance.samples.length / utterance.rate;
    this.send(inputTranscriptionCompleted(itemId, `[simulated] caller spoke for ${seconds.toFixed(1)} s`, seconds));
    this.unanswered = utterance;
    this.callerTurns++;
  }

  // --- conversation items --------------------------------------------------------------------

  private onItemCreate(ev: ClientEvent): void {
    const given = ev.item;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      return this.fail({ code: 'missing_required_parameter', message: "Missing required parameter: 'item'.", param: 'item' }, ev);
    }
    const raw = given as Record<string, unknown>;
    const id = typeof raw.id === 'string' ? raw.id : newId('item');
    const item = { ...raw, id, object: 'realtime.item', status: 'completed' } as Parameters<typeof conversationItemAdded>[0];
    const previous = this.lastItemId;
    this.send(conversationItemAdded(item, previous));
    this.send(conversationItemDone(item, previous));
    this.lastItemId = id;
    this.remember(id);
    if (raw.type === 'function_call_output' && this.pendingToolCall && raw.call_id === this.pendingToolCall.callId) {
      this.pendingToolCall.output = typeof raw.output === 'string' ? raw.output : JSON.stringify(raw.output);
    }
  }

  /** The live server's rules: only assistant audio, and never past the audio the item holds. */
  private onTruncate(ev: ClientEvent): void {
    const itemId = typeof ev.item_id === 'string' ? ev.item_id : '';
    const heldMs = this.active?.writer.itemId === itemId ? this.active.writer.audioMs : this.items.get(itemId);
    if (heldMs === undefined) {
      const message = `Item with item_id '${itemId}' not found.`;
      return this.fail({ code: 'item_truncate_invalid_item_id', message, param: 'item_id' }, ev);
    }
    if (heldMs === null) {
      return this.fail(
        { code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated', param: 'item_id' },
        ev,
      );
    }
    const endMs = typeof ev.audio_end_ms === 'number' ? ev.audio_end_ms : -1;
    if (endMs < 0 || endMs > heldMs) {
      const message = `Audio content of ${Math.floor(heldMs)}ms is already shorter than ${endMs}ms`;
      return this.fail({ code: 'invalid_value', message, param: 'audio_end_ms' }, ev);
    }
    this.remember(itemId, endMs);
    this.send(conversationItemTruncated(itemId, typeof ev.content_index === 'number' ? ev.content_index : 0, endMs));
  }

  private onDelete(ev: ClientEvent): void {
    const itemId = typeof ev.item_id === 'string' ? ev.item_id : '';
    if (!this.items.delete(itemId)) {
      return this.fail({ code: 'item_delete_invalid_item_id', message: `Item with item_id '${itemId}' not found.`, param: 'item_id' }, ev);
    }
    this.send(conversationItemDeleted(itemId));
  }

  // --- responses -----------------------------------------------------------------------------

  private onResponseCreate(ev: ClientEvent): void {
    const given = ev.response;
    if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
      const problem = responseCreateProblem(given as Record<string, unknown>);
      if (problem) return this.fail(problem, ev);
    }
    if (this.active) {
      const message = `Conversation already has an active response in progress: ${this.active.writer.responseId}. Wait until the response is finished before creating a new one.`;
      return this.fail({ code: 'conversation_already_has_active_response', message }, ev);
    }
    const tool = this.pendingToolCall;
    if (tool?.output !== undefined) {
      this.pendingToolCall = undefined;
      return this.speakTones(`[simulated] the ${tool.name} tool answered: ${clip(tool.output, 200)}`, SHORT_REPLY_TONES_MS);
    }
    if (this.unanswered) return this.answerCallerTurn();
    const params = ev.response as { instructions?: unknown } | undefined;
    const instructions = typeof params?.instructions === 'string' ? params.instructions : undefined;
    const transcript = instructions ? `[simulated] reply following: ${clip(instructions, 120)}` : '[simulated] agent reply';
    this.speakTones(transcript, SHORT_REPLY_TONES_MS);
  }

  private onResponseCancel(ev: ClientEvent): void {
    if (!this.active) {
      return this.fail({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.' }, ev);
    }
    this.cancelActive('client_cancelled');
  }

  private answerCallerTurn(): void {
    const utterance = this.unanswered;
    this.unanswered = undefined;
    const tool = this.behaviour.scriptedToolCall;
    if (tool && this.callerTurns === tool.afterTurns) {
      const call = writeFunctionCallResponse((e) => this.send(e), {
        name: tool.name,
        arguments: JSON.stringify(tool.arguments),
        previousItemId: this.lastItemId,
        format: this.settings.outputFormat,
      });
      this.lastItemId = call.itemId;
      this.remember(call.itemId);
      this.pendingToolCall = { callId: call.callId, name: tool.name };
      return;
    }
    if (this.behaviour.reply === 'echo' && utterance) {
      const seconds = (utterance.samples.length / utterance.rate).toFixed(1);
      const audio = encodeAt(utterance.samples, utterance.rate, this.settings.outputFormat);
      return this.speak(audio, `[simulated] echo of your ${seconds} s utterance`, utterance);
    }
    this.speakTones('[simulated] agent reply (tones)', REPLY_TONES_MS, utterance);
  }

  private speakTones(transcript: string, durationMs: number, answering?: Utterance): void {
    const rate = sampleRateOf(this.settings.outputFormat);
    this.speak(encodeAt(toneSequence(rate, durationMs), rate, this.settings.outputFormat), transcript, answering);
  }

  private speak(audio: Buffer, transcript: string, answering?: Utterance): void {
    const writer = new AudioResponseWriter((e) => this.send(e), {
      format: this.settings.outputFormat,
      voice: this.settings.voice,
      transcript,
      previousItemId: this.lastItemId,
      inputAudioMs: answering ? (answering.samples.length / answering.rate) * 1000 : 0,
    });
    this.lastItemId = writer.itemId;
    const active: ActiveResponse = { writer, stop: () => undefined };
    this.active = active;
    writer.begin();
    const chunks = chunkAudio(audio, this.settings.outputFormat, CHUNK_MS);
    const deliver = (chunk: Buffer) => writer.audio(chunk);
    active.stop = playChunks(chunks, CHUNK_MS, this.behaviour.realTimePacing, deliver, () => this.finishActive());
  }

  private finishActive(): void {
    const writer = this.active?.writer;
    if (!writer) return;
    this.active = undefined;
    writer.finish();
    this.remember(writer.itemId, writer.audioMs);
  }

  private cancelActive(reason: CancelReason): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.stop();
    active.writer.cancel(reason);
    this.remember(active.writer.itemId, active.writer.audioMs);
  }
}
