import type { Logger } from 'pino';
import type { AudioFactory } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';
import type { InstructionsService } from '../instructions/instructions.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ToolRegistry, ToolRunner } from '../tools/index.js';
import type { RealtimeClient } from '../realtime/realtime-client.js';
import type { RealtimeClientFactory } from '../realtime/realtime-client.factory.js';
import { BENIGN_ERROR_CODES, type ServerEvent } from '../realtime/realtime-events.js';
import { buildSessionUpdate } from '../realtime/session-update.js';
import type { UpstreamFailure } from '../realtime/upstream-failure.js';
import { AgentAudioPath } from './agent-audio.js';
import type { CallRegistry, LiveCall, Transport } from './call-registry.js';
import type { CallEnd, CallSink } from './call-sink.js';
import { CallerAudioPath } from './caller-audio.js';
import { Conversation } from './conversation.js';

export interface CallInfo {
  uuid: string;
  transport: Transport;
  /** Untrusted call metadata (WebSocket query parameters, extra init fields). */
  metadata: Record<string, unknown>;
}

export interface CallDeps {
  config: AppConfig;
  logger: Logger;
  registry: CallRegistry;
  clients: RealtimeClientFactory;
  instructions: InstructionsService;
  audio: AudioFactory;
  metrics: MetricsService;
  tools: ToolRegistry;
  toolRunner: ToolRunner;
}

const MAX_PENDING_DTMF = 32;

/**
 * One phone call, whatever the transport: opens the upstream while instructions resolve, moves
 * audio both ways, handles turns, barge-in, transcripts, DTMF and upstream errors, and ends in
 * exactly one place.
 */
export class CallSession implements LiveCall {
  readonly uuid: string;
  readonly transport: Transport;
  readonly startedAt = Date.now();
  readonly log: Logger;
  readonly conversation: Conversation;
  private readonly caller: CallerAudioPath;
  private readonly agent: AgentAudioPath;
  private client: RealtimeClient | undefined;
  private ended: CallEnd | undefined;
  private instructionsText = '';
  instructionsSource = '';
  private activeResponseId: string | undefined;
  private responseRequested = false;
  private queuedResponse: Record<string, unknown> | undefined;
  private droppingResponseId: string | undefined;
  private pendingDtmf: string[] = [];
  private callerStoppedAt = 0;
  private awaitingFirstFrame = false;
  readonly latenciesMs: number[] = [];
  private agentDoneWaiters: Array<() => void> = [];
  /** Set when avr_hangup or avr_transfer succeeded: how the call is recorded when it then ends. */
  private controlOutcome: 'hangup_tool' | 'transferred' | undefined;
  framesIn = 0;
  private readonly countFrameIn: { inc(): void };
  private readonly countFrameOut: { inc(): void };

