import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export { freePort } from './ports.js';

/** The compiled service, dist/main.js, resolved from this file in src-relative and compiled layouts alike. */
export const SERVICE_MAIN = fileURLToPath(
  new URL(import.meta.url.includes('/dist-tools/') ? '../../dist/main.js' : '../dist/main.js', import.meta.url),
);

/** Keep at most this much of each of the service's streams (a long bench run at LOG_LEVEL=warn stays well below). */
const MAX_OUTPUT_CHARS = 1 << 20;

export interface ServiceStartOptions {
  /** Node options before the script (--cpu-prof, --trace-gc, ...). */
  nodeArgs?: string[];
  /** Pin the process to these CPUs (`taskset -c`, which execs node: the pid is node's). */
  cpus?: string;
  /** Another build of the service than dist/main.js. */
  main?: string;
  /** How long it may take to answer /health/ready. */
  startTimeoutMs?: number;
}

/**
 * The built service (`node dist/main.js`) as its own process, as production runs it: on a free loopback
 * port, with an environment built from scratch (nothing of the caller's environment leaks in but PATH).
 * Used by the e2e suites that need a real process, the demo, the soak and the load bench.
 */
export class ServiceProcess {
  readonly exited: Promise<number | null>;
  /** performance.now() when the process exited. */
  exitedAt = NaN;
  stdout = '';
  stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (c: Buffer) => {
      if (this.stdout.length < MAX_OUTPUT_CHARS) this.stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (this.stderr.length < MAX_OUTPUT_CHARS) this.stderr += c.toString();
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitedAt = performance.now();
        resolve(code);
      }),
    );
  }

  /** Starts it and waits until /health/ready answers 200. LOG_LEVEL is info unless `env` says otherwise. */
  static async start(env: Record<string, string>, options: ServiceStartOptions = {}): Promise<ServiceProcess> {
    const { nodeArgs = [], cpus, main = SERVICE_MAIN, startTimeoutMs = 20000 } = options;
    const port = await freePort();
    const argv = [...nodeArgs, main];
    const [command, args] = cpus ? ['taskset', ['-c', cpus, process.execPath, ...argv]] : [process.execPath, argv];
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, port);
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${service.httpUrl}/health/ready`)).ok) return service;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`the service did not start: ${service.output}`.trim());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Everything it wrote so far, stderr first. */
  get output(): string {
    return this.stderr + this.stdout;
  }

  /** JSON log lines written so far. */
  logs(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Log lines counted by message (level and the first 100 characters). */
  logSummary(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of this.output.split('\n')) {
      if (!line.trim()) continue;
      let key = line.slice(0, 100);
      try {
        const rec = JSON.parse(line) as { level?: unknown; msg?: unknown };
        key = `${String(rec.level)}: ${String(rec.msg).slice(0, 100)}`;
      } catch {
        // not JSON: keep the raw line
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** SIGTERM (graceful drain) and the exit code; with `killAfterMs`, SIGKILL if it lingers that long. */
  async stop(killAfterMs?: number): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    if (killAfterMs === undefined) return this.exited;
    const timer = setTimeout(() => this.kill(), killAfterMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
