import type { Logger } from 'pino';
import type { AudioFactory } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';
import type { InstructionsService, ResolvedInstructions } from '../instructions/instructions.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { CallProfile, type CallProfiles } from '../profiles/call-profile.js';
import type { ToolRegistry, ToolRunner } from '../tools/index.js';
import type { CallRecordsService } from '../records/index.js';
import { greetingInstructions, type CallGuards, type GuardsService, type ToolWaitSound } from '../guards/index.js';
import type { UpstreamEvent, UpstreamListener, UpstreamSessionFactory, UpstreamSessionSettings } from '../realtime/upstream-session.js';
import { addUsage, emptyUsage, type CallRecordInput } from '../records/call-record-input.js';
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
  guards: GuardsService;
  /** Per-call agent profiles; unset (engine unit tests): every call on the env defaults. */
  profiles?: CallProfiles;
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
  /** The call's agent profile; set by start(). */
  private profile: CallProfile | undefined;
  private pendingDtmf: string[] = [];
  private callerSpeaking = false;
  private readonly latency: TurnLatency;
  private itemsReplayed = 0;
  /** What the agent was doing when the session went away, for the session that replaces it. */
  private interruptedTurn: { wasSpeaking: boolean; queued: ResponseRequest | undefined } | undefined;
  /** Set when avr_hangup or avr_transfer succeeded: how the call is recorded when it then ends. */
  private controlOutcome: 'hangup_tool' | 'transferred' | undefined;
  private readonly guards: CallGuards;
  private readonly waitSound: ToolWaitSound;
  /** The agent's current turn holds the idle clock until it has played out. */
  private agentTurnOpen = false;
  /**
   * A greeting that must play whole (GREETING_INTERRUPTIBLE=false): from its request until it has
   * played out, the upstream hears silence instead of the caller and nothing barges in.
   */
  private greetingProtection: 'requested' | 'playing' | undefined;
  private greetingResponseId: string | undefined;
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
      (itemId) => this.conversation.itemStarted(itemId),
    );
    const upstreams = {
      create: (logger: Logger, listener: UpstreamListener) => deps.upstreams.create(logger, listener, this.profile?.upstream()),
    };
    this.link = new UpstreamLink(upstreams, this.log, deps.metrics, continuity, this.abort.signal, {
      settings: (cause) => this.sessionSettings(cause),
      event: (ev) => this.onUpstreamEvent(ev),
      down: () => this.onUpstreamDown(),
      ready: (cause, gapMs) => this.onUpstreamReady(cause, gapMs),
      failed: (reason, clientMessage) => this.failUpstream(reason, clientMessage),
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
      fatal: (reason) => this.failUpstream(reason, reason),
      reAsk: () => this.respond(),
      sessionOver: () => this.link.replaceSafely('expired'),
    });
    this.toolCalls = new ToolCalls(
      {
        allowedTools: () => this.profile?.allowedTools(),
        uuid: this.uuid,
        metadata: info.metadata,
        log: this.log,
        tools: deps.tools,
        runner: deps.toolRunner,
        metrics: deps.metrics,
        conversation: this.conversation,
        callControlWaitMs: tools.callControlWaitMs,
      },
      {
        output: (callId, output) => this.link.session?.toolResult(callId, output),
        respond: () => this.respond(),
        control: (control) => (this.controlOutcome = control === 'hangup' ? 'hangup_tool' : 'transferred'),
        agentQuiet: (maxMs) => this.waitForAgentQuiet(maxMs),
        working: (busy) => {
          if (busy) {
            this.guards.busy();
            this.waitSound.toolStarted();
          } else {
            this.waitSound.toolDone();
            this.guards.idle();
          }
        },
      },
      this.abort.signal,
    );
    this.guards = deps.guards.forCall(
      {
        uuid: this.uuid,
        log: this.log,
        say: (instruction) => this.respond({ instructions: `${this.instructions.text}\n\n${instruction}` }),
        instruct: (text) => this.link.session?.addInstruction(text),
        agentQuiet: (maxMs) => this.waitForAgentQuiet(maxMs),
        play: (frames) => this.playFrames(frames),
        finish: (outcome, reason, handling) => this.end({ outcome, reason, ...(handling ? { handling } : {}) }),
      },
      this.abort.signal,
    );
    this.waitSound = deps.guards.waitSoundFor(
      { play: (frames) => this.playFrames(frames), agentAudible: () => this.turns.busy || this.agent.playoutRemainingMs() > 0 },
      this.abort.signal,
    );
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Registers the call and opens the upstream, resolving instructions at the same time. */
  async start(): Promise<void> {
    const { uuid, transport, metadata } = this.info;
    this.profile = new CallProfile(this.deps.config, this.deps.profiles, { uuid, transport, metadata }, this.log);
    this.deps.registry.add(this);
    this.deps.metrics.activeCalls.labels(this.transport).inc();
    this.log.info({ metadata: this.profile.publicMetadata }, 'call started');
    this.firstInstructions = this.deps.instructions.resolve(this.uuid, this.log);
    // A profile that may choose the model decides the first connection; otherwise they overlap.
    if (this.profile.connectsAfterProfile) await this.profile.ready;
    await this.link.start();
  }

  /** Caller audio: 8 kHz 16-bit little-endian PCM, any byte count (re-aligned across chunks). */
  pushCallerAudio(pcm: Uint8Array): void {
    if (this.ended) return;
    this.framesIn++;
    this.countFrameIn.inc();
    this.caller.push(this.greetingProtection ? silenceLike(pcm) : pcm);
  }

  dtmf(digit: string): void {
    if (this.ended) return;
    this.guards.callerActive();
    if (this.link.state !== 'ready') {
      if (this.pendingDtmf.length < MAX_PENDING_DTMF) this.pendingDtmf.push(digit);
      return;
    }
    this.sendDtmf(digit);
  }

  /** The caller's side went away. */
  hangUp(): void {
    const outcome = this.controlOutcome ?? 'caller_hung_up';
    const reason =
      outcome === 'hangup_tool'
        ? 'agent hung up (avr_hangup)'
        : outcome === 'transferred'
          ? 'call transferred (avr_transfer)'
          : 'caller hung up';
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
      {
        outcome: end.outcome,
        ...(end.handling ? { handling: end.handling } : {}),
        durationMs: Date.now() - this.startedAt,
        framesIn: this.framesIn,
        framesOut: this.agent.framesOut,
        malformedUpstreamEvents: this.link.malformedEvents,
      },
      `call ended: ${end.reason}`,
    );
    this.sink.end(end);
    this.deps.records.submit(this.recordInput(end));
  }

  private recordInput(end: CallEnd): CallRecordInput {
    const { model, voice } = this.profile?.openai ?? this.deps.config.openai;
    const { uuid, transport, startedAt, usage } = this;
    const profile = this.profile?.label;
    // prettier-ignore
    return {
      uuid, transport, startedAt, usage, model, voice, outcome: end.outcome, reason: end.reason, endedAt: Date.now(), handling: end.handling,
      metadata: this.profile?.publicMetadata ?? this.info.metadata, conversation: this.conversation.all(), instructionsSource: this.instructions.source,
      reconnects: this.link.reconnects, latenciesMs: this.latency.perTurnMs, ...(profile ? { profile } : {}),
    };
  }

  // --- the upstream link ------------------------------------------------------------------------

  private async sessionSettings(cause: SwitchCause | undefined): Promise<UpstreamSessionSettings> {
    const { continuity } = this.deps.config;
    const profile = this.profile!;
    await profile.ready;
    if (cause === undefined) this.instructions = profile.instructions(await this.firstInstructions!);
    else if (continuity.reresolveInstructions)
      this.instructions = profile.instructions(await this.deps.instructions.resolve(this.uuid, this.log));
    const replay = cause === undefined ? [] : this.conversation.replay(continuity.replayBudgetChars);
    this.itemsReplayed = replay.length;
    const call = profile.upstream();
    return {
      instructions: this.instructions.text,
      tools: profile.offered(upstreamTools(this.deps.tools)),
      replay,
      ...(call ? { call } : {}),
    };
  }

  private onUpstreamReady(cause: SwitchCause | undefined, gapMs: number): void {
    if (this.ended) return;
    const session = this.link.session!;
    this.caller.attach((audio) => session.appendAudio(audio));
    if (cause === undefined) {
      this.deps.metrics.instructionSources.labels(this.instructions.source).inc();
      const { source: instructionsSource, text } = this.instructions;
      const profile = this.profile?.label;
      this.log.info(
        {
          profile: profile?.name,
          profileSource: profile?.source,
          instructionsSource,
          instructionsChars: text.length,
          connectMs: Date.now() - this.startedAt,
          keptBytes: this.caller.keptBytes,
        },
        'upstream session configured',
      );
      this.sink.ready?.();
      this.guards.start(this.profile?.guards);
    } else {
      const { reconnects } = this.link;
      this.log.info(
        { cause, gapMs, itemsReplayed: this.itemsReplayed, keptBytes: this.caller.keptBytes, reconnects },
        'upstream session replaced',
      );
    }
    for (const digit of this.pendingDtmf.splice(0)) this.sendDtmf(digit);
    const greeting = (this.profile?.openai ?? this.deps.config.openai).greeting;
    if (cause === undefined && greeting) {
      const { greetingMode, greetingInterruptible } = this.deps.config.guards;
      if (!greetingInterruptible) this.greetingProtection = 'requested';
      this.respond({ instructions: greetingInstructions(this.instructions.text, greeting, this.profile?.greetingMode ?? greetingMode) });
    }
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
    this.agentTurnEnded(0);
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
        this.agentTurnStarted(ev.responseId);
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
    // The line is quiet once the reply has played at the caller's end, not when it was generated.
    this.agentTurnEnded(this.agent.playoutRemainingMs());
    if (this.greetingProtection === 'playing' && ev.responseId === this.greetingResponseId) {
      void sleep(this.agent.playoutRemainingMs(), this.abort.signal).then(() => (this.greetingProtection = undefined));
    }
    this.turns.done(ev.responseId);
    this.faults.responseDone(ev);
    if (!this.ended) this.toolCalls.responseDone(ev.responseId);
  }

  // --- call guards -------------------------------------------------------------------------------

  /**
   * The upstream cannot be had or failed beyond healing. With a failure action the caller hears
   * the announcement and is hung up or transferred (the guards end the call); otherwise the call
   * ends here, telling the client.
   */
  private failUpstream(reason: string, clientMessage: string): void {
    if (this.ended || this.guards.isEnding) return;
    if (!this.guards.handlesFailures) return this.end({ outcome: 'upstream_failed', reason, clientMessage });
    this.caller.detach();
    this.link.close();
    this.agent.interrupt();
    void this.guards.upstreamFailed(reason);
  }

  /** Audio the service plays itself (announcement, wait sound), straight to the client. */
  private playFrames(frames: readonly Buffer[]): void {
    if (this.ended) return;
    this.sink.ready?.();
    for (const frame of frames) {
      this.countFrameOut.inc();
      this.sink.audio(frame);
    }
  }

  private agentTurnStarted(responseId: string): void {
    if (this.greetingProtection === 'requested') {
      this.greetingProtection = 'playing';
      this.greetingResponseId = responseId;
    }
    if (this.agentTurnOpen) return;
    this.agentTurnOpen = true;
    this.guards.busy();
  }

  private agentTurnEnded(playoutMs: number): void {
    if (!this.agentTurnOpen) return;
    this.agentTurnOpen = false;
    void sleep(playoutMs, this.abort.signal).then(() => this.guards.idle());
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
    if (this.greetingProtection) {
      this.log.debug('caller speech during a protected greeting: not a barge-in');
      return;
    }
    this.guards.callerActive();
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
    this.waitSound.agentSpeaks();
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

/** Shared zeros: a protected greeting sends the upstream silence of the caller's chunk length. */
const SILENCE = new Uint8Array(4096);
function silenceLike(pcm: Uint8Array): Uint8Array {
  return pcm.length <= SILENCE.length ? SILENCE.subarray(0, pcm.length) : new Uint8Array(pcm.length);
}
