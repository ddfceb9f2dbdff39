import type { Logger } from 'pino';
import type { ToolRegistry } from '../tools/index.js';
import type { CallControl } from '../tools/tool.js';
import type { UpstreamTool } from '../realtime/upstream-session.js';
import type { CallDeps } from './call-deps.js';
import type { Conversation } from './conversation.js';

/** The offered function tools, in the seam's form. */
export function upstreamTools(tools: ToolRegistry): UpstreamTool[] {
  return tools
    .definitions()
    .map((t) => ({ name: t.name ?? '', description: t.description ?? '', parameters: isRecord(t.parameters) ? t.parameters : {} }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ToolCallsListener {
  /** The tool's result, for the model. */
  output(callId: string, output: string): void;
  /** Every call of a response has its output and the response is over: let the model speak again. */
  respond(): void;
  /** avr_hangup or avr_transfer succeeded: the call must now end or be handed over. */
  control(control: CallControl): void;
  /** Resolves once the agent's last words have played at the caller's end (bounded by maxMs). */
  agentQuiet(maxMs: number): Promise<void>;
  /** A tool started (true) or finished (false) working: the line is busy, not idle, meanwhile. */
  working(busy: boolean): void;
}

/** The shared services the tool calls use, and the call they run for. */
export interface ToolCallsDeps extends Pick<CallDeps, 'config' | 'tools' | 'toolRunner' | 'metrics'> {
  /** The call's tool allow-list (its profile's); unset: every loaded tool may run. */
  allowedTools?: () => ReadonlySet<string> | undefined;
  uuid: string;
  metadata: Record<string, unknown>;
  log: Logger;
  conversation: Conversation;
}

/** The function calls of one response: outputs still owed, and whether the response is over. */
interface ResponseCalls {
  pending: number;
  responseDone: boolean;
  control: boolean;
}

/** Bound on responses tracked at once (a response normally settles within seconds). */
const MAX_TRACKED_RESPONSES = 16;

/**
 * The model's function calls: each is run (call-control tools only once the agent's last words
 * have played), its output handed to the model, and when every call of a response has its output
 * and that response is over, the model is asked to go on, once.
 */
export class ToolCalls {
  private readonly responses = new Map<string, ResponseCalls>();

  constructor(
    private readonly deps: ToolCallsDeps,
    private readonly listener: ToolCallsListener,
    private readonly signal: AbortSignal,
  ) {}

  /** A completed function call of the model. */
  called(callId: string, name: string, rawArguments: string, responseId = ''): void {
    const calls = this.entry(responseId);
    calls.pending++;
    this.run(callId, name, rawArguments)
      .then((control) => {
        calls.pending--;
        if (control) calls.control = true;
        this.settle(responseId, calls);
      })
      .catch((err: unknown) => {
        // The runner never rejects; anything else is a bug that must end no more than this call's turn.
        calls.pending--;
        this.deps.log.error({ err, tool: name }, 'tool call failed unexpectedly');
        this.settle(responseId, calls);
      });
  }

  /** The response that made the calls (if any) is over. */
  responseDone(responseId = ''): void {
    const calls = this.responses.get(responseId);
    if (!calls) return;
    calls.responseDone = true;
    this.settle(responseId, calls);
  }

  private async run(callId: string, name: string, rawArguments: string): Promise<CallControl | undefined> {
    const { tools, toolRunner: runner, metrics, conversation, log, uuid, metadata } = this.deps;
    if (tools.get(name)?.control) await this.listener.agentQuiet(this.deps.config.tools.callControlWaitMs);
    if (this.signal.aborted) return undefined;
    const allowed = this.deps.allowedTools?.();
    this.listener.working(true);
    const result = await runner
      .run({ uuid, name, rawArguments, metadata, logger: log, ...(allowed ? { allowed } : {}) })
      .finally(() => this.listener.working(false));
    metrics.toolCalls.labels(tools.get(name) ? name : 'other', result.ok ? 'ok' : 'error').inc();
    conversation.add({
      role: 'tool',
      text: `${name} -> ${result.output}`,
      at: Date.now(),
      tool: {
        name,
        arguments: result.arguments,
        durationMs: result.durationMs,
        ...(result.ok ? { result: result.output } : { error: result.error }),
      },
    });
    if (this.signal.aborted) return undefined;
    this.listener.output(callId, result.output);
    if (result.ok && result.control) {
      this.listener.control(result.control);
      return result.control;
    }
    return undefined;
  }

  private entry(responseId: string): ResponseCalls {
    let calls = this.responses.get(responseId);
    if (!calls) {
      if (this.responses.size >= MAX_TRACKED_RESPONSES) this.responses.delete(this.responses.keys().next().value!);
      calls = { pending: 0, responseDone: false, control: false };
      this.responses.set(responseId, calls);
    }
    return calls;
  }

  private settle(responseId: string, calls: ResponseCalls): void {
    if (calls.pending > 0 || !calls.responseDone || this.signal.aborted) return;
    this.responses.delete(responseId);
    // The call is being hung up or handed over: the model must not start talking again.
    if (!calls.control) this.listener.respond();
  }
}
