import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import { greetingInstructions } from '../guards/index.js';
import type { ResolvedInstructions } from '../instructions/instructions.service.js';
import { CallProfile, type ProfileLabel } from '../profiles/call-profile.js';
import type { UpstreamCallSettings, UpstreamSessionSettings } from '../realtime/upstream-session.js';
import type { CallRecordInput } from '../records/call-record-input.js';
import type { CallDeps, CallInfo } from './call-deps.js';
import { CONTINUE_AFTER_SWITCH, type SwitchCause } from './continuity.js';
import type { Conversation } from './conversation.js';
import type { ResponseRequest } from './response-turns.js';
import { upstreamTools } from './tool-calls.js';

type SetupDeps = Pick<CallDeps, 'config' | 'instructions' | 'profiles' | 'tools' | 'metrics'>;

/** What a call's record takes from its setup. */
type SetupFacts = Pick<CallRecordInput, 'model' | 'voice' | 'metadata' | 'instructionsSource' | 'profile'>;

/**
 * What a call is set up with: its agent profile (resolving from the call's start) and its
 * instructions (resolved alongside the first connect, again at a switch where configured), turned
 * into the settings each upstream session starts from. Until the profile is known, the env's.
 */
export class CallSetup {
  /** Set by begin(). */
  private profile: CallProfile | undefined;
  private resolved: ResolvedInstructions = { text: '', source: '' };
  private firstInstructions: Promise<ResolvedInstructions> | undefined;
  /** Conversation items replayed into the latest session. */
  itemsReplayed = 0;

  constructor(
    private readonly info: CallInfo,
    private readonly deps: SetupDeps,
    private readonly log: Logger,
    private readonly conversation: Conversation,
  ) {}

  /** Starts resolving the profile and the instructions; settles once the first connect may begin. */
  async begin(): Promise<void> {
    const { uuid, transport, metadata } = this.info;
    this.profile = new CallProfile(this.deps.config, this.deps.profiles, { uuid, transport, metadata }, this.log);
    this.log.info({ metadata: this.profile.publicMetadata }, 'call started');
    this.firstInstructions = this.deps.instructions.resolve(uuid, this.log);
    // A profile that may choose the model decides the first connection; otherwise they overlap.
    if (this.profile.connectsAfterProfile) await this.profile.ready;
  }

  /** The call's effective `openai` settings. */
  get openai(): AppConfig['openai'] {
    return this.profile?.openai ?? this.deps.config.openai;
  }

  get instructions(): ResolvedInstructions {
    return this.resolved;
  }

  get guards(): CallProfile['guards'] | undefined {
    return this.profile?.guards;
  }

  get label(): ProfileLabel | undefined {
    return this.profile?.label;
  }

  upstream(): UpstreamCallSettings | undefined {
    return this.profile?.upstream();
  }

  allowedTools(): ReadonlySet<string> | undefined {
    return this.profile?.allowedTools();
  }

  /** The settings of the call's next upstream session: the first (no cause) or one replacing it. */
  async settings(cause: SwitchCause | undefined): Promise<UpstreamSessionSettings> {
    const { continuity } = this.deps.config;
    const profile = this.profile!;
    await profile.ready;
    if (cause === undefined) this.resolved = profile.instructions(await this.firstInstructions!);
    else if (continuity.reresolveInstructions)
      this.resolved = profile.instructions(await this.deps.instructions.resolve(this.info.uuid, this.log));
    const replay = cause === undefined ? [] : this.conversation.replay(continuity.replayBudgetChars);
    this.itemsReplayed = replay.length;
    const call = profile.upstream();
    return { instructions: this.resolved.text, tools: profile.offered(upstreamTools(this.deps.tools)), replay, ...(call ? { call } : {}) };
  }

  /** The first session is configured: counted and logged once per call. */
  configured(facts: { connectMs: number; keptBytes: number }): void {
    const { source: instructionsSource, text } = this.resolved;
    this.deps.metrics.instructionSources.labels(instructionsSource).inc();
    const profile = this.label;
    this.log.info(
      { profile: profile?.name, profileSource: profile?.source, instructionsSource, instructionsChars: text.length, ...facts },
      'upstream session configured',
    );
  }

  /** The request that opens the call, where a greeting is configured. */
  greeting(): ResponseRequest | undefined {
    const { greeting } = this.openai;
    if (!greeting) return undefined;
    const mode = this.profile?.greetingMode ?? this.deps.config.guards.greetingMode;
    return { instructions: greetingInstructions(this.resolved.text, greeting, mode) };
  }

  /** A response whose instructions are the call's, plus one for this turn. */
  withInstruction(instruction: string): ResponseRequest {
    return { instructions: `${this.resolved.text}\n\n${instruction}` };
  }

  /** The agent was cut off by a switch: it goes on where it stopped. */
  continuation(): ResponseRequest {
    return this.withInstruction(CONTINUE_AFTER_SWITCH);
  }

  recordFacts(): SetupFacts {
    const { model, voice } = this.openai;
    const profile = this.label;
    const metadata = this.profile?.publicMetadata ?? this.info.metadata;
    return { model, voice, metadata, instructionsSource: this.resolved.source, ...(profile ? { profile } : {}) };
  }
}
