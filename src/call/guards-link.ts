import type { CallGuards, GuardedCall, GuardsService, ToolWaitSound } from '../guards/index.js';
import { sleep } from '../common/waits.js';

/** What the guards' link needs of the call beyond what the guards themselves ask. */
export interface GuardsLinkCall extends GuardedCall {
  /** The agent is speaking or its audio is still playing at the caller's end. */
  agentAudible(): boolean;
  /** Milliseconds of agent audio sent and not yet played at the caller's end. */
  playoutRemainingMs(): number;
}

/**
 * The call's link to its guards: tells them when the line is busy (the agent's turn until it has
 * played out, a tool at work) and when the caller is active, plays the wait sound around slow
 * tools, and keeps a greeting that must play whole (GREETING_INTERRUPTIBLE=false) from the
 * caller: from its request until it has played out, the upstream hears silence and nothing
 * barges in.
 */
export class GuardsLink {
  private readonly guards: CallGuards;
  private readonly waitSound: ToolWaitSound;
  /** The agent's current turn holds the idle clock until it has played out. */
  private agentTurnOpen = false;
  private greeting: 'requested' | 'playing' | undefined;
  private greetingResponseId: string | undefined;

  constructor(
    service: GuardsService,
    private readonly call: GuardsLinkCall,
    private readonly signal: AbortSignal,
  ) {
    this.guards = service.forCall(call, signal);
    this.waitSound = service.waitSoundFor({ play: (frames) => call.play(frames), agentAudible: () => call.agentAudible() }, signal);
  }

  /** The upstream is configured: the guards' clocks start, with the call's own settings. */
  start(overrides: Parameters<CallGuards['start']>[0]): void {
    this.guards.start(overrides);
  }

  /** A guard is ending the call: nothing else may end it or start speaking. */
  get isEnding(): boolean {
    return this.guards.isEnding;
  }

  /** Whether an upstream failure or a drain's end is the guards' to handle (announcement and AMI action). */
  get handlesFailures(): boolean {
    return this.guards.handlesFailures;
  }

  /** The announcement, then the AMI action; the guards end the call (see CallGuards.handOver). */
  handOver(outcome: 'upstream_failed' | 'drained', reason: string): void {
    void this.guards.handOver(outcome, reason);
  }

  callerActive(): void {
    this.guards.callerActive();
  }

  /** The greeting about to be asked for must play whole. */
  protectGreeting(): void {
    this.greeting = 'requested';
  }

  get protectsGreeting(): boolean {
    return this.greeting !== undefined;
  }

  /** What the upstream hears of the caller: silence of the same length during a protected greeting. */
  callerAudio(pcm: Uint8Array): Uint8Array {
    return this.greeting ? silenceLike(pcm) : pcm;
  }

  responseStarted(responseId: string): void {
    if (this.greeting === 'requested') {
      this.greeting = 'playing';
      this.greetingResponseId = responseId;
    }
    if (this.agentTurnOpen) return;
    this.agentTurnOpen = true;
    this.guards.busy();
  }

  /** The line is quiet once the reply has played at the caller's end, not when it was generated. */
  responseDone(responseId: string | undefined): void {
    const playoutMs = this.call.playoutRemainingMs();
    this.agentTurnEnded(playoutMs);
    if (this.greeting === 'playing' && responseId === this.greetingResponseId) {
      void sleep(playoutMs, this.signal).then(() => (this.greeting = undefined));
    }
  }

  /** The session went away: whatever the agent was saying will not play on. */
  upstreamDown(): void {
    this.agentTurnEnded(0);
  }

  toolWorking(busy: boolean): void {
    if (busy) {
      this.guards.busy();
      this.waitSound.toolStarted();
    } else {
      this.waitSound.toolDone();
      this.guards.idle();
    }
  }

  /** The agent's own audio replaces the wait sound. */
  agentFrame(): void {
    this.waitSound.agentSpeaks();
  }

  private agentTurnEnded(playoutMs: number): void {
    if (!this.agentTurnOpen) return;
    this.agentTurnOpen = false;
    void sleep(playoutMs, this.signal).then(() => this.guards.idle());
  }
}

/** Shared zeros: a protected greeting sends the upstream silence of the caller's chunk length. */
const SILENCE = new Uint8Array(4096);
function silenceLike(pcm: Uint8Array): Uint8Array {
  return pcm.length <= SILENCE.length ? SILENCE.subarray(0, pcm.length) : new Uint8Array(pcm.length);
}
