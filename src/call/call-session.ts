import type { Logger } from 'pino';
import type { AudioFactory } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';
import type { InstructionsService, ResolvedInstructions } from '../instructions/instructions.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ToolRegistry, ToolRunner } from '../tools/index.js';
import type { CallRecordsService } from '../records/index.js';
import type { RealtimeClient } from '../realtime/realtime-client.js';
import type { RealtimeClientFactory } from '../realtime/realtime-client.factory.js';
import type { ServerEvent } from '../realtime/realtime-events.js';
import { BENIGN_ERROR_CODES, FATAL_ERROR_CODES } from '../realtime/realtime-errors.js';
import { buildSessionUpdate } from '../realtime/session-update.js';
import { UpstreamFailure as UpstreamFailureClass, type UpstreamFailure } from '../realtime/upstream-failure.js';
import { addUsage, emptyUsage, type CallRecordInput } from './call-record-input.js';
import { backoffMs, CONTINUE_AFTER_SWITCH, replayEvents, type SwitchCause } from './continuity.js';
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
  records: CallRecordsService;
}

const MAX_PENDING_DTMF = 32;
/** Bound on the item start times kept for ordering transcripts. */
const MAX_TRACKED_ITEMS = 64;
/** How often a due session rotation looks again for a quiet moment between turns. */
const ROTATION_RETRY_MS = 500;

