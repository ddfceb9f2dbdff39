import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { errorEvent } from './server-events.js';
import {
  SimulatedSession,
  type ScriptedToolCall,
  type ServerEventObserver,
  type SimulatorBehaviour,
  type SimulatorReply,
} from './simulated-session.js';
import { SimulatorServer } from './simulator-server.js';

export type { ServerEventObserver };

export interface RealtimeSimulatorOptions {
  /** Answer with the caller's own last utterance ('echo', default) or a tone sequence. */
  reply?: SimulatorReply;
  /** Session lifetime; then an `error` session_expired and a close (OpenAI: 60 minutes). */
  sessionLimitMs?: number;
  scriptedToolCall?: ScriptedToolCall;
  /** Speech threshold, RMS as a fraction of full scale (default 0.02, about -34 dBFS). */
  vadThreshold?: number;
  /** Pace response audio at real-time speed (default true); false sends each response at once. */
  realTimePacing?: boolean;
  /** Observer (e.g. the load benchmark): called after each event a session sends. */
  onServerEvent?: ServerEventObserver;
}

const DEFAULT_MODEL = 'gpt-realtime-2.1';

/**
 * A stand-in for the OpenAI Realtime API on a loopback port, speaking the GA interface: sessions,
 * energy-based turn detection, spoken (echo or tone) replies paced like real audio, barge-in,
 * cancellation, truncation, a scripted tool call and the session time limit. It runs no model.
 */
export class RealtimeSimulator extends SimulatorServer<SimulatedSession> {
  private readonly behaviour: SimulatorBehaviour;

  constructor(opts: RealtimeSimulatorOptions = {}) {
    super();
    this.behaviour = {
      reply: opts.reply ?? 'echo',
      sessionLimitMs: opts.sessionLimitMs ?? 60 * 60 * 1000,
      scriptedToolCall: opts.scriptedToolCall,
      vadThreshold: opts.vadThreshold ?? 0.02,
      realTimePacing: opts.realTimePacing ?? true,
      onServerEvent: opts.onServerEvent,
    };
  }

  /** Clients connect to the base URL and append `?model=…`. */
  protected openSession(ws: WebSocket, req: IncomingMessage): SimulatedSession | undefined {
    // The beta interface is gone upstream: the server still upgrades, then refuses (as OpenAI does).
    if (String(req.headers['openai-beta'] ?? '').includes('realtime=v1')) {
      const message = 'The Realtime beta interface has been shut down; connect without the OpenAI-Beta header.';
      ws.send(JSON.stringify(errorEvent({ code: 'beta_api_shape_disabled', message })));
      ws.close(4000, 'beta_api_shape_disabled');
      return undefined;
    }
    const model = new URL(req.url ?? '/', 'ws://simulator').searchParams.get('model') ?? DEFAULT_MODEL;
    return new SimulatedSession(ws, model, this.behaviour);
  }
}
