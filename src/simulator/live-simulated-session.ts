import type { WebSocket } from 'ws';
import type { AudioFormat, SessionConfig } from '../live/live-events.js';
import { LIVE_VOICES } from '../live/live-events.js';
import { decodeToPcm16, encodeFromPcm16, type RealtimeAudioFormat } from './audio-format.js';
import { validateLiveClientEvent } from './live-schema.js';
import * as liveEvent from './live-server-events.js';
import type { ScriptedToolCall, SimulatorReply } from './simulated-session.js';
import { toneSequence } from './tones.js';
import { TurnDetector } from './turn-detector.js';

export interface LiveSimulatorBehaviour {
  reply: SimulatorReply;
  /** Session lifetime; then `session.closed` reason `expired` (GPT-Live's limit is not documented). */
  sessionLimitMs: number;
  scriptedToolCall?: ScriptedToolCall;
  vadThreshold: number;
  /** Stream output in real time, silence included, as GPT-Live's primary WebSocket does (default). */
  realTimePacing: boolean;
  /** How often `session.usage.updated` comes ("approximately once per minute"). */
  usageIntervalMs: number;
  /** Every event sent, when (performance.now()), and the session's instructions (which call it is, for the load bench). */
  onServerEvent?: (event: { type: string }, sentAt: number, session: { instructions: string }) => void;
}

/** The code this simulator uses for a command before `session.started` (the real one is undocumented). */
export const LIVE_NOT_STARTED_CODE = 'session_not_started';

const CHUNK_MS = 100;
const REPLY_TONES_MS = 1500;
const SHORT_REPLY_TONES_MS = 1000;
/** Input transcripts trail speech (600-1000 ms in tau2-bench's notes): the simulator's lag. */
const TRANSCRIPT_LAG_MS = 300;

type Wire = Record<string, unknown> & { type?: unknown; event_id?: unknown };

