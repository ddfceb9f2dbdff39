import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { errorText } from '../common/error-text.js';
import { configuredSafely, withinDeadline, withUuid } from '../common/source-chain.js';
import { ROOT_LOGGER } from '../logging/index.js';
import {
  INSTRUCTION_SOURCES,
  warnFallThrough,
  type InstructionCall,
  type InstructionSource,
  type InstructionSourceName,
} from './instruction-source.js';

export interface ResolvedInstructions {
  text: string;
  /** Which source gave the text: 'env' | 'url' | 'file' | 'default', or a custom source's name. */
  source: InstructionSourceName;
}

/**
 * Beyond the web service's own timeout, how long resolution may take before the rest is skipped.
 * The slack leaves room for the file source after a web service that used its whole timeout.
 */
const DEADLINE_SLACK_MS = 500;

/**
 * A call's instructions: the first configured source (in priority order) that answers. Never
 * throws and always settles within the web service timeout plus a little slack, because the call
 * engine awaits it alongside the upstream connection and a call must not stall on it.
 */
@Injectable()
export class InstructionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly rootLogger: Logger,
    @Inject(INSTRUCTION_SOURCES) private readonly sources: readonly InstructionSource[],
  ) {}

  async resolve(uuid: string, logger?: Logger): Promise<ResolvedInstructions> {
    const started = Date.now();
    const call: InstructionCall = { uuid, logger: withUuid(logger ?? this.rootLogger, uuid) };
    const deadline = started + this.config.instructions.timeoutMs + DEADLINE_SLACK_MS;

    for (const source of this.sources) {
      if (!configuredSafely(source, (reason) => warnFallThrough(call, source.name, reason))) continue;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        warnFallThrough(call, source.name, 'skipped: instructions resolution ran out of time');
        continue;
      }
      const text = await this.ask(source, call, remainingMs);
      if (text !== null) return this.resolved(call, { text, source: source.name }, started);
    }
    // Reached only if the default source is missing from the list or was skipped for time.
    return this.resolved(call, { text: this.config.instructions.defaultText, source: 'default' }, started);
  }

  /** One source's answer, or null (with exactly one warning) if it fails, throws or takes too long. */
  private async ask(source: InstructionSource, call: InstructionCall, withinMs: number): Promise<string | null> {
    try {
      const answer = await withinDeadline(source.load(call), withinMs);
      if (answer === 'overtime') return warnFallThrough(call, source.name, `no answer within ${withinMs} ms`);
      if (answer === null) return null; // the source has logged its reason
      if (typeof answer !== 'string' || !answer.trim()) return warnFallThrough(call, source.name, 'returned no text');
      return answer;
    } catch (err) {
      return warnFallThrough(call, source.name, `failed: ${errorText(err)}`);
    }
  }

  private resolved(call: InstructionCall, result: ResolvedInstructions, started: number): ResolvedInstructions {
    // The length, never the text: instructions may be long and are the operator's business.
    call.logger.info({ source: result.source, chars: result.text.length, ms: Date.now() - started }, 'instructions resolved');
    return result;
  }
}
