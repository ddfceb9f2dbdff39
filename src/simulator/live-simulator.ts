import type { WebSocket } from 'ws';
import { LiveSimulatedSession, type LiveSimulatorBehaviour } from './live-simulated-session.js';
import type { ScriptedToolCall, SimulatorReply } from './simulated-session.js';
import { SimulatorServer } from './simulator-server.js';

export interface LiveSimulatorOptions {
  reply?: SimulatorReply;
  /** Session lifetime, then `session.closed` reason `expired` (default 2 hours). */
  sessionLimitMs?: number;
  scriptedToolCall?: ScriptedToolCall;
  vadThreshold?: number;
  /** Stream output in real time with silence between replies (default true); false sends replies at once. */
  realTimePacing?: boolean;
  usageIntervalMs?: number;
  onServerEvent?: LiveSimulatorBehaviour['onServerEvent'];
}

/**
 * A stand-in for GPT-Live (`/v1/live/sessions`) on a loopback port: the simulator's GPT-Live mode.
 * Clients connect to any path (the service uses `<url>/v1/live/sessions`) with no query.
 */
export class LiveSimulator extends SimulatorServer<LiveSimulatedSession> {
  private readonly behaviour: LiveSimulatorBehaviour;

  constructor(opts: LiveSimulatorOptions = {}) {
    super();
    this.behaviour = {
      reply: opts.reply ?? 'echo',
      sessionLimitMs: opts.sessionLimitMs ?? 2 * 60 * 60 * 1000,
      scriptedToolCall: opts.scriptedToolCall,
      vadThreshold: opts.vadThreshold ?? 0.02,
      realTimePacing: opts.realTimePacing ?? true,
      usageIntervalMs: opts.usageIntervalMs ?? 60_000,
      onServerEvent: opts.onServerEvent,
    };
  }

  /** Starts listening; resolves with the session endpoint, ws://host:port/v1/live/sessions. */
  override async start(opts: { port?: number; host?: string } = {}): Promise<string> {
    return `${await super.start(opts)}/v1/live/sessions`;
  }

  protected openSession(ws: WebSocket): LiveSimulatedSession {
    return new LiveSimulatedSession(ws, this.behaviour);
  }
}
