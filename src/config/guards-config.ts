import type { Env, EnvReader } from './env-reader.js';
import { parseFailureAction, type FailureAction } from './failure-action.js';

export interface GuardsConfig {
  idlePromptMs: number;
  idleMaxPrompts: number;
  maxCallSeconds: number;
  wrapUpSeconds: number;
  /** How long the agent's closing words may play before a guard hangs up. */
  closingWordsMs: number;
  /** Effective action: `none` when no AMI service is configured to carry it out. */
  failureAction: FailureAction;
  /** WAV file played before the failure action; unset: the bundled apology. */
  failureAnnouncement?: string;
  greetingMode: (typeof GREETING_MODES)[number];
  greetingInterruptible: boolean;
  /** A tool still working after this long gets the wait sound; 0 = never. */
  toolWaitSoundAfterMs: number;
  /** WAV file looped as the wait sound; unset: a soft bundled chime. */
  toolWaitSound?: string;
}

export const GREETING_MODES = ['generated', 'verbatim'] as const;

export function readGuardsConfig(r: EnvReader, env: Env): GuardsConfig {
  const actionText = r.string(
    'FAILURE_ACTION',
    'hangup',
    'When the upstream fails beyond healing, or a drain ends with calls live: play the announcement, then this AMI action (needs AMI_URL set)',
  );
  const parsed = parseFailureAction(actionText);
  if (!parsed.ok) r.problem(`FAILURE_ACTION=${actionText.slice(0, 80)}: ${parsed.error}`);
  // The AMI service is what hangs up or transfers: without one configured the caller is left as today.
  const amiConfigured = (env.AMI_URL ?? '').trim() !== '';
  return {
    idlePromptMs: r.int(
      'IDLE_PROMPT_MS',
      10000,
      0,
      600000,
      'Quiet on both sides this long makes the agent check in on the caller; 0 = never',
    ),
    idleMaxPrompts: r.int(
      'IDLE_MAX_PROMPTS',
      2,
      0,
      20,
      'Unanswered check-ins before the agent says goodbye and hangs up (outcome no_input)',
    ),
    maxCallSeconds: r.int(
      'MAX_CALL_SECONDS',
      0,
      0,
      86400,
      'Longest call: then the agent closes and the call is hung up (outcome max_duration); 0 = unlimited',
    ),
    wrapUpSeconds: r.int('MAX_CALL_WRAPUP_SECONDS', 30, 0, 3600, 'How long before MAX_CALL_SECONDS the model is told to wrap up'),
    closingWordsMs: r.int('CLOSING_WORDS_MAX_MS', 10000, 0, 60000, "How long a guard's goodbye may play before the hangup"),
    failureAction: parsed.ok && amiConfigured ? parsed.action : { type: 'none' },
    failureAnnouncement: r.optionalString(
      'FAILURE_ANNOUNCEMENT',
      'WAV file (any rate, mono) played before the failure action; unset: a bundled short apology',
    ),
    greetingMode: r.oneOf(
      'GREETING_MODE',
      'generated',
      GREETING_MODES,
      'OPENAI_GREETING as a prompt the model greets from, or text said word for word',
    ),
    greetingInterruptible: r.bool(
      'GREETING_INTERRUPTIBLE',
      true,
      'false: caller speech and line noise cannot cut the greeting off (legally required text)',
    ),
    toolWaitSoundAfterMs: r.int(
      'TOOL_WAIT_SOUND_AFTER_MS',
      1200,
      0,
      60000,
      'A tool still working after this long gets a soft wait sound until its result; 0 = never',
    ),
    toolWaitSound: r.optionalString(
      'TOOL_WAIT_SOUND',
      'WAV file (any rate, mono) looped as the tool wait sound; unset: a soft bundled chime',
    ),
  };
}
