import type { Logger } from 'pino';

/** Names of the built-in sources; a custom source may use any other name. */
export type InstructionSourceName = 'env' | 'url' | 'file' | 'default' | (string & {});

/** The call a source is loading instructions for; the logger already carries the call uuid. */
export interface InstructionCall {
  uuid: string;
  logger: Logger;
}

/**
 * One place instructions may come from. The service asks the configured sources in priority
 * order; the first non-null answer wins.
 */
export interface InstructionSource {
  readonly name: InstructionSourceName;
  isConfigured(): boolean;
  /** The instructions, or null to fall through to the next source (after logging one warning with the reason). */
  load(call: InstructionCall): Promise<string | null>;
}

/** Injection token of the ordered list of sources, highest priority first. */
export const INSTRUCTION_SOURCES = Symbol('INSTRUCTION_SOURCES');

/**
 * The one warning line a source writes when it gives up for this call. Shared so that every
 * source reports the same fields ({uuid, source, reason}) and operators can grep one message.
 */
export function warnFallThrough(call: InstructionCall, source: InstructionSourceName, reason: string, extra: object = {}): null {
  call.logger.warn({ ...extra, source, reason }, 'instructions source failed, using the next one');
  return null;
}