/** Any JSON object: its fields are checked one by one (validateLiveClientEvent) before they are trusted. */
function isWire(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One simulated GPT-Live session, as strict as the reference: the first message must be a valid
 * `session.start` (unknown fields are refused with an `error` and no `session.started`); nothing
 * else, audio included, is accepted before `session.started`; output audio streams in real time,
 * silence included, with no ids or timing; the model answers caller speech by itself (full duplex:
 * no commit, no response.create) and stops when talked over; transcripts come as timed fragments;
 * a scripted tool call goes through Responses delegation. It runs no model.
 */
export class LiveSimulatedSession {
  private resource: liveEvent.LiveSessionResource | undefined;
  private config: SessionConfig | undefined;
  private format: RealtimeAudioFormat = { type: 'audio/pcm', rate: 24000 };
  private rate = 24000;
  private startedAt = 0;
  private detector: TurnDetector | undefined;
  private callerTurns = 0;
  private closing = false;
  /** Output audio waiting to be streamed, oldest first; silence fills the stream when empty. */
  private speech: Buffer[] = [];
  /** The agent transcript of the queued speech: text sent once `atChunk` chunks have played. */
  private speechFragments: Array<{ atChunk: number; chunks: number; text: string }> = [];
  private speechChunksSent = 0;
  private silence: Buffer = Buffer.alloc(0);
  private outputTimer: NodeJS.Timeout | undefined;
  private outputChunks = 0;
  private usageTimer: NodeJS.Timeout | undefined;
  private limitTimer: NodeJS.Timeout | undefined;
  private lastInstructions = '';
  private pendingCall: { callId: string; name: string; delegationId: string; responseId: string; output?: string } | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly behaviour: LiveSimulatorBehaviour,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? undefined : data.toString()));
    ws.on('close', () => this.dispose());
    ws.on('error', () => undefined);
  }

  dispose(): void {
    clearTimeout(this.outputTimer);
    clearInterval(this.usageTimer);
    clearTimeout(this.limitTimer);
    this.outputTimer = undefined;
  }

  private send(event: { type: string }): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(event));
    this.behaviour.onServerEvent?.(event, performance.now(), { instructions: this.config?.instructions ?? '' });
  }

  private sessionMs(): number {
    return Date.now() - this.startedAt;
  }

  private onMessage(text: string | undefined): void {
    let ev: unknown;
    try {
      ev = text === undefined ? undefined : JSON.parse(text);
    } catch {
      ev = undefined;
    }
    if (!isWire(ev)) {
      return this.send(liveEvent.error({ code: 'invalid_json', message: 'Client events are JSON text messages.' }));
    }
    const clientEventId = typeof ev.event_id === 'string' ? ev.event_id : undefined;
    const problems = validateLiveClientEvent(ev);
    if (problems.length > 0) {
      const [first] = problems;
      this.send(liveEvent.error({ code: first.code, message: first.message, param: first.param, clientEventId }));
      // "A startup error … prevents session.started": the connection has nothing left to do.
      if (!this.resource) this.ws.close(1008, 'invalid session.start');
      return;
    }
    if (this.closing) return this.send(liveEvent.error({ code: 'invalid_value', message: 'The session is closing.', clientEventId }));
    if (!this.resource && ev.type !== 'session.start') {
      return this.send(
        liveEvent.error({
          code: LIVE_NOT_STARTED_CODE,
          message: 'Wait for session.started before sending audio or commands.',
          clientEventId,
        }),
      );
    }
    switch (ev.type) {
      case 'session.start':
        return this.onStart(ev.session as SessionConfig, clientEventId);
      case 'session.input_audio.append':
        return this.onAudio(String(ev.audio));
      case 'session.instructions.append':
        this.lastInstructions = String(ev.content);
        return this.send(liveEvent.appended('session.instructions.appended', this.sessionMs(), clientEventId));
      case 'session.thinking.append':
        return this.send(liveEvent.appended('session.thinking.appended', this.sessionMs(), clientEventId));
      case 'session.commentary.append': {
        this.send(liveEvent.appended('session.commentary.appended', this.sessionMs(), clientEventId));
        const following = this.lastInstructions ? `: ${clip(this.lastInstructions, 120)}` : '';
        return this.speakTones(`[simulated] reply following the instructions${following}`, SHORT_REPLY_TONES_MS);
      }
      case 'response.item.create':
        return this.onItem(ev.item as Wire);
      case 'response.create':
        return this.onContinue(clientEventId);
      case 'session.close':
        return this.end('close_requested', clientEventId);
    }
  }

  private onStart(config: SessionConfig, clientEventId?: string): void {
    if (this.resource)
      return this.send(liveEvent.error({ code: 'invalid_value', message: 'The session has already started.', clientEventId }));
    const voice = config.audio?.output?.voice;
    if (typeof voice === 'string' && !(LIVE_VOICES as readonly string[]).includes(voice)) {
      this.send(
        liveEvent.error({
          code: 'invalid_value',
          message: `Invalid value: '${clip(voice, 40)}'. Unknown voice.`,
          param: 'session.audio.output.voice',
          clientEventId,
        }),
      );
      this.ws.close(1008, 'invalid session.start');
      return;
    }
    const format: AudioFormat = config.audio?.format ?? { type: 'audio/pcm', rate: 24000 };
    this.rate = format.rate;
    this.format = format.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: format.type };
    this.silence = encodeFromPcm16(new Int16Array((this.rate * CHUNK_MS) / 1000), this.format);
    this.detector = new TurnDetector(
      this.rate,
      { threshold: this.behaviour.vadThreshold, silenceMs: 500, maxUtteranceMs: 30_000 },
      {
        speechStarted: () => this.onCallerSpeech(),
        speechStopped: (endMs, utterance) => this.onCallerTurn(endMs, utterance),
      },
    );
    this.config = config;
    this.startedAt = Date.now();
    this.resource = liveEvent.sessionResource(config, Math.floor((this.startedAt + this.behaviour.sessionLimitMs) / 1000));
    this.send(liveEvent.sessionStarted(this.resource, clientEventId));
    this.usageTimer = setInterval(
      () => this.send(liveEvent.usageUpdated(Math.floor(this.sessionMs() / 1000), 0.05)),
      this.behaviour.usageIntervalMs,
    );
    this.limitTimer = setTimeout(() => this.end('expired'), this.behaviour.sessionLimitMs);
    if (this.behaviour.realTimePacing) this.scheduleOutput();
  }

  private onAudio(b64: string): void {
    const bytes = Buffer.from(b64, 'base64');
    // "PCM16 audio must contain an even number of bytes" (invalid_audio); G.711 has no such rule.
    if (this.format.type === 'audio/pcm' && bytes.length % 2 !== 0) {
      return this.send(liveEvent.error({ code: 'invalid_audio', message: 'PCM16 audio must contain an even number of bytes.' }));
    }
    this.detector?.push(decodeToPcm16(bytes, this.format));
  }

  /** Full duplex: the model stops by itself when talked over. */
  private onCallerSpeech(): void {
    if (this.speech.length === 0) return;
    this.speech = [];
    this.speechFragments = [];
  }

  private onCallerTurn(audioEndMs: number, utterance: Int16Array): void {
    this.callerTurns++;
    const seconds = utterance.length / this.rate;
    // Fragments are timed on the session timeline ("from the beginning of the session"), not by
    // audio received (which starts later, and only once audio flows): the speech ended the quiet
    // audio received since before now.
    const endMs = Math.max(0, this.sessionMs() - (this.detector!.receivedMs - audioEndMs));
    const startMs = Math.max(0, endMs - Math.round(seconds * 1000));
    const words = `[simulated] caller spoke for ${seconds.toFixed(1)} s`.split(' ');
    const half = Math.ceil(words.length / 2);
    const mid = startMs + Math.round((endMs - startMs) / 2);
    setTimeout(() => {
      this.send(liveEvent.inputTranscript(words.slice(0, half).join(' '), startMs, mid));
      this.send(liveEvent.inputTranscript(` ${words.slice(half).join(' ')}`, mid, endMs));
    }, TRANSCRIPT_LAG_MS);
    const tool = this.behaviour.scriptedToolCall;
    if (tool && this.callerTurns === tool.afterTurns) return this.delegate(tool);
    if (this.behaviour.reply === 'echo') {
      return this.speakAudio(encodeFromPcm16(utterance, this.format), `[simulated] echo of your ${seconds.toFixed(1)} s utterance`);
    }
    this.speakTones('[simulated] agent reply (tones)', REPLY_TONES_MS);
  }

  private delegate(tool: ScriptedToolCall): void {
    const call = liveEvent.delegatedFunctionCall(this.sessionMs(), { name: tool.name, arguments: JSON.stringify(tool.arguments) });
    for (const ev of call.events) this.send(ev);
    this.pendingCall = { callId: call.callId, name: tool.name, delegationId: call.delegationId, responseId: call.responseId };
  }

  private onItem(item: Wire): void {
    const call = this.pendingCall;
    if (item.type === 'function_call_output' && call && item.call_id === call.callId) call.output = String(item.output);
  }

  private onContinue(clientEventId?: string): void {
    const call = this.pendingCall;
    if (!call || call.output === undefined) {
      // "Do not send response.create" before every result: the backend has nothing to continue.
      return this.send(
        liveEvent.error({ code: 'invalid_value', message: 'No delegated response is waiting for function results.', clientEventId }),
      );
    }
    this.pendingCall = undefined;
    const usage = {
      input_tokens: 180,
      output_tokens: 24,
      total_tokens: 204,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    };
    this.send(liveEvent.responseCompleted(call.delegationId, call.responseId, usage));
    this.speakTones(`[simulated] the ${call.name} tool answered: ${clip(call.output, 200)}`, SHORT_REPLY_TONES_MS);
  }

  private speakTones(transcript: string, durationMs: number): void {
    this.speakAudio(encodeFromPcm16(toneSequence(this.rate, durationMs), this.format), transcript);
  }

  /** Queues speech: it replaces silence in the output stream, and its transcript follows it. */
  private speakAudio(audio: Buffer, transcript: string): void {
    const size = this.silence.length;
    const chunks: Buffer[] = [];
    for (let at = 0; at < audio.length; at += size) chunks.push(audio.subarray(at, at + size));
    this.speech = chunks;
    this.speechChunksSent = 0;
    const words = transcript.split(' ');
    const cut = Math.ceil(words.length / 2);
    const half = Math.ceil(chunks.length / 2);
    this.speechFragments =
      chunks.length < 2
        ? [{ atChunk: chunks.length, chunks: chunks.length, text: transcript }]
        : [
            { atChunk: half, chunks: half, text: words.slice(0, cut).join(' ') },
            { atChunk: chunks.length, chunks: chunks.length - half, text: ` ${words.slice(cut).join(' ')}` },
          ];
    if (!this.behaviour.realTimePacing) while (this.speech.length > 0) this.sendOutputChunk();
  }

  /** One output chunk every 100 ms, measured from the start so timer lateness does not add up. */
  private scheduleOutput(): void {
    const due = this.startedAt + (this.outputChunks + 1) * CHUNK_MS;
    this.outputTimer = setTimeout(
      () => {
        if (this.closing) return;
        this.sendOutputChunk();
        this.scheduleOutput();
      },
      Math.max(0, due - Date.now()),
    );
  }

  private sendOutputChunk(): void {
    this.outputChunks++;
    const chunk = this.speech.shift();
    this.send(liveEvent.outputAudio(chunk ?? this.silence));
    if (!chunk) return;
    this.speechChunksSent++;
    // Each transcript fragment comes after the audio it covers, timed on the session timeline.
    const next = this.speechFragments[0];
    if (next && next.atChunk === this.speechChunksSent) {
      this.speechFragments.shift();
      const endMs = this.sessionMs();
      this.send(liveEvent.outputTranscript(next.text, endMs - next.chunks * CHUNK_MS, endMs));
    }
  }

  private end(reason: 'close_requested' | 'expired', clientEventId?: string): void {
    if (this.closing || !this.resource) return;
    this.closing = true;
    this.dispose();
    this.send(liveEvent.sessionClosed(this.resource, reason, Math.ceil(this.sessionMs() / 1000), clientEventId));
    this.ws.close(1000, reason);
  }

  /** The session.start this session was opened with (tests). */
  get startConfig(): SessionConfig | undefined {
    return this.config;
  }
}