function isUpstreamFailure(err: unknown): err is UpstreamFailure {
  return typeof err === 'object' && err !== null && 'kind' in err && 'retryable' in err;
}

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
  private firstInstructions: Promise<ResolvedInstructions> | undefined;
  private switching = false;
  private callerSpeaking = false;
  private rotateTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleeper: (() => void) | undefined;
  private itemsReplayed = 0;
  /** Upstream sessions opened after the first. */
  reconnects = 0;
  readonly usage = emptyUsage();
  /** When each conversation item began to be spoken, so transcripts land in spoken order. */
  private readonly itemStartedAt = new Map<string, number>();
  /** Agent items the caller talked over (marked interrupted in the record). */
  private readonly interruptedItems = new Set<string>();
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
    this.agent = new AgentAudioPath(
      openai.audioFormat,
      pcm ? deps.audio.createDownsampler() : undefined,
      deps.audio.createFramer(),
      (f) => this.sendFrame(f),
      (itemId) => this.noteItemStart(itemId),
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
    this.firstInstructions = this.deps.instructions.resolve(this.uuid, this.log);
    if (!(await this.establish(undefined))) return;
    this.log.info(
      { instructionsSource: this.instructionsSource, instructionsChars: this.instructionsText.length, connectMs: Date.now() - this.startedAt, keptBytes: this.caller.keptBytes },
      'upstream session configured',
    );
    this.sink.ready?.();
    for (const digit of this.pendingDtmf.splice(0)) this.sendDtmf(digit);
    const greeting = this.deps.config.openai.greeting;
    if (greeting) {
      this.requestResponse({ instructions: `${this.instructionsText}\n\nStart the call now by greeting the caller: ${greeting}` });
    }
  }

  /**
   * Opens and configures an upstream session, retrying with back-off what can heal. On a switch
   * the same session settings are sent and the conversation so far is replayed as text. Ends the
   * call (and returns false) when no session could be had.
   */
  private async establish(cause: SwitchCause | undefined): Promise<boolean> {
    const { maxReconnectAttempts, reconnectBaseMs } = this.deps.config.continuity;
    const attempts = 1 + maxReconnectAttempts;
    let failure: UpstreamFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.sleep(backoffMs(attempt - 1, reconnectBaseMs));
      if (this.ended) return false;
      let client: RealtimeClient;
      try {
        client = this.createClient();
        await client.connect();
      } catch (err) {
        if (this.ended) return false;
        failure = isUpstreamFailure(err) ? err : new UpstreamFailureClass('network', String(err), { retryable: false });
        this.countUpstreamError(failure);
        if (!failure.retryable || attempt === attempts) break;
        // At info: the fault is told once, at error, if the retries do not heal it.
        this.log.info({ attempt, of: attempts, kind: failure.kind, status: failure.status }, `upstream connect attempt failed, retrying: ${failure.message}`);
        continue;
      }
      this.deps.metrics.upstreamConnect.observe((Date.now() - client.openedAt) / 1000);
      await this.configure(client, cause);
      return !this.ended;
    }
    const message = failure?.message ?? 'upstream unavailable';
    this.log.error({ cause: cause ?? 'start', attempts }, `upstream connect failed: ${message}`);
    this.end({ outcome: 'upstream_failed', reason: message, clientMessage: message });
    return false;
  }

  private createClient(): RealtimeClient {
    const client: RealtimeClient = this.deps.clients.create(this.log, {
      // Events of a replaced session are stale: only the current client speaks for the call.
      onEvent: (ev) => client === this.client && this.onUpstreamEvent(ev),
      onLost: (failure) => client === this.client && this.onUpstreamLost(failure),
    });
    this.client = client;
    return client;
  }

  private async configure(client: RealtimeClient, cause: SwitchCause | undefined): Promise<void> {
    const resolved =
      cause === undefined
        ? await this.firstInstructions!
        : this.deps.config.continuity.reresolveInstructions
          ? await this.deps.instructions.resolve(this.uuid, this.log)
          : { text: this.instructionsText, source: this.instructionsSource };
    if (this.ended) return;
    if (cause === undefined) this.deps.metrics.instructionSources.labels(resolved.source).inc();
    this.instructionsText = resolved.text;
    this.instructionsSource = resolved.source;
    client.send(buildSessionUpdate(this.deps.config.openai, resolved.text, this.deps.tools.definitions()));
    if (cause !== undefined) {
      const replay = replayEvents(this.conversation.recent(this.deps.config.continuity.replayBudgetChars));
      for (const ev of replay) client.send(ev);
      this.itemsReplayed = replay.length;
    }
    this.caller.attach((audio) => client.appendAudio(audio));
    this.scheduleRotation();
  }

  /**
   * Moves the call to a new upstream session (drop, expiry, planned rotation): caller audio is
   * kept meanwhile, the conversation is replayed, and an agent cut off mid-sentence goes on.
   */
  private async switchUpstream(cause: SwitchCause, failure?: UpstreamFailure): Promise<void> {
    if (this.switching || this.ended) return;
    if (failure && !failure.retryable) {
      this.end({ outcome: 'upstream_failed', reason: failure.message, clientMessage: `upstream connection lost: ${failure.message}` });
      return;
    }
    this.switching = true;
    const lostAt = Date.now();
    const old = this.client;
    this.client = undefined;
    old?.close();
    this.caller.detach();
    clearTimeout(this.rotateTimer);
    const agentWasSpeaking = this.activeResponseId !== undefined;
    if (agentWasSpeaking) this.agent.finish();
    this.activeResponseId = undefined;
    this.responseRequested = false;
    this.droppingResponseId = undefined;
    this.releaseAgentDoneWaiters();
    const ok = await this.establish(cause);
    this.switching = false;
    if (!ok) return;
    this.reconnects++;
    this.deps.metrics.upstreamSwitches.labels(cause).inc();
    this.log.info(
      { cause, gapMs: Date.now() - lostAt, itemsReplayed: this.itemsReplayed, keptBytes: this.caller.keptBytes, reconnects: this.reconnects },
      'upstream session replaced',
    );
    for (const digit of this.pendingDtmf.splice(0)) this.sendDtmf(digit);
    // A response asked for before or during the switch follows the agent's continuation, if any.
    const waiting = this.queuedResponse;
    this.queuedResponse = undefined;
    if (agentWasSpeaking) this.requestResponse({ instructions: `${this.instructionsText}\n\n${CONTINUE_AFTER_SWITCH}` });
    if (waiting) this.requestResponse(Object.keys(waiting).length ? waiting : undefined);
  }

  /** Plans a switch to a fresh session before the upstream's session limit, taken between turns. */
  private scheduleRotation(): void {
    clearTimeout(this.rotateTimer);
    const tryRotate = () => {
      if (this.ended || this.switching) return;
      if (this.activeResponseId || this.responseRequested || this.callerSpeaking) {
        this.rotateTimer = setTimeout(tryRotate, ROTATION_RETRY_MS);
        return;
      }
      void this.switchUpstream('rotation');
    };
    this.rotateTimer = setTimeout(tryRotate, this.deps.config.continuity.rotateAfterMs);
  }

  /** A wait that the end of the call cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepTimer = setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = resolve;
    });
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
    if (!this.client?.isOpen || !this.instructionsSource || this.switching) {
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
    clearTimeout(this.rotateTimer);
    clearTimeout(this.sleepTimer);
    this.wakeSleeper?.();
    this.releaseAgentDoneWaiters();
    this.deps.registry.remove(this);
    this.deps.metrics.activeCalls.labels(this.transport).dec();
    this.deps.metrics.calls.labels(this.transport, end.outcome).inc();
    // The call's summary line. An upstream failure was already told at error; an 'error' end
    // (client not reading, protocol violation) is told here only, so at warn.
    this.log[end.outcome === 'error' ? 'warn' : 'info'](
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
    this.deps.records.submit(this.recordInput(end));
  }

  private recordInput(end: CallEnd): CallRecordInput {
    const { openai } = this.deps.config;
    return {
      uuid: this.uuid,
      transport: this.transport,
      metadata: this.info.metadata,
      startedAt: this.startedAt,
      endedAt: Date.now(),
      outcome: end.outcome,
      reason: end.reason,
      conversation: this.conversation.all(),
      instructionsSource: this.instructionsSource,
      model: openai.model,
      voice: openai.voice,
      reconnects: this.reconnects,
      latenciesMs: this.latenciesMs,
      usage: this.usage,
    };
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
    // While the upstream is being replaced the request waits for the new session.
    if (this.activeResponseId || this.responseRequested || this.switching || !this.client) {
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
        return this.onCallerSpeechStarted(ev.item_id);
      case 'input_audio_buffer.speech_stopped':
        this.callerSpeaking = false;
        this.callerStoppedAt = Date.now();
        this.awaitingFirstFrame = true;
        return;
      case 'response.output_audio_transcript.done':
        return this.onTranscript('agent', ev.transcript, ev.item_id);
      case 'conversation.item.input_audio_transcription.completed':
        return this.onTranscript('user', ev.transcript, ev.item_id);
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
    const response = ev.response as { id?: string; status?: string; usage?: unknown } | undefined;
    addUsage(this.usage, response?.usage);
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

  private onCallerSpeechStarted(itemId: unknown): void {
    this.callerSpeaking = true;
    if (typeof itemId === 'string') this.noteItemStart(itemId);
    // Only a caller talking over the agent (speaking, or audio still playing out) is a barge-in.
    const agentAudible = this.activeResponseId !== undefined || this.agent.playoutRemainingMs() > 0;
    if (agentAudible) this.sink.interruption();
    const heard = this.agent.interrupt();
    if (this.activeResponseId) {
      this.droppingResponseId = this.activeResponseId;
      // With interrupt_response the server cancels by itself; asking again is harmless
      // (response_cancel_not_active is ignored) and covers turn detection set to none.
      this.client?.send({ type: 'response.cancel' });
    }
    // Nothing to truncate when the caller has heard the whole item.
    if (heard && heard.audioEndMs < Math.floor(heard.itemMs)) {
      this.client?.send({ type: 'conversation.item.truncate', item_id: heard.itemId, content_index: 0, audio_end_ms: heard.audioEndMs });
      if (this.interruptedItems.size >= MAX_TRACKED_ITEMS) this.interruptedItems.clear();
      this.interruptedItems.add(heard.itemId);
      const spoken = this.conversation.all().find((i) => i.itemId === heard.itemId);
      if (spoken) spoken.interrupted = true;
      this.log.debug({ itemId: heard.itemId, audioEndMs: heard.audioEndMs, sentMs: heard.sentMs }, 'barge-in: agent audio truncated');
    }
    this.awaitingFirstFrame = false;
  }

  private noteItemStart(itemId: string): void {
    if (this.itemStartedAt.size >= MAX_TRACKED_ITEMS) this.itemStartedAt.delete(this.itemStartedAt.keys().next().value!);
    this.itemStartedAt.set(itemId, Date.now());
  }

  private onTranscript(role: 'user' | 'agent', transcript: unknown, itemId: unknown): void {
    if (typeof transcript !== 'string' || transcript.trim() === '') return;
    const id = typeof itemId === 'string' ? itemId : undefined;
    const at = (id && this.itemStartedAt.get(id)) || Date.now();
    if (id) this.itemStartedAt.delete(id);
    const interrupted = id !== undefined && this.interruptedItems.delete(id);
    this.conversation.add({ role, text: transcript, at, ...(id ? { itemId: id } : {}), ...(interrupted ? { interrupted } : {}) });
    this.sink.transcript(role, transcript);
  }

  private onUpstreamError(ev: ServerEvent): void {
    const error = (ev.error ?? {}) as { code?: string; message?: string; type?: string };
    const code = error.code ?? error.type ?? 'unknown';
    if (BENIGN_ERROR_CODES.has(code)) {
      this.log.debug({ code }, `upstream reported a benign race: ${error.message ?? ''}`);
      return;
    }
    const fatal = FATAL_ERROR_CODES.has(code);
    this.log[fatal ? 'error' : 'warn']({ code, type: error.type }, `upstream error: ${error.message ?? 'no message'}`);
    this.deps.metrics.upstreamErrors.labels(code).inc();
    if (code === 'session_expired') {
      void this.switchUpstream('expired');
      return;
    }
    if (fatal) {
      const reason = `upstream error (${code}): ${error.message ?? 'no message'}`;
      this.end({ outcome: 'upstream_failed', reason, clientMessage: reason });
      return;
    }
    this.sink.error(`upstream error (${code}): ${error.message ?? 'no message'}`);
  }

  private onUpstreamLost(failure: UpstreamFailure): void {
    this.log.warn({ kind: failure.kind, status: failure.status }, `upstream lost: ${failure.message}`);
    this.countUpstreamError(failure);
    void this.switchUpstream('dropped', failure);
  }

  private countUpstreamError(failure: UpstreamFailure): void {
    this.deps.metrics.upstreamErrors.labels(failure.code ?? (failure.status ? `${failure.kind}_${failure.status}` : failure.kind)).inc();
  }

  /** For tools and records: the instructions this call runs with. */
  get instructions(): string {
    return this.instructionsText;
  }
}