  constructor(
    readonly info: CallInfo,
    private readonly sink: CallSink,
    private readonly deps: CallDeps,
  ) {
    this.uuid = info.uuid;
    this.transport = info.transport;
    this.log = deps.logger.child({ uuid: info.uuid, transport: info.transport });
    const { openai, audio, continuity } = deps.config;
    this.conversation = new Conversation(continuity.maxConversationItems);
    this.countFrameIn = deps.metrics.frames.labels('in', info.transport);
    this.countFrameOut = deps.metrics.frames.labels('out', info.transport);
    const pcm = openai.audioFormat === 'pcm16';
    this.caller = new CallerAudioPath(
      openai.audioFormat,
      pcm ? deps.audio.createUpsampler() : undefined,
      audio.prebufferMs,
      audio.appendBatchMs,
      (keptMs) => this.log.warn({ keptMs }, 'upstream not ready: dropping the oldest caller audio beyond the prebuffer'),
    );
    this.agent = new AgentAudioPath(openai.audioFormat, pcm ? deps.audio.createDownsampler() : undefined, deps.audio.createFramer(), (f) =>
      this.sendFrame(f),
    );
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Registers the call and opens the upstream, resolving instructions at the same time. */
  async start(): Promise<void> {
    this.deps.registry.add(this);
    this.deps.metrics.activeCalls.labels(this.transport).inc();
    this.log.info({ metadata: this.info.metadata }, 'call started');
    const instructions = this.deps.instructions.resolve(this.uuid, this.log);
    let client: RealtimeClient;
    try {
      client = this.deps.clients.create(this.log, {
        onEvent: (ev) => this.onUpstreamEvent(ev),
        onLost: (failure) => this.onUpstreamLost(failure),
      });
      this.client = client;
      await client.connect();
      this.deps.metrics.upstreamConnect.observe((Date.now() - client.openedAt) / 1000);
    } catch (err) {
      const failure = err as UpstreamFailure;
      this.countUpstreamError(failure);
      this.log.error({ kind: failure.kind, status: failure.status, code: failure.code }, `upstream connect failed: ${failure.message}`);
      this.end({ outcome: 'upstream_failed', reason: failure.message, clientMessage: failure.message });
      return;
    }
    const resolved = await instructions;
    if (this.ended) return;
    this.instructionsText = resolved.text;
    this.instructionsSource = resolved.source;
    this.deps.metrics.instructionSources.labels(resolved.source).inc();
    client.send(buildSessionUpdate(this.deps.config.openai, resolved.text, this.deps.tools.definitions()));
    this.log.info(
      { instructionsSource: resolved.source, instructionsChars: resolved.text.length, connectMs: Date.now() - this.startedAt, keptBytes: this.caller.keptBytes },
      'upstream session configured',
    );
    this.caller.attach((audio) => client.appendAudio(audio));
    this.sink.ready?.();
    for (const digit of this.pendingDtmf.splice(0)) this.sendDtmf(digit);
    const greeting = this.deps.config.openai.greeting;
    if (greeting) {
      this.requestResponse({ instructions: `${resolved.text}\n\nStart the call now by greeting the caller: ${greeting}` });
    }
  }

  /** Caller audio: 8 kHz 16-bit little-endian PCM, any byte count (re-aligned across chunks). */
  pushCallerAudio(pcm: Uint8Array): void {
    if (this.ended) return;
    this.framesIn++;
    this.countFrameIn.inc();
    this.caller.push(pcm);
  }

  dtmf(digit: string): void {
    if (this.ended) return;
    if (!this.client?.isOpen || !this.instructionsSource) {
      if (this.pendingDtmf.length < MAX_PENDING_DTMF) this.pendingDtmf.push(digit);
      return;
    }
    this.sendDtmf(digit);
  }

  /** The caller's side went away. */
  hangUp(): void {
    const outcome = this.controlOutcome ?? 'caller_hung_up';
    const reason = outcome === 'hangup_tool' ? 'agent hung up (avr_hangup)' : outcome === 'transferred' ? 'call transferred (avr_transfer)' : 'caller hung up';
    this.end({ outcome, reason });
  }

  /**
   * The caller's audio has ended (HTTP request body): let the agent finish the response in
   * progress, bounded by graceMs, then end the call.
   */
  finishAfterAgent(graceMs: number): void {
    this.caller.detach();
    void this.waitForAgentDone(graceMs).then(() => this.end({ outcome: 'caller_hung_up', reason: 'caller audio ended' }));
  }

  /** Resolves when no response is in progress (at once if none), or after maxMs. */
  waitForAgentDone(maxMs: number): Promise<void> {
    if (this.ended || (!this.activeResponseId && !this.responseRequested)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.agentDoneWaiters.push(done);
    });
  }

  /** Drain grace ran out. */
  terminate(reason: string): void {
    this.end({ outcome: 'drained', reason, clientMessage: reason });
  }

  /** Ends the call: the one place that closes the upstream, unregisters and tells the transport. */
  end(end: CallEnd): void {
    if (this.ended) return;
    this.ended = end;
    this.caller.detach();
    this.client?.close();
    this.releaseAgentDoneWaiters();
    this.deps.registry.remove(this);
    this.deps.metrics.activeCalls.labels(this.transport).dec();
    this.deps.metrics.calls.labels(this.transport, end.outcome).inc();
    const level = end.outcome === 'upstream_failed' || end.outcome === 'error' ? 'warn' : 'info';
    this.log[level](
      {
        outcome: end.outcome,
        durationMs: Date.now() - this.startedAt,
        framesIn: this.framesIn,
        framesOut: this.agent.framesOut,
        malformedUpstreamEvents: this.client?.malformedEvents ?? 0,
      },
      `call ended: ${end.reason}`,
    );
    this.sink.end(end);
  }

