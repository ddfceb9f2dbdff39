import type { TestingModule } from '@nestjs/testing';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../config/index.js';
import { captureLogs, type CapturedLogs } from '../../testing/log-capture.js';
import { testModule } from '../../testing/test-module.js';
import { ToolRegistry } from '../tool-registry.js';
import { ToolRunner } from '../tool-runner.js';
import { ToolsModule } from '../tools.module.js';

export { captureLogs, type CapturedLogs, type LogLine } from '../../testing/log-capture.js';

export interface ToolsHarness {
  registry: ToolRegistry;
  runner: ToolRunner;
  logs: CapturedLogs;
  moduleRef: TestingModule;
}

/** The real wiring, as the app imports it; init() runs the registry's start-up loading. */
export async function startTools(env: Env, logLevel = 'trace'): Promise<ToolsHarness> {
  const logs = captureLogs(logLevel);
  const moduleRef = await testModule(env, logs.logger, { imports: [ToolsModule] }).compile();
  await moduleRef.init();
  return { registry: moduleRef.get(ToolRegistry), runner: moduleRef.get(ToolRunner), logs, moduleRef };
}

/** A temporary TOOLS_DIR holding the given files (name -> source). */
export async function makeToolsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'avr-tools-'));
  for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface AmiRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
  /** Date.now() when the whole request had arrived: for "not before the last words played" checks. */
  at: number;
}

export type AmiAnswer = { status: number; body: string } | 'never';

/** A real HTTP server standing in for avr-ami; `answer` decides each reply, 'never' leaves it hanging. */
export async function startFakeAmi(answer: (path: string) => AmiAnswer) {
  const requests: AmiRequest[] = [];
  /** Paths of requests whose client hung up before an answer. */
  const abandoned: string[] = [];
  const events = new EventEmitter();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: the assertion will show what was sent
      }
      requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body, at: Date.now() });
      const reply = answer(path);
      if (reply === 'never') {
        res.on('close', () => {
          abandoned.push(path);
          events.emit('abandoned');
        });
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    abandoned,
    /** The requests whose JSON body names this call's uuid, in arrival order. */
    forCall(uuid: string): AmiRequest[] {
      return requests.filter((r) => typeof r.body === 'object' && r.body !== null && 'uuid' in r.body && r.body.uuid === uuid);
    },
    /** Resolves once a request left hanging has been given up by the client. */
    async someRequestAbandoned(): Promise<void> {
      if (abandoned.length === 0) await once(events, 'abandoned');
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export type FakeAmi = Awaited<ReturnType<typeof startFakeAmi>>;

export { closedPort } from '../../../scripts/ports.js';
