import type { Logger } from 'pino';
import type { AudioFactory } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';
import type { InstructionsService, ResolvedInstructions } from '../instructions/instructions.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ToolRegistry, ToolRunner } from '../tools/index.js';
import type { CallRecordsService } from '../records/index.js';
import type { UpstreamEvent, UpstreamSessionFactory, UpstreamSessionSettings } from '../realtime/upstream-session.js';
import { addUsage, emptyUsage, type CallRecordInput } from './call-record-input.js';
import { CONTINUE_AFTER_SWITCH, type SwitchCause } from './continuity.js';
import { AgentAudioPath } from './agent-audio.js';
import type { CallRegistry, LiveCall, Transport } from './call-registry.js';
import type { CallEnd, CallSink } from './call-sink.js';
import { CallerAudioPath } from './caller-audio.js';
import { Conversation } from './conversation.js';
import { ResponseTurns, type ResponseRequest } from './response-turns.js';
import { ToolCalls, upstreamTools } from './tool-calls.js';
import { TurnLatency } from './turn-latency.js';
import { UpstreamFaults } from './upstream-faults.js';
import { UpstreamLink } from './upstream-link.js';
import { sleep } from './waits.js';

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
  upstreams: UpstreamSessionFactory;
  instructions: InstructionsService;
  audio: AudioFactory;
  metrics: MetricsService;
  tools: ToolRegistry;
  toolRunner: ToolRunner;
  records: CallRecordsService;
}

const MAX_PENDING_DTMF = 32;

/**
 * One phone call, whatever the transport and whatever the upstream: lifecycle, the audio paths
 * both ways, barge-in, DTMF, latency and the one `end()`. The upstream link, the response turns,
 * the tool calls and the conversation each own their state and report back through listeners.
 */