  private sendDtmf(digit: string): void {
    const text = `The caller pressed ${digit} on the keypad.`;
    this.conversation.add({ role: 'user', text, at: Date.now() });
    this.client!.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    this.requestResponse();
  }

  /** Asks for a response now, or as soon as the active one is done (the server allows one at a time). */
  private requestResponse(response?: Record<string, unknown>): void {
    if (this.activeResponseId || this.responseRequested) {
      this.queuedResponse = response ?? {};
      return;
    }
    this.responseRequested = true;
    this.client?.send(response ? { type: 'response.create', response } : { type: 'response.create' });
  }

  private sendFrame(frame: Buffer): void {
    if (this.ended) return;
    if (this.awaitingFirstFrame) {
      this.awaitingFirstFrame = false;
      const latency = Date.now() - this.callerStoppedAt;
      this.latenciesMs.push(latency);
      this.deps.metrics.responseLatency.observe(latency / 1000);
    }
    this.countFrameOut.inc();
    this.sink.audio(frame);
    if (this.sink.bufferedBytes > this.deps.config.audio.maxClientBufferBytes) {
      this.end({
        outcome: 'error',
        reason: `client is not reading agent audio (${this.sink.bufferedBytes} bytes pending)`,
        clientMessage: 'agent audio is not being read; ending the call',
      });
    }
  }

  private onUpstreamEvent(ev: ServerEvent): void {
    if (this.ended) return;
    switch (ev.type) {
      case 'response.output_audio.delta': {
        if (ev.response_id !== undefined && ev.response_id === this.droppingResponseId) return;
        if (typeof ev.delta === 'string') this.agent.delta(ev.item_id as string | undefined, ev.delta);
        return;
      }
      case 'response.output_audio.done':
        if (ev.response_id === undefined || ev.response_id !== this.droppingResponseId) this.agent.finish();
        return;
      case 'response.created':
        this.responseRequested = false;
        this.activeResponseId = (ev.response as { id?: string } | undefined)?.id ?? 'unknown';
        return;
      case 'response.done':
        return this.onResponseDone(ev);
      case 'input_audio_buffer.speech_started':
        return this.onCallerSpeechStarted();
      case 'input_audio_buffer.speech_stopped':
        this.callerStoppedAt = Date.now();
        this.awaitingFirstFrame = true;
        return;
      case 'response.output_audio_transcript.done':
        return this.onTranscript('agent', ev.transcript);
      case 'conversation.item.input_audio_transcription.completed':
        return this.onTranscript('user', ev.transcript);
      case 'error':
        return this.onUpstreamError(ev);
      case 'response.function_call_arguments.done':
        void this.onFunctionCall(ev);
        return;
      default:
        return;
    }
  }

  private onResponseDone(ev: ServerEvent): void {
    const response = ev.response as { id?: string; status?: string } | undefined;
    if (response?.id && response.id === this.droppingResponseId) this.droppingResponseId = undefined;
    this.activeResponseId = undefined;
    this.responseRequested = false;
    this.releaseAgentDoneWaiters();
    if (this.queuedResponse) {
      const next = this.queuedResponse;
      this.queuedResponse = undefined;
      this.requestResponse(Object.keys(next).length ? next : undefined);
    }
  }

