/**
 * The call engine alone: a real CallSession (and its collaborators) over an in-memory fake
 * UpstreamSession, for unit tests on jest's controlled clock (no sockets, milliseconds per test).
 * The tool runner and registry are stand-ins that record when a tool ran.
 */
import pino from 'pino';
import { AudioFactory } from '../../src/audio/index.js';
import { loadConfig, type Env } from '../../src/config/index.js';
import type { InstructionsService } from '../../src/instructions/instructions.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import type { CallRecordsService } from '../../src/records/index.js';
import type { ToolRegistry, ToolRunner, ToolCallResult, CallControl } from '../../src/tools/index.js';
import type {
  UpstreamEvent,
  UpstreamListener,
  UpstreamSession,
  UpstreamSessionFactory,
  UpstreamSessionSettings,
} from '../../src/realtime/upstream-session.js';
import { UpstreamFailure } from '../../src/realtime/upstream-session.js';
import { CallRegistry } from '../../src/call/call-registry.js';
import { GuardsService } from '../../src/guards/index.js';
import { CallSession } from '../../src/call/call-session.js';
import type { CallEnd, CallSink } from '../../src/call/call-sink.js';

export interface VerbCall {
  verb: 'appendAudio' | 'respond' | 'cancel' | 'heard' | 'addUserText' | 'addInstruction' | 'toolResult' | 'close';
  args: unknown[];
  at: number;
}

/** An UpstreamSession in memory: records every verb, and the test speaks for the upstream. */
export class FakeUpstreamSession implements UpstreamSession {
  readonly capabilities = { callerTurnEvents: true, responseEvents: true, truncation: true, explicitResponses: true };
  readonly calls: VerbCall[] = [];
  settings: UpstreamSessionSettings | undefined;
  private ready = false;
  private closed = false;
  private settle: { resolve(): void; reject(err: Error): void } | undefined;

  constructor(
    private readonly listener: UpstreamListener,
    private readonly autoOpen: boolean,
  ) {}

  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  open(settings: UpstreamSessionSettings, signal: AbortSignal): Promise<void> {
    this.settings = settings;
    if (this.autoOpen) {
      this.ready = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      signal.addEventListener('abort', () => reject(new UpstreamFailure('aborted', 'aborted', { retryable: false })), { once: true });
    });
  }

  /** The upstream acknowledges the configuration (session.updated). */
  confirm(): void {
    this.ready = true;
    this.settle?.resolve();
  }

  refuse(failure: Error): void {
    this.settle?.reject(failure);
  }

  emit(event: UpstreamEvent): void {
    this.listener.event(event);
  }

  /** The connection is lost. */
  drop(retryable = true): void {
    this.ready = false;
    this.listener.lost(new UpstreamFailure('closed', 'upstream closed the connection (1006)', { retryable, status: 1006 }));
  }

  verbs(...only: VerbCall['verb'][]): VerbCall[] {
    return this.calls.filter((c) => only.length === 0 || only.includes(c.verb));
  }

  private record(verb: VerbCall['verb'], ...args: unknown[]): void {
    this.calls.push({ verb, args, at: Date.now() });
  }

  appendAudio(audio: Uint8Array): void {
    this.record('appendAudio', audio.length);
  }
  respond(instructions?: string): void {
    this.record('respond', instructions);
  }
  cancel(): void {
    this.record('cancel');
  }
  heard(itemId: string, audioEndMs: number): void {
    this.record('heard', itemId, audioEndMs);
  }
  addUserText(text: string): void {
    this.record('addUserText', text);
  }
  addInstruction(text: string): void {
    this.record('addInstruction', text);
  }
  toolResult(callId: string, output: string): void {
    this.record('toolResult', callId, output);
  }
  close(): void {
    this.closed = true;
    this.record('close');
  }
}

export class FakeUpstreams implements UpstreamSessionFactory {
  readonly sessions: FakeUpstreamSession[] = [];
  autoOpen = true;

  create(_logger: unknown, listener: UpstreamListener): UpstreamSession {
    const session = new FakeUpstreamSession(listener, this.autoOpen);
    this.sessions.push(session);
    return session;
  }

