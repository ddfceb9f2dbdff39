import type { IncomingMessage } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import { errorEvent, LoopbackWsServer, RealtimeSimulator, type UpgradeDecision } from '../../src/simulator/index.js';
import type { Tally } from './tally.js';

/**
 * Chances of each fault. Upgrade faults are drawn once per upstream connection; session faults
 * are drawn once per second of each open session.
 */
export interface FaultRates {
  /** Upgrade refused with 503 (the service retries). */
  refuse503: number;
  /** Upgrade refused with 429 (the service ends the call at once). */
  refuse429: number;
  /** Upgrade never answered (the service's connect timeout, then a retry). */
  hang: number;
  /** TCP cut mid-session, no close frame (continuity). */
  drop: number;
  /** error session_expired, then a close (continuity). */
  expire: number;
  /** A malformed event (ignored by the service). */
  malformed: number;
  /** An error event invalid_value (forwarded to the caller, the call goes on). */
  errorEvent: number;
}

export function faultRates(scale: number): FaultRates {
  return {
    refuse503: 0.03 * scale,
    refuse429: 0.005 * scale,
    hang: 0.005 * scale,
    drop: 0.012 * scale,
    expire: 0.008 * scale,
    malformed: 0.02 * scale,
    errorEvent: 0.004 * scale,
  };
}

/** One proxied session: the service's side and the simulator's side. */
class ProxiedSession {
  private readonly pending: Array<{ data: RawData; isBinary: boolean }> = [];
  private readonly upstream: WebSocket;
  private readonly ticker: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly service: WebSocket,
    simulatorUrl: string,
    path: string,
    private readonly rates: FaultRates,
    private readonly tally: Tally,
    private readonly onClosed: (s: ProxiedSession) => void,
  ) {
    this.upstream = new WebSocket(new URL(path, simulatorUrl).toString(), { perMessageDeflate: false });
    this.upstream.on('open', () => {
      for (const m of this.pending.splice(0)) this.upstream.send(m.data, { binary: m.isBinary });
    });
    this.upstream.on('message', (data, isBinary) => {
      if (this.service.readyState === WebSocket.OPEN) this.service.send(data, { binary: isBinary });
    });
    this.service.on('message', (data, isBinary) => {
      if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(data, { binary: isBinary });
      else if (this.upstream.readyState === WebSocket.CONNECTING) this.pending.push({ data, isBinary });
    });
    this.upstream.on('close', () => this.close(1011, 'simulator closed'));
    this.service.on('close', () => this.close(1000, 'service closed'));
    this.upstream.on('error', () => undefined);
    this.service.on('error', () => undefined);
    this.ticker = setInterval(() => this.maybeFault(), 1000);
  }

  private maybeFault(): void {
    if (this.closed || this.service.readyState !== WebSocket.OPEN) return;
    const r = this.rates;
    if (Math.random() < r.drop) {
      this.tally.fault('drop');
      this.service.terminate();
      this.close(1000, 'dropped');
    } else if (Math.random() < r.expire) {
      this.tally.fault('session_expired');
      this.service.send(
        JSON.stringify(errorEvent({ code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' })),
      );
      this.service.close(1000, 'session expired');
      this.close(1000, 'expired');
    } else if (Math.random() < r.malformed) {
      this.tally.fault('malformed_json');
      this.service.send('{"type":"response.output_audio.delta","delta":');
    } else if (Math.random() < r.errorEvent) {
      this.tally.fault('error_invalid_value');
      this.service.send(JSON.stringify(errorEvent({ code: 'invalid_value', message: 'Injected fault: invalid value.' })));
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.close(1000, reason);
    else this.upstream.terminate();
    if (this.service.readyState === WebSocket.OPEN) this.service.close(code, reason);
    this.onClosed(this);
  }

  terminate(): void {
    this.closed = true;
    clearInterval(this.ticker);
    this.upstream.terminate();
    this.service.terminate();
  }
}

/**
 * The upstream the soaked service talks to: the product's RealtimeSimulator (real-time paced
 * echo) behind a proxy that injects faults: refused and unanswered upgrades, drops, session
 * expiry, malformed JSON and error events.
 */
export class FaultyUpstream {
  private readonly simulator = new RealtimeSimulator({ reply: 'echo', realTimePacing: true });
  private readonly sessions = new Set<ProxiedSession>();
  private readonly server: LoopbackWsServer;
  private simulatorUrl = '';

  constructor(
    private readonly rates: FaultRates,
    private readonly tally: Tally,
  ) {
    this.server = new LoopbackWsServer({
      decideUpgrade: (req) => this.decide(req),
      onConnection: (ws, req) => this.connect(ws, req),
    });
  }

  /** Starts the simulator and the proxy; resolves with the proxy's ws:// URL. */
  async start(): Promise<string> {
    this.simulatorUrl = await this.simulator.start();
    return this.server.start();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.terminate();
    this.sessions.clear();
    await this.server.close();
    await this.simulator.close();
  }

  private decide(_req: IncomingMessage): UpgradeDecision {
    const r = Math.random();
    const { refuse503, refuse429, hang } = this.rates;
    if (r < refuse503) return this.fault('upgrade_503', { refuseStatus: 503 });
    if (r < refuse503 + refuse429) return this.fault('upgrade_429', { refuseStatus: 429 });
    if (r < refuse503 + refuse429 + hang) return this.fault('upgrade_hang', 'hang');
    return 'accept';
  }

  private fault(kind: string, decision: UpgradeDecision): UpgradeDecision {
    this.tally.fault(kind);
    return decision;
  }

  private connect(ws: WebSocket, req: IncomingMessage): void {
    const session = new ProxiedSession(ws, this.simulatorUrl, req.url ?? '/', this.rates, this.tally, (s) => this.sessions.delete(s));
    this.sessions.add(session);
  }
}