  /**
   * The model called a tool: run it (call-control tools only once the agent's last words have
   * played, bounded), give the model the result, and let it speak again unless the call is over.
   */
  private async onFunctionCall(ev: ServerEvent): Promise<void> {
    const callId = String(ev.call_id ?? '');
    const name = String(ev.name ?? '');
    const rawArguments = typeof ev.arguments === 'string' ? ev.arguments : JSON.stringify(ev.arguments ?? {});
    if (this.deps.tools.get(name)?.control) await this.waitForAgentQuiet(this.deps.config.tools.callControlWaitMs);
    if (this.ended) return;
    const result = await this.deps.toolRunner.run({ uuid: this.uuid, name, rawArguments, metadata: this.info.metadata, logger: this.log });
    this.deps.metrics.toolCalls.labels(name, result.ok ? 'ok' : 'error').inc();
    this.conversation.add({
      role: 'tool',
      text: `${name} -> ${result.output}`,
      at: Date.now(),
      tool: { name, arguments: result.arguments, durationMs: result.durationMs, ...(result.ok ? { result: result.output } : { error: result.error }) },
    });
    if (this.ended) return;
    this.client?.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output: result.output } });
    if (result.ok && result.control) {
      // The call is being hung up or handed over: the model must not start talking again.
      this.controlOutcome = result.control === 'hangup' ? 'hangup_tool' : 'transferred';
      return;
    }
    this.requestResponse();
  }

  /** Waits for the response in progress to end and its audio to have played out at the caller's end. */
  private async waitForAgentQuiet(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    await this.waitForAgentDone(maxMs);
    const playout = Math.min(this.agent.playoutRemainingMs(), deadline - Date.now());
    if (playout > 0 && !this.ended) await new Promise<void>((resolve) => setTimeout(resolve, playout));
  }

  private releaseAgentDoneWaiters(): void {
    const waiters = this.agentDoneWaiters;
    this.agentDoneWaiters = [];
    for (const w of waiters) w();
  }

  private onCallerSpeechStarted(): void {
    this.sink.interruption();
    const heard = this.agent.interrupt();
    if (this.activeResponseId) {
      this.droppingResponseId = this.activeResponseId;
      // With interrupt_response the server cancels by itself; asking again is harmless
      // (response_cancel_not_active is ignored) and covers turn detection set to none.
      this.client?.send({ type: 'response.cancel' });
    }
    if (heard && heard.audioEndMs < heard.sentMs) {
      this.client?.send({ type: 'conversation.item.truncate', item_id: heard.itemId, content_index: 0, audio_end_ms: heard.audioEndMs });
      const last = this.conversation.lastAgent();
      if (last) last.interrupted = true;
      this.log.debug({ itemId: heard.itemId, audioEndMs: heard.audioEndMs, sentMs: heard.sentMs }, 'barge-in: agent audio truncated');
    }
    this.awaitingFirstFrame = false;
  }

  private onTranscript(role: 'user' | 'agent', transcript: unknown): void {
    if (typeof transcript !== 'string' || transcript.trim() === '') return;
    this.conversation.add({ role, text: transcript, at: Date.now() });
    this.sink.transcript(role, transcript);
  }

  private onUpstreamError(ev: ServerEvent): void {
    const error = (ev.error ?? {}) as { code?: string; message?: string; type?: string };
    const code = error.code ?? error.type ?? 'unknown';
    if (BENIGN_ERROR_CODES.has(code)) {
      this.log.debug({ code }, `upstream reported a benign race: ${error.message ?? ''}`);
      return;
    }
    this.log.warn({ code, type: error.type }, `upstream error: ${error.message ?? 'no message'}`);
    this.deps.metrics.upstreamErrors.labels(code).inc();
    if (code === 'session_expired') {
      this.end({ outcome: 'upstream_failed', reason: 'upstream session expired', clientMessage: 'upstream session expired' });
      return;
    }
    this.sink.error(`upstream error (${code}): ${error.message ?? 'no message'}`);
  }

  private onUpstreamLost(failure: UpstreamFailure): void {
    this.log.error({ kind: failure.kind, status: failure.status }, `upstream lost: ${failure.message}`);
    this.countUpstreamError(failure);
    this.end({ outcome: 'upstream_failed', reason: failure.message, clientMessage: `upstream connection lost: ${failure.message}` });
  }

  private countUpstreamError(failure: UpstreamFailure): void {
    this.deps.metrics.upstreamErrors.labels(failure.code ?? (failure.status ? `${failure.kind}_${failure.status}` : failure.kind)).inc();
  }

  /** For tools and records: the instructions this call runs with. */
  get instructions(): string {
    return this.instructionsText;
  }
}
