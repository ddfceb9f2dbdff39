import type { Logger } from 'pino';
import type { UpstreamEvent, UpstreamListener } from '../realtime/upstream-session.js';
import { addUsage, emptyUsage, type CallRecordInput } from '../records/call-record-input.js';
import { AgentAudioPath } from './agent-audio.js';
import { AgentSpeech } from './agent-speech.js';
import type { CallDeps, CallInfo } from './call-deps.js';
import type { LiveCall, Transport } from './call-registry.js';
import { CallSetup } from './call-setup.js';
import type { CallEnd, CallSink } from './call-sink.js';
import { CallerAudioPath } from './caller-audio.js';
import type { SwitchCause } from './continuity.js';
import { Conversation } from './conversation.js';
import { GuardsLink } from './guards-link.js';
import { Keypresses } from './keypresses.js';
import { ToolCalls } from './tool-calls.js';
import { TurnLatency } from './turn-latency.js';
import { UpstreamFaults } from './upstream-faults.js';
import { UpstreamLink } from './upstream-link.js';

/** How a call that the caller's side left is told, by what happened before. */
const LEFT_REASONS = {
  hangup_tool: 'agent hung up (avr_hangup)',
  transferred: 'call transferred (avr_transfer)',
  caller_hung_up: 'caller hung up',
} as const;

