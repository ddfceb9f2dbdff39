import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** The compiled service, dist/main.js, resolved from this file in src-relative and compiled layouts alike. */
export const SERVICE_MAIN = fileURLToPath(new URL(import.meta.url.includes('/dist-tools/') ? '../../dist/main.js' : '../dist/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** The built service (`node dist/main.js`) as its own process, as production runs it. */
export class ServiceProcess {
  readonly exited: Promise<number | null>;
  stdout = '';
  stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts it on a free loopback port and waits until /health/ready answers 200. */
  static async start(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeArgs, SERVICE_MAIN], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, port);
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        if ((await fetch(`${service.httpUrl}/health/ready`)).ok) return service;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`the service did not start: ${service.stderr}${service.stdout}`.trim());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** JSON log lines written so far. */
  logs(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** SIGTERM (graceful drain) and the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
