import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { errorText } from '../common/error-text.js';
import { APP_CONFIG, configuredSecrets, type AppConfig } from '../config/index.js';
import { SecretRedactor } from '../logging/redaction.js';
import type { CallControl, Tool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';

export interface ToolCallRequest {
  uuid: string;
  name: string;
  /** The model's arguments, as the JSON text it sent. */
  rawArguments: string;
  /** The call's metadata (e.g. WebSocket query parameters), handed to the handler. */
  metadata: Record<string, unknown>;
  logger: Logger;
  /** The call's tool allow-list (its profile's): a tool outside it is as unknown as one that exists nowhere. */
  allowed?: ReadonlySet<string>;
}

export interface ToolCallResult {
  name: string;
  /** The parsed arguments, or the raw text when it was not a JSON object. */
  arguments: unknown;
  ok: boolean;
  /** What the model is told: the result, or an error it can recover from out loud. */
  output: string;
  /** Why the call failed, for logs and call records. */
  error?: string;
  durationMs: number;
  /** Set only when avr_hangup or avr_transfer succeeded: the call must now end or be handed over. */
  control?: CallControl;
}

type Outcome = Omit<ToolCallResult, 'name' | 'durationMs'>;

/**
 * Runs one function call of the model. Never rejects: every failure (unknown tool, arguments that
 * are not JSON, a handler that throws or overruns TOOL_TIMEOUT_MS) becomes a result whose output
 * tells the model what went wrong, so the conversation goes on and the agent can say so.
 */
@Injectable()
export class ToolRunner {
  /** Tool handlers running per call uuid (entries leave at zero). */
  private readonly running = new Map<string, number>();
  /** A handler's answer or error that quotes a configured secret (an AMI URL's password) is redacted before the model hears it. */
  private readonly redactor: SecretRedactor;

  constructor(
    private readonly registry: ToolRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redactor = new SecretRedactor(configuredSecrets(config));
  }

  async run(request: ToolCallRequest): Promise<ToolCallResult> {
    const started = Date.now();
    const limit = this.config.tools.maxConcurrentPerCall;
    const running = this.running.get(request.uuid) ?? 0;
    let outcome: Outcome;
    if (running >= limit) {
      // A model (or an upstream) asking for a thousand calls at once must not send a thousand AMI requests.
      outcome = failure(
        request.rawArguments,
        `too many tool calls at once (TOOL_MAX_CONCURRENT_PER_CALL=${limit})`,
        `Error: ${request.name} was not run: at most ${limit} tool calls can run at once. Wait for the others to finish, then call it again if it is still needed.`,
      );
    } else {
      this.running.set(request.uuid, running + 1);
      try {
        outcome = await this.outcome(request);
      } finally {
        const left = (this.running.get(request.uuid) ?? 1) - 1;
        if (left > 0) this.running.set(request.uuid, left);
        else this.running.delete(request.uuid);
      }
    }
    const result: ToolCallResult = {
      name: request.name,
      ...outcome,
      output: this.redactor.redact(outcome.output),
      ...(outcome.error !== undefined ? { error: this.redactor.redact(outcome.error) } : {}),
      durationMs: Date.now() - started,
    };
    this.log(request, result);
    return result;
  }

  private async outcome(request: ToolCallRequest): Promise<Outcome> {
    const { name, rawArguments, allowed } = request;
    const tool = !allowed || allowed.has(name) ? this.registry.get(name) : undefined;
    const args = parseArguments(rawArguments);
    if (!tool) {
      const available =
        this.registry
          .names()
          .filter((n) => !allowed || allowed.has(n))
          .join(', ') || 'none';
      return failure(
        args ?? rawArguments,
        'unknown tool',
        `Error: there is no tool named "${name}". The available tools are: ${available}.`,
      );
    }
    if (!args) {
      return failure(
        rawArguments,
        'arguments are not a JSON object',
        `Error: the arguments for ${name} were not a valid JSON object. Call ${name} again with a JSON object matching its parameters.`,
      );
    }
    try {
      const value = await this.invoke(tool, request, args);
      return { arguments: args, ok: true, output: outputText(value), ...(tool.control ? { control: tool.control } : {}) };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return failure(args, reason, `Error: the tool ${name} failed: ${reason}`);
    }
  }

  /** The handler's answer, or a rejection when it throws or overruns the tool timeout. */
  private async invoke(tool: Tool, request: ToolCallRequest, args: Record<string, unknown>): Promise<unknown> {
    const timeoutMs = this.config.tools.timeoutMs;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const overtime = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    // A copy: a handler that edits its metadata must not change the call's.
    const context = { uuid: request.uuid, metadata: { ...request.metadata }, signal: abort.signal };
    try {
      return await Promise.race([(async () => tool.handler(request.uuid, args, context))(), overtime]);
    } finally {
      clearTimeout(timer);
    }
  }

  private log(request: ToolCallRequest, result: ToolCallResult): void {
    const logger = request.logger.bindings().uuid === undefined ? request.logger.child({ uuid: request.uuid }) : request.logger;
    // Argument values may be personal data (names, numbers): only their length at info and warn.
    const fields = { tool: result.name, ms: result.durationMs, argumentChars: request.rawArguments.length };
    if (result.ok) logger.info({ ...fields, outputChars: result.output.length, control: result.control }, 'tool call finished');
    else logger.warn({ ...fields, reason: result.error }, 'tool call failed');
    logger.debug({ tool: result.name, arguments: request.rawArguments, output: result.output }, 'tool call content');
  }
}

function failure(args: unknown, error: string, output: string): Outcome {
  return { arguments: args, ok: false, output, error };
}

/**
 * Deepest nesting a tool's arguments may have. Tool schemas are a few levels deep; a value nested
 * thousands deep parses, but every later JSON.stringify of it (replay, records) overflows the stack.
 */
const MAX_ARGUMENT_DEPTH = 32;

/** The model's arguments as an object; blank counts as none (some models send "" for tools without parameters). */
function parseArguments(raw: string): Record<string, unknown> | null {
  if (!raw.trim()) return {};
  if (nestingDepth(raw) > MAX_ARGUMENT_DEPTH) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** How deeply arrays and objects nest in JSON text (brackets inside strings do not count); no recursion. */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function outputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return 'The tool finished without a result.';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new Error(`its result cannot be written as JSON (${errorText(err)})`, { cause: err });
  }
  // JSON.stringify gives undefined (though typed string) for a function, a symbol or a toJSON() without a value.
  if (json === undefined) throw new Error(`its result cannot be written as JSON (a ${typeof value})`);
  return json;
}