/**
 * One phone call, whatever the transport and whatever the upstream: lifecycle, the caller's audio,
 * the upstream's events routed to the parts they concern, and the one `end()`. The setup (profile,
 * instructions), the upstream link, the agent's speech (response turns, agent audio, barge-in cut),
 * the tool calls, the keypresses, the guards' link and the conversation each own their state; those
 * that must act on the call report back through listeners.
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
  private readonly setup: CallSetup;
  private readonly caller: CallerAudioPath;
  private readonly agent: AgentSpeech;
  private readonly link: UpstreamLink;
  private readonly toolCalls: ToolCalls;
  private readonly keypresses: Keypresses;
  private readonly faults: UpstreamFaults;
  private readonly guards: GuardsLink;
  private readonly latency: TurnLatency;
  private ended: CallEnd | undefined;
  private callerSpeaking = false;
  /** Set when avr_hangup or avr_transfer succeeded: how the call is recorded when it then ends. */
  private controlOutcome: 'hangup_tool' | 'transferred' | undefined;
  private readonly countFrameIn: { inc(): void };
  private readonly countFrameOut: { inc(): void };

  constructor(
    readonly info: CallInfo,
    private readonly sink: CallSink,
    private readonly deps: CallDeps,
  ) {
    const { uuid, transport, metadata } = info;
    const { continuity } = deps.config;
    const signal = this.abort.signal;
    this.uuid = uuid;
    this.transport = transport;
    const log = (this.log = deps.logger.child({ uuid, transport }));
    const conversation = (this.conversation = new Conversation(continuity.maxConversationItems));
    this.setup = new CallSetup(info, deps, log, conversation);
    this.countFrameIn = deps.metrics.frames.labels('in', transport);
    this.countFrameOut = deps.metrics.frames.labels('out', transport);
    this.latency = new TurnLatency(deps.metrics);
    this.caller = CallerAudioPath.forCall(deps.config, deps.audio, log);
    const agentAudio = AgentAudioPath.forCall(deps.config, deps.audio, {
      frame: (f) => this.sendFrame(f),
      itemStarted: (itemId) => conversation.itemStarted(itemId),
    });
    const upstreams = { create: (l: Logger, listener: UpstreamListener) => deps.upstreams.create(l, listener, this.setup.upstream()) };
    this.link = new UpstreamLink(upstreams, log, deps.metrics, continuity, signal, {
      settings: (cause) => this.setup.settings(cause),
      event: (ev) => this.onUpstreamEvent(ev),
      down: () => this.onUpstreamDown(),
      ready: (cause, gapMs) => this.onUpstreamReady(cause, gapMs),
      failed: (reason, clientMessage) => this.failUpstream(reason, clientMessage),
      canRotate: () => !this.agent.busy && !this.callerSpeaking,
    });
    this.agent = new AgentSpeech(this.link, agentAudio, conversation, log, signal);
    this.faults = new UpstreamFaults(log, deps.metrics, {
      fatal: (reason) => this.failUpstream(reason, reason),
      reAsk: () => this.agent.respond(),
      sessionOver: () => this.link.replaceSafely('expired'),
    });
    this.toolCalls = new ToolCalls(
      { ...deps, uuid, metadata, log, conversation, allowedTools: () => this.setup.allowedTools() },
      {
        output: (callId, output) => this.link.session?.toolResult(callId, output),
        respond: () => this.agent.respond(),
        control: (control) => (this.controlOutcome = control === 'hangup' ? 'hangup_tool' : 'transferred'),
        agentQuiet: (maxMs) => this.agent.quiet(maxMs),
        working: (busy) => this.guards.toolWorking(busy),
      },
      signal,
    );
    this.keypresses = new Keypresses(conversation, (text) => {
      this.link.session!.addUserText(text);
      this.agent.respond();
    });
    this.guards = new GuardsLink(
      deps.guards,
      {
        uuid,
        log,
        say: (instruction) => this.agent.respond(this.setup.withInstruction(instruction)),
        instruct: (text) => this.link.session?.addInstruction(text),
        agentQuiet: (maxMs) => this.agent.quiet(maxMs),
        play: (frames) => this.playFrames(frames),
        finish: (outcome, reason, handling) => this.end({ outcome, reason, ...(handling ? { handling } : {}) }),
        agentAudible: () => this.agent.audible,
        playoutRemainingMs: () => this.agent.playoutRemainingMs(),
      },
      signal,
    );
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Registers the call and opens the upstream, resolving profile and instructions at the same time. */
  async start(): Promise<void> {
    this.deps.registry.add(this);
    this.deps.metrics.activeCalls.labels(this.transport).inc();
    await this.setup.begin();
    await this.link.start();
  }

  /** Caller audio: 8 kHz 16-bit little-endian PCM, any byte count (re-aligned across chunks). */
  pushCallerAudio(pcm: Uint8Array): void {
    if (this.ended) return;
    this.framesIn++;
    this.countFrameIn.inc();
    this.caller.push(this.guards.callerAudio(pcm));
  }

  dtmf(digit: string): void {
    if (this.ended) return;
    this.guards.callerActive();
    this.keypresses.press(digit, this.link.state === 'ready');
  }

  /** The caller's side went away (the transport tells; an event, not an action). */
  callerLeft(): void {
    const outcome = this.controlOutcome ?? 'caller_hung_up';
    this.end({ outcome, reason: LEFT_REASONS[outcome] });
  }

  /**
   * The caller's audio has ended (HTTP request body): let the agent finish the response in
   * progress, bounded by graceMs, then end the call.
   */
  finishAfterAgent(graceMs: number): void {
    this.caller.detach();
    void this.agent
      .whenIdle(graceMs)
      .then(() => this.end({ outcome: 'caller_hung_up', reason: 'caller audio ended' }))
      .catch((err: unknown) => this.log.error({ err }, 'ending the call after its audio failed'));
  }

  /**
   * The drain's grace is about to run out: with a failure action the caller hears the announcement
   * and is hung up or transferred, as for an upstream failure; otherwise terminate() ends the call.
   */
  windDown(reason: string): void {
    if (this.ended || this.guards.isEnding || !this.guards.handlesFailures) return;
    this.log.info('the service is stopping and the drain grace is running out: handing the call over');
    this.handOver('drained', reason);
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

  private recordInput({ outcome, reason, handling }: CallEnd): CallRecordInput {
    const { uuid, transport, startedAt, usage, link, latency } = this;
    // prettier-ignore
    return {
      uuid, transport, startedAt, usage, outcome, reason, handling, endedAt: Date.now(), conversation: this.conversation.all(),
      reconnects: link.reconnects, latenciesMs: latency.perTurnMs, ...this.setup.recordFacts(),
    };
  }

  // --- the upstream link ------------------------------------------------------------------------

  private onUpstreamReady(cause: SwitchCause | undefined, gapMs: number): void {
    if (this.ended) return;
    const session = this.link.session!;
    this.caller.attach((audio) => session.appendAudio(audio));
    const keptBytes = this.caller.keptBytes;
    if (cause === undefined) {
      this.setup.configured({ connectMs: Date.now() - this.startedAt, keptBytes });
      this.sink.ready?.();
      this.guards.start(this.setup.guards);
    } else {
      const { reconnects } = this.link;
      this.log.info({ cause, gapMs, itemsReplayed: this.setup.itemsReplayed, keptBytes, reconnects }, 'upstream session replaced');
    }
    this.keypresses.flush();
    const greeting = cause === undefined ? this.setup.greeting() : undefined;
    if (greeting) {
      if (!this.deps.config.guards.greetingInterruptible) this.guards.protectGreeting();
      this.agent.respond(greeting);
    }
    this.agent.sessionReady(() => this.setup.continuation());
  }

  private onUpstreamDown(): void {
    this.caller.detach();
    this.guards.upstreamDown();
    this.agent.sessionDown();
  }

  private onUpstreamEvent(ev: UpstreamEvent): void {
    if (this.ended) return;
    switch (ev.type) {
      case 'agent_audio':
      case 'agent_audio_done':
        return this.agent.audioEvent(ev);
      case 'response_started':
        this.guards.responseStarted(ev.responseId);
        return this.agent.responseStarted(ev.responseId);
      case 'response_done':
        return this.onResponseDone(ev);
      case 'caller_speech_started':
        return this.onCallerSpeechStarted(ev.itemId);
      case 'caller_speech_stopped':
        this.callerSpeaking = false;
        return this.latency.callerStopped();
      case 'caller_turn_ended':
        return this.latency.callerTurnEnded(ev.at);
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
    this.guards.responseDone(ev.responseId);
    this.agent.responseDone(ev.responseId);
    this.faults.responseDone(ev);
    if (!this.ended) this.toolCalls.responseDone(ev.responseId);
  }

  /**
   * The upstream cannot be had or failed beyond healing. With a failure action the caller hears
   * the announcement and is hung up or transferred (the guards end the call); otherwise the call
   * ends here, telling the client.
   */
  private failUpstream(reason: string, clientMessage: string): void {
    if (this.ended || this.guards.isEnding) return;
    if (!this.guards.handlesFailures) return this.end({ outcome: 'upstream_failed', reason, clientMessage });
    this.handOver('upstream_failed', reason);
  }

  /** The model's part of the call is over: the guards play the announcement and act through AMI. */
  private handOver(outcome: 'upstream_failed' | 'drained', reason: string): void {
    this.caller.detach();
    this.link.close();
    this.agent.silence();
    this.guards.handOver(outcome, reason);
  }

  // --- turns, barge-in, agent audio ---------------------------------------------------------------

  private onCallerSpeechStarted(itemId: string | undefined): void {
    if (this.guards.protectsGreeting) {
      this.log.debug('caller speech during a protected greeting: not a barge-in');
      return;
    }
    this.guards.callerActive();
    this.callerSpeaking = true;
    if (itemId) this.conversation.itemStarted(itemId);
    if (this.agent.cutShort()) this.sink.interruption();
    this.latency.cancel();
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

  private sendFrame(frame: Buffer): void {
    if (this.ended) return;
    this.latency.agentFrame();
    this.guards.agentFrame();
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
