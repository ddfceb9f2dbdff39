import type { Logger } from 'pino';
import { errorText } from '../common/error-text.js';
import { sleep } from '../common/waits.js';
import { postToAmi, type AmiTarget } from '../tools/ami-client.js';
import type { GuardsConfig } from '../config/guards-config.js';
import { IdleAndDurationGuard, type IdleAndDurationSettings } from './idle-and-duration.js';

export type GuardOutcome = 'no_input' | 'max_duration' | 'upstream_failed' | 'drained';
/** What the service did for the caller when the upstream failed (in records and logs). */
export type FailureHandling = 'announced_hangup' | 'announced_transfer';

/** What the guards need of a call; the call engine implements it (no import of src/call/ here). */
export interface GuardedCall {
  readonly uuid: string;
  readonly log: Logger;
  /** Ask the model to speak now, with this added to its instructions (queued behind a response). */
  say(instruction: string): void;
  /** Tell the model something for its next turns, without asking it to speak. */
  instruct(text: string): void;
  /** Resolves once the agent's words in progress have played at the caller's end, or after maxMs. */
  agentQuiet(maxMs: number): Promise<void>;
  /** Plays prepared 20 ms frames to the caller, not through the model. */
  play(frames: readonly Buffer[]): void;
  finish(outcome: GuardOutcome, reason: string, handling?: FailureHandling): void;
}

export const CHECK_IN = 'The caller has been silent for a while. Ask briefly, in one short sentence, whether they are still there.';
export const GOODBYE_SILENT = 'The caller has not answered your check-ins. Say a short, polite goodbye now; the call then ends.';
const wrapUpText = (seconds: number) =>
  `This call must end in about ${seconds} seconds. Bring the conversation to a close: answer briefly and say goodbye.`;

const FRAME_MS = 20;

/** The instructions of the response that opens the call. */
export function greetingInstructions(instructions: string, greeting: string, mode: 'generated' | 'verbatim'): string {
  if (mode === 'generated') return `${instructions}\n\nStart the call now by greeting the caller: ${greeting}`;
  return `${instructions}\n\nStart the call now by saying exactly the following words, word for word, adding nothing before or after them:\n${greeting}`;
}

/**
 * One call's guards: checks in on a silent caller and gives up after the configured check-ins,
 * wraps up and ends a call at its maximum length, and, when the upstream fails beyond healing,
 * plays an announcement and hangs up or transfers through AVR's AMI service so the caller is not
 * left in silence (AVR core does not hang up when this service closes).
 */
export class CallGuards {
  private readonly clock: IdleAndDurationGuard;
  /** The env's settings until start(), which may override them for this call (its agent profile). */
  private readonly settings: IdleAndDurationSettings;
  /** Set once a guard is ending the call: nothing else may start speaking or act. */
  private ending = false;

  constructor(
    private readonly config: GuardsConfig,
    private readonly call: GuardedCall,
    private readonly ami: AmiTarget,
    private readonly announcement: readonly Buffer[],
    private readonly signal: AbortSignal,
  ) {
    const { idlePromptMs, idleMaxPrompts, maxCallSeconds, wrapUpSeconds } = config;
    const settings = (this.settings = { idlePromptMs, idleMaxPrompts, maxCallSeconds, wrapUpSeconds });
    this.clock = new IdleAndDurationGuard(
      settings,
      {
        checkIn: (attempt) => {
          call.log.info({ attempt }, 'caller silent: the agent checks in');
          call.say(CHECK_IN);
        },
        giveUpSilent: () => void this.closeAndHangUp('no_input', 'no answer from the caller', GOODBYE_SILENT),
        wrapUp: () => {
          call.log.info({ inSeconds: settings.wrapUpSeconds }, 'call near its maximum length: the model is told to wrap up');
          call.instruct(wrapUpText(settings.wrapUpSeconds));
        },
        limitReached: () => void this.closeAndHangUp('max_duration', `maximum call length reached (${settings.maxCallSeconds} s)`),
      },
      signal,
    );
  }

  /** Whether the call is being ended by a guard (the engine stops asking for responses). */
  get isEnding(): boolean {
    return this.ending;
  }

  /** Whether an upstream failure is handled here (announcement and AMI action) instead of a plain end. */
  get handlesFailures(): boolean {
    return this.config.failureAction.type !== 'none';
  }

  /** From the moment the call is connected to the model; `overrides` are the call's own settings. */
  start(overrides: Partial<IdleAndDurationSettings> = {}): void {
    for (const [key, value] of Object.entries(overrides) as Array<[keyof IdleAndDurationSettings, number | undefined]>) {
      if (value !== undefined) this.settings[key] = value;
    }
    this.clock.start();
  }

  callerActive(): void {
    this.clock.callerActive();
  }

  busy(): void {
    this.clock.busy();
  }

  idle(): void {
    this.clock.idle();
  }

  /**
   * The upstream cannot be had (`upstream_failed`), or the service is stopping and the call's time
   * is up (`drained`): the announcement plays, then the AMI action is taken; the client connection
   * stays open with no `error` message until then (AVR core stops all audio on one, and does not
   * hang up when the service closes: without this the caller would be left in silence).
   */
  async handOver(outcome: 'upstream_failed' | 'drained', reason: string): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.clock.stop();
    const action = this.config.failureAction;
    if (action.type === 'none') return;
    this.call.play(this.announcement);
    await sleep(this.announcement.length * FRAME_MS, this.signal);
    const handling: FailureHandling = action.type === 'hangup' ? 'announced_hangup' : 'announced_transfer';
    if (action.type === 'hangup') await this.amiAction('hangup', { uuid: this.call.uuid });
    else await this.amiAction('transfer', { uuid: this.call.uuid, exten: action.exten, context: action.context ?? 'demo', priority: 1 });
    this.call.finish(outcome, reason, handling);
  }

  private async closeAndHangUp(outcome: GuardOutcome, reason: string, goodbye?: string): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.clock.stop();
    this.call.log.info({ outcome }, `${reason}: ending the call`);
    if (goodbye) {
      this.call.say(goodbye);
      // The goodbye is asked for, not yet begun: give the model a moment to start it.
      await sleep(300, this.signal);
    }
    await this.call.agentQuiet(this.config.closingWordsMs);
    if (this.signal.aborted) return;
    await this.amiAction('hangup', { uuid: this.call.uuid });
    this.call.finish(outcome, reason);
  }

  private async amiAction(action: 'hangup' | 'transfer', body: object): Promise<void> {
    if (this.signal.aborted) return;
    try {
      await postToAmi(this.ami, action, body, this.signal);
      this.call.log.info({ action }, `AMI ${action} requested`);
    } catch (err) {
      // The call still ends here: the service stops its side, and the log says the phone line may not have.
      this.call.log.warn({ action }, `AMI ${action} failed: ${errorText(err)}`);
    }
  }
}
