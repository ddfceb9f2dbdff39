import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { freePort, SERVICE_MAIN } from '../../scripts/service-process.js';


/** Keep at most this much of the service's output (LOG_LEVEL=warn keeps it small anyway). */
const MAX_OUTPUT_CHARS = 1 << 20;


/**
 * The built service (`node dist/main.js`) as its own process, on a free loopback port, with an
 * environment built from scratch (nothing of the bench's own environment leaks in but PATH).
 */
export class ServiceUnderTest {
  readonly exited: Promise<number | null>;
  /** performance.now() when the process exited. */
  exitedAt = NaN;
  output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (c: Buffer) => {
      if (this.output.length < MAX_OUTPUT_CHARS) this.output += c.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitedAt = performance.now();
        resolve(code);
      }),
    );
  }

  /** `cpus`: pin the process to these CPUs (taskset -c, which execs node: the pid is node's). */
  static async start(env: Record<string, string>, nodeArgs: string[], cpus?: string, main = SERVICE_MAIN): Promise<ServiceUnderTest> {
    const port = await freePort();
    const argv = [...nodeArgs, main];
    const [command, args] = cpus ? ['taskset', ['-c', cpus, process.execPath, ...argv]] : [process.execPath, argv];
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceUnderTest(child, port);
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return service;
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

  /** Log lines at warn or above, counted by message (the first 100 characters). */
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

  /** SIGTERM (drain; the calls are gone by then), SIGKILL if it lingers; the exit code. */
  async stop(timeoutMs = 15000): Promise<number | null> {
    void this.exited.then(() => {
      // For digging: LOAD_BENCH_SERVICE_LOG=<file> keeps what the service wrote (e.g. --node-arg=--trace-gc).
      if (process.env.LOAD_BENCH_SERVICE_LOG) writeFileSync(process.env.LOAD_BENCH_SERVICE_LOG, this.output);
    });
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
