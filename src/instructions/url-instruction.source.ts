import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { getJsonCapped, JsonGetError } from '../http-client/get-json-capped.js';
import { warnFallThrough, type InstructionCall, type InstructionSource } from './instruction-source.js';

/**
 * OPENAI_URL_INSTRUCTIONS: a web service asked on every call (X-AVR-UUID names the call) so that
 * operators can give each call its own instructions. Any failure falls through, never stalls.
 */
@Injectable()
export class UrlInstructionSource implements InstructionSource {
  readonly name = 'url';
  private readonly target?: URL;
  /** Origin and path only: the userinfo and query string may hold credentials. */
  private readonly loggableUrl?: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const raw = config.instructions.url?.trim();
    if (raw) {
      this.target = new URL(raw);
      this.loggableUrl = `${this.target.origin}${this.target.pathname}`;
    }
  }

  isConfigured(): boolean {
    return this.target !== undefined;
  }

  async load(call: InstructionCall): Promise<string | null> {
    if (!this.target) return null;
    let body: unknown;
    try {
      body = await getJsonCapped(this.target, {
        headers: { 'X-AVR-UUID': call.uuid, Accept: 'application/json' },
        timeoutMs: this.config.instructions.timeoutMs,
        maxBytes: this.config.instructions.maxBytes,
      });
    } catch (err) {
      const reason = err instanceof JsonGetError ? err.message : `request failed: ${String(err)}`;
      return warnFallThrough(call, this.name, reason, { url: this.loggableUrl });
    }
    const system = systemField(body);
    if (typeof system !== 'string') return warnFallThrough(call, this.name, system.problem, { url: this.loggableUrl });
    return system;
  }
}

function systemField(body: unknown): string | { problem: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problem: 'answer is not a JSON object' };
  const system = (body as Record<string, unknown>).system;
  if (system === undefined) return { problem: 'answer has no "system" field' };
  if (typeof system !== 'string') return { problem: `"system" is a ${system === null ? 'null' : typeof system}, not a string` };
  const text = system.trim();
  return text ? text : { problem: '"system" is empty' };
}
