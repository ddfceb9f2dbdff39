import type { Logger } from 'pino';
import type { UpstreamEvent, UpstreamSession } from '../realtime/upstream-session.js';
import type { AgentAudioPath } from './agent-audio.js';
import type { Conversation } from './conversation.js';
import { ResponseTurns, type ResponseRequest } from './response-turns.js';
import { sleep } from '../common/waits.js';

type AgentAudioEvent = Extract<UpstreamEvent, { type: 'agent_audio' | 'agent_audio_done' }>;

/**
 * The agent's side of a call: the responses it is asked for (one at a time, one queued; left to
 * the upstream where it decides by itself when to talk), its audio on the way to the caller (a
 * talked-over response's is dropped), the cut when the caller talks over it, what a lost session
 * cut off (resumed on the next one), and the waits for its last words to have played.
 */
export class AgentSpeech {
  private readonly turns: ResponseTurns;
  /** What the agent was doing when the session went away, for the session that replaces it. */
  private interrupted: { wasSpeaking: boolean; queued: ResponseRequest | undefined } | undefined;

  constructor(
    private readonly link: { readonly session: UpstreamSession | undefined },
    private readonly audio: AgentAudioPath,
    private readonly conversation: Conversation,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.turns = new ResponseTurns({
      ask: (request) => {
        const session = this.link.session;
        session?.respond(request.instructions);
        return session !== undefined;
      },
    });
  }

  /** A response is asked for or under way. */
  get busy(): boolean {
    return this.turns.busy;
  }

  /** The agent is speaking or its audio is still playing at the caller's end. */
  get audible(): boolean {
    return this.turns.busy || this.audio.playoutRemainingMs() > 0;
  }

  playoutRemainingMs(): number {
    return this.audio.playoutRemainingMs();
  }

  /** 20 ms frames sent to the caller. */
  get framesOut(): number {
    return this.audio.framesOut;
  }

  /** Asks for a response where the upstream takes explicit requests (it decides by itself elsewhere). */
  respond(request: ResponseRequest = {}): void {
    const session = this.link.session;
    // Not tracked as a turn where the upstream decides when to talk (GPT-Live): it still gets the request (a greeting, a tool batch's continuation).
    if (session?.capabilities.explicitResponses === false) return session.respond(request.instructions);
    this.turns.request(request);
  }

  /** Agent audio from the upstream, unless its response was talked over. */
  audioEvent(ev: AgentAudioEvent): void {
    if (this.turns.isDropped(ev.responseId)) return;
    if (ev.type === 'agent_audio') this.audio.delta(ev.itemId, ev.audio);
    else this.audio.finish();
  }

  responseStarted(responseId: string): void {
    this.turns.started(responseId);
  }

  responseDone(responseId: string | undefined): void {
    this.turns.done(responseId);
  }

  /**
   * The caller started speaking: whatever the agent still has to say stops. The response under
   * way is cancelled, the upstream is told how much of each cut item the caller heard (where it
   * takes truncation), and the conversation marks those items interrupted. Returns whether the
   * agent was audible (speaking, or its audio still playing out): only then is it a barge-in the
   * client must hear of, since the audio it was sent must be dropped.
   */
  cutShort(): boolean {
    const { turns, audio, link } = this;
    const audible = turns.state === 'speaking' || turns.state === 'cancelling' || audio.playoutRemainingMs() > 0;
    const heard = audio.interrupt();
    const session = link.session;
    if (turns.bargeIn()) session?.cancel();
    for (const item of heard) {
      if (session?.capabilities.truncation) session.heard(item.itemId, item.audioEndMs);
      this.conversation.markInterrupted(item.itemId);
      this.log.debug({ itemId: item.itemId, audioEndMs: item.audioEndMs, sentMs: item.sentMs }, 'barge-in: agent audio truncated');
    }
    return audible;
  }

  /** The model's part of the call is over (a hand-over): nothing more of it plays. */
  silence(): void {
    this.audio.interrupt();
  }

  /** The session went away: no response is under way; what it cut off waits for the next session. */
  sessionDown(): void {
    this.interrupted = this.turns.reset();
    if (this.interrupted.wasSpeaking) this.audio.finish();
  }

  /**
   * A new session is ready: the agent goes on where the switch cut it off (`continuation`), then
   * the request that waited, then one asked for while no session could take it (a tool's result).
   */
  sessionReady(continuation: () => ResponseRequest): void {
    const interrupted = this.interrupted;
    this.interrupted = undefined;
    if (interrupted?.wasSpeaking) this.respond(continuation());
    if (interrupted?.queued) this.respond(interrupted.queued);
    this.turns.flush();
  }

  /** Resolves when no response is asked for or under way, after maxMs, or when the call ends. */
  whenIdle(maxMs: number): Promise<void> {
    return this.turns.whenIdle(maxMs, this.signal);
  }

  /** Waits for the response in progress to end and its audio to have played out at the caller's end. */
  async quiet(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    await this.turns.whenIdle(maxMs, this.signal);
    await sleep(Math.min(this.audio.playoutRemainingMs(), deadline - Date.now()), this.signal);
  }
}