export class CallSession implements LiveCall {
  readonly uuid: string;
  readonly transport: Transport;
  readonly startedAt = Date.now();
  readonly log: Logger;
  readonly conversation: Conversation;
  readonly usage = emptyUsage();
  framesIn = 0;
  /** Every wait of the call takes this signal: ending the call leaves no timer behind. */
  private readonly abort = new AbortController();
  private readonly caller: CallerAudioPath;
  private readonly agent: AgentAudioPath;
  private readonly link: UpstreamLink;
  private readonly turns: ResponseTurns;
  private readonly toolCalls: ToolCalls;
  private readonly faults: UpstreamFaults;
  private ended: CallEnd | undefined;
  private instructions: ResolvedInstructions = { text: '', source: '' };
  private firstInstructions: Promise<ResolvedInstructions> | undefined;
  private pendingDtmf: string[] = [];
  private callerSpeaking = false;
  private readonly latency: TurnLatency;
  private itemsReplayed = 0;
  /** What the agent was doing when the session went away, for the session that replaces it. */
  private interruptedTurn: { wasSpeaking: boolean; queued: ResponseRequest | undefined } | undefined;
  /** Set when avr_hangup or avr_transfer succeeded: how the call is recorded when it then ends. */
  private controlOutcome: 'hangup_tool' | 'transferred' | undefined;
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
    const { openai, audio, continuity, tools } = deps.config;
    this.conversation = new Conversation(continuity.maxConversationItems);
    this.countFrameIn = deps.metrics.frames.labels('in', info.transport);
    this.countFrameOut = deps.metrics.frames.labels('out', info.transport);
    this.latency = new TurnLatency(deps.metrics);
    const pcm = openai.audioFormat === 'pcm16';
    this.caller = new CallerAudioPath(openai.audioFormat, pcm ? deps.audio.createUpsampler() : undefined, audio.prebufferMs, audio.appendBatchMs, (keptMs) =>
      this.log.warn({ keptMs }, 'upstream not ready: dropping the oldest caller audio beyond the prebuffer'),
    );
    this.agent = new AgentAudioPath(
      openai.audioFormat,
      pcm ? deps.audio.createDownsampler() : undefined,
      deps.audio.createFramer(),
      (f) => this.sendFrame(f),
      (itemId) => this.conversation.itemStarted(itemId),
    );
    this.link = new UpstreamLink(deps.upstreams, this.log, deps.metrics, continuity, this.abort.signal, {
      settings: (cause) => this.sessionSettings(cause),
      event: (ev) => this.onUpstreamEvent(ev),
      down: () => this.onUpstreamDown(),
      ready: (cause, gapMs) => this.onUpstreamReady(cause, gapMs),
      failed: (reason, clientMessage) => this.end({ outcome: 'upstream_failed', reason, clientMessage }),
      canRotate: () => !this.turns.busy && !this.callerSpeaking,
    });
    this.turns = new ResponseTurns({
      ask: (request) => {
        const session = this.link.session;
        session?.respond(request.instructions);
        return session !== undefined;
      },
    });
    this.faults = new UpstreamFaults(this.log, deps.metrics, {
      fatal: (reason) => this.end({ outcome: 'upstream_failed', reason, clientMessage: reason }),
      reAsk: () => this.respond(),
      sessionOver: () => this.link.replaceSafely('expired'),
    });
    this.toolCalls = new ToolCalls(
      { uuid: this.uuid, metadata: info.metadata, log: this.log, tools: deps.tools, runner: deps.toolRunner, metrics: deps.metrics, conversation: this.conversation, callControlWaitMs: tools.callControlWaitMs },
      {
        output: (callId, output) => this.link.session?.toolResult(callId, output),
        respond: () => this.respond(),
        control: (control) => (this.controlOutcome = control === 'hangup' ? 'hangup_tool' : 'transferred'),
        agentQuiet: (maxMs) => this.waitForAgentQuiet(maxMs),
      },
      this.abort.signal,
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
    await this.link.start();
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
    if (this.link.state !== 'ready') {
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
    void this.turns
      .whenIdle(graceMs, this.abort.signal)
      .then(() => this.end({ outcome: 'caller_hung_up', reason: 'caller audio ended' }))
      .catch((err: unknown) => this.log.error({ err }, 'ending the call after its audio failed'));
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
    // Closes the upstream link and cuts every wait of the call short.
    this.abort.abort();
    this.deps.registry.remove(this);
    this.deps.metrics.activeCalls.labels(this.transport).dec();
    this.deps.metrics.calls.labels(this.transport, end.outcome).inc();
    // The call's summary line. An upstream failure was already told at error; an 'error' end
    // (client not reading, protocol violation) is told here only, so at warn.
    this.log[end.outcome === 'error' ? 'warn' : 'info'](
      { outcome: end.outcome, durationMs: Date.now() - this.startedAt, framesIn: this.framesIn, framesOut: this.agent.framesOut, malformedUpstreamEvents: this.link.malformedEvents },
      `call ended: ${end.reason}`,
    );
    this.sink.end(end);
    this.deps.records.submit(this.recordInput(end));
  }

  private recordInput(end: CallEnd): CallRecordInput {
    const { model, voice } = this.deps.config.openai;
    const { uuid, transport, startedAt, usage } = this;
    // prettier-ignore
    return {
      uuid, transport, startedAt, usage, model, voice, outcome: end.outcome, reason: end.reason, endedAt: Date.now(),
      metadata: this.info.metadata, conversation: this.conversation.all(), instructionsSource: this.instructions.source,
      reconnects: this.link.reconnects, latenciesMs: this.latency.perTurnMs,
    };
  }

  // --- the upstream link ------------------------------------------------------------------------

  private async sessionSettings(cause: SwitchCause | undefined): Promise<UpstreamSessionSettings> {
    const { continuity } = this.deps.config;
    if (cause === undefined) this.instructions = await this.firstInstructions!;
    else if (continuity.reresolveInstructions) this.instructions = await this.deps.instructions.resolve(this.uuid, this.log);
    const replay = cause === undefined ? [] : this.conversation.replay(continuity.replayBudgetChars);
    this.itemsReplayed = replay.length;
    return { instructions: this.instructions.text, tools: upstreamTools(this.deps.tools), replay };
  }

  private onUpstreamReady(cause: SwitchCause | undefined, gapMs: number): void {
    if (this.ended) return;
    const session = this.link.session!;
    this.caller.attach((audio) => session.appendAudio(audio));
    if (cause === undefined) {
      this.deps.metrics.instructionSources.labels(this.instructions.source).inc();
      const { source: instructionsSource, text } = this.instructions;
      this.log.info({ instructionsSource, instructionsChars: text.length, connectMs: Date.now() - this.startedAt, keptBytes: this.caller.keptBytes }, 'upstream session configured');
      this.sink.ready?.();
    } else {
      const { reconnects } = this.link;
      this.log.info({ cause, gapMs, itemsReplayed: this.itemsReplayed, keptBytes: this.caller.keptBytes, reconnects }, 'upstream session replaced');
    }
    for (const digit of this.pendingDtmf.splice(0)) this.sendDtmf(digit);
    const greeting = this.deps.config.openai.greeting;
    if (cause === undefined && greeting) this.respond({ instructions: `${this.instructions.text}\n\nStart the call now by greeting the caller: ${greeting}` });
    // A response asked for before or during the switch follows the agent's continuation, if any.
    const interrupted = this.interruptedTurn;
    this.interruptedTurn = undefined;
    if (interrupted?.wasSpeaking) this.respond({ instructions: `${this.instructions.text}\n\n${CONTINUE_AFTER_SWITCH}` });
    if (interrupted?.queued) this.respond(interrupted.queued);
    // And one asked for while no session could take it (a tool's result during the switch).
    this.turns.flush();
  }

  private onUpstreamDown(): void {
    this.caller.detach();
    this.interruptedTurn = this.turns.reset();
    if (this.interruptedTurn.wasSpeaking) this.agent.finish();
  }

  private onUpstreamEvent(ev: UpstreamEvent): void {
    if (this.ended) return;
    switch (ev.type) {
      case 'agent_audio':
        if (!this.turns.isDropped(ev.responseId)) this.agent.delta(ev.itemId, ev.audio);
        return;
      case 'agent_audio_done':
        if (!this.turns.isDropped(ev.responseId)) this.agent.finish();
        return;
      case 'response_started':
        return this.turns.started(ev.responseId);
      case 'response_done':
        return this.onResponseDone(ev);
      case 'caller_speech_started':
        return this.onCallerSpeechStarted(ev.itemId);
      case 'caller_speech_stopped':
        this.callerSpeaking = false;
        return this.latency.callerStopped();
      case 'transcript':
        if (this.conversation.transcript(ev.role, ev.text, ev.itemId)) this.sink.transcript(ev.role, ev.text);
        return;
      case 'tool_call':
        return this.toolCalls.called(ev.callId, ev.name, ev.arguments, ev.responseId);
      case 'error':
        return this.faults.error(ev.error);
      case 'usage':
        return addUsage(this.usage, ev.usage, false);
    }
  }

  private onResponseDone(ev: Extract<UpstreamEvent, { type: 'response_done' }>): void {
    if (ev.usage) addUsage(this.usage, ev.usage, true);
    this.turns.done(ev.responseId);
    this.faults.responseDone(ev);
    if (!this.ended) this.toolCalls.responseDone(ev.responseId);
  }

  // --- turns, barge-in, keypresses ----------------------------------------------------------------

  /** Asks for a response where the upstream takes explicit requests (it decides by itself elsewhere). */
  private respond(request: ResponseRequest = {}): void {
    const session = this.link.session;
    // Not tracked as a turn where the upstream decides when to talk (GPT-Live): it still gets the request (a greeting, a tool batch's continuation).
    if (session?.capabilities.explicitResponses === false) return session.respond(request.instructions);
    this.turns.request(request);
  }

  private onCallerSpeechStarted(itemId: string | undefined): void {
    this.callerSpeaking = true;
    if (itemId) this.conversation.itemStarted(itemId);
    // Only a caller talking over the agent (speaking, or audio still playing out) is a barge-in.
    const agentAudible = this.turns.state === 'speaking' || this.turns.state === 'cancelling' || this.agent.playoutRemainingMs() > 0;
    if (agentAudible) this.sink.interruption();
    const heard = this.agent.interrupt();
    const session = this.link.session;
    if (this.turns.bargeIn()) session?.cancel();
    for (const item of heard) {
      if (session?.capabilities.truncation) session.heard(item.itemId, item.audioEndMs);
      this.conversation.markInterrupted(item.itemId);
      this.log.debug({ itemId: item.itemId, audioEndMs: item.audioEndMs, sentMs: item.sentMs }, 'barge-in: agent audio truncated');
    }
    this.latency.cancel();
  }

  private sendDtmf(digit: string): void {
    const text = `The caller pressed ${digit} on the keypad.`;
    this.conversation.add({ role: 'user', text, at: Date.now() });
    this.link.session!.addUserText(text);
    this.respond();
  }

  /** Waits for the response in progress to end and its audio to have played out at the caller's end. */
  private async waitForAgentQuiet(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    await this.turns.whenIdle(maxMs, this.abort.signal);
    await sleep(Math.min(this.agent.playoutRemainingMs(), deadline - Date.now()), this.abort.signal);
  }

  private sendFrame(frame: Buffer): void {
    if (this.ended) return;
    this.latency.agentFrame();
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
}
