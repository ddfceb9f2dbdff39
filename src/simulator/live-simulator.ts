import type { WebSocket } from 'ws';
import { LoopbackWsServer } from './loopback-ws-server.js';
import { LiveSimulatedSession, type LiveSimulatorBehaviour } from './live-simulated-session.js';
import type { ScriptedToolCall, SimulatorReply } from './simulated-session.js';

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
export class LiveSimulator {
  private readonly behaviour: LiveSimulatorBehaviour;
  private readonly sessions = new Set<LiveSimulatedSession>();
  private readonly server = new LoopbackWsServer({ onConnection: (ws) => this.onConnection(ws) });

  constructor(opts: LiveSimulatorOptions = {}) {
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
  async start(opts: { port?: number; host?: string } = {}): Promise<string> {
    return `${await this.server.start(opts)}/v1/live/sessions`;
  }

  get connectionCount(): number {
    return this.server.clients.size;
  }

  dropAll(): void {
    this.server.dropAll();
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.dispose();
    await this.server.close();
  }

  private onConnection(ws: WebSocket): void {
    const session = new LiveSimulatedSession(ws, this.behaviour);
    this.sessions.add(session);
    ws.on('close', () => this.sessions.delete(session));
  }
}