  get last(): FakeUpstreamSession {
    return this.sessions[this.sessions.length - 1];
  }
}

export class RecordingSink implements CallSink {
  readonly frames: Buffer[] = [];
  readonly transcripts: Array<[string, string]> = [];
  interruptions = 0;
  readonly errors: string[] = [];
  ended: CallEnd | undefined;
  readonly bufferedBytes = 0;
  audio(frame: Buffer): void {
    this.frames.push(frame);
  }
  transcript(role: 'user' | 'agent', text: string): void {
    this.transcripts.push([role, text]);
  }
  interruption(): void {
    this.interruptions++;
  }
  error(message: string): void {
    this.errors.push(message);
  }
  end(end: CallEnd): void {
    this.ended = end;
  }
}

/** Tools by name: call-control ones as the registry marks them; runs are recorded with their time. */
export class RecordingTools {
  readonly runs: Array<{ name: string; at: number }> = [];

  readonly registry = {
    definitions: () => [],
    get: (name: string) =>
      name === 'avr_hangup'
        ? { control: 'hangup' }
        : name === 'avr_transfer'
          ? { control: 'transfer' }
          : name === 'lookup'
            ? {}
            : undefined,
    names: () => ['avr_hangup', 'avr_transfer', 'lookup'],
  } as unknown as ToolRegistry;

  readonly runner = {
    run: async (req: { name: string }): Promise<ToolCallResult> => {
      this.runs.push({ name: req.name, at: Date.now() });
      await Promise.resolve();
      const control: CallControl | undefined = req.name === 'avr_hangup' ? 'hangup' : req.name === 'avr_transfer' ? 'transfer' : undefined;
      return { name: req.name, arguments: {}, ok: true, output: `${req.name} done`, durationMs: 0, ...(control ? { control } : {}) };
    },
  } as unknown as ToolRunner;
}

export interface EngineHarness {
  call: CallSession;
  upstreams: FakeUpstreams;
  sink: RecordingSink;
  tools: RecordingTools;
  metrics: MetricsService;
  logs: Array<Record<string, unknown>>;
}

/** A call on the fake upstream; `start()` is the test's to await (or not, with autoOpen off). */
export function callEngine(env: Env = {}, opts: { autoOpen?: boolean } = {}): EngineHarness {
  const config = loadConfig({ OPENAI_REALTIME_URL: 'simulator', UPSTREAM_RECONNECT_BASE_MS: '20', ...env });
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const upstreams = new FakeUpstreams();
  upstreams.autoOpen = opts.autoOpen ?? true;
  const sink = new RecordingSink();
  const tools = new RecordingTools();
  const metrics = new MetricsService();
  const instructions = { resolve: async () => ({ text: 'Be brief.', source: 'env' }) } as unknown as InstructionsService;
  const records = { submit: () => undefined } as unknown as CallRecordsService;
  const call = new CallSession({ uuid: 'unit-call', transport: 'ws', metadata: {} }, sink, {
    config,
    logger,
    registry: new CallRegistry(config),
    upstreams,
    instructions,
    audio: new AudioFactory(),
    metrics,
    tools: tools.registry,
    toolRunner: tools.runner,
    records,
    guards: new GuardsService(config, logger),
  });
  return { call, upstreams, sink, tools, metrics, logs };
}

/** 24 kHz 16-bit agent audio of `ms`, as the upstream hands it over. */
function agentPcm(ms: number): Buffer {
  const pcm = Buffer.alloc(ms * 48);
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), i * 2);
  return pcm;
}

/** One whole agent response: started, `ms` of audio for one item, audio done, done. */
export function agentResponse(session: FakeUpstreamSession, responseId: string, itemId: string, ms: number, done = true): void {
  session.emit({ type: 'response_started', responseId });
  session.emit({ type: 'agent_audio', audio: agentPcm(ms), itemId, responseId });
  session.emit({ type: 'agent_audio_done', itemId, responseId });
  if (done) session.emit({ type: 'response_done', responseId, status: 'completed' });
}
