import type { TestingModule } from '@nestjs/testing';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INSTRUCTIONS, type Env } from '../config/index.js';
import { captureLogs, type LogLine } from '../testing/log-capture.js';
import { testModule } from '../testing/test-module.js';
import { INSTRUCTION_SOURCES, type InstructionSource } from './instruction-source.js';
import { InstructionsModule } from './instructions.module.js';
import { InstructionsService } from './instructions.service.js';
import { closedPort } from '../../scripts/ports.js';

const UUID = '6f1c2a9e-0b7d-4c1e-9a55-3d2f8e1b7c40';
const WEB_TEXT = 'Instructions from the web service';
const FILE_TEXT = 'Instructions from the file';
const ENV_TEXT = 'Instructions from the variable';

/** Answers by path, each path one behaviour of an instructions web service. */
function startInstructionsServer() {
  const received: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    received.push(req.headers);
    const json = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/ok':
        return json(200, JSON.stringify({ system: `  ${WEB_TEXT}\n` }));
      case '/slow': {
        const timer = setTimeout(() => json(200, JSON.stringify({ system: WEB_TEXT })), 2000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/stalled-body': {
        // Headers and half a body at once, the rest never: the timeout must cover the body too.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"system": "Instr');
        return;
      }
      case '/error':
        return json(500, JSON.stringify({ system: WEB_TEXT }));
      case '/bad-json':
        return json(200, '{"system": "unterminated');
      case '/no-system':
        return json(200, JSON.stringify({ instructions: WEB_TEXT }));
      case '/empty-system':
        return json(200, JSON.stringify({ system: '   ' }));
      case '/number-system':
        return json(200, JSON.stringify({ system: 42 }));
      case '/array':
        return json(200, JSON.stringify([WEB_TEXT]));
      case '/huge-streamed': {
        // No Content-Length: the cap must stop the reading itself. Keeps writing until the client hangs up.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"system": "');
        let closed = false;
        res.on('close', () => (closed = true));
        let sent = 0;
        const pump = () => {
          if (closed || sent >= 1024 * 1024) return res.end('"}');
          sent += 4096;
          res.write('x'.repeat(4096), () => setImmediate(pump));
        };
        return pump();
      }
      case '/huge-declared': {
        // Announces a body over the cap and never sends it: must be refused up front, not by timeout.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
        res.write('{"system": "');
        return;
      }
      default:
        return json(404, '{}');
    }
  });
  return { server, received };
}

interface Harness {
  service: InstructionsService;
  logs: LogLine[];
  warnings(): LogLine[];
  rawLogs(): string;
}

describe('InstructionsService', () => {
  const web = startInstructionsServer();
  let base: string;
  let dir: string;
  let textFile: string;
  const open: TestingModule[] = [];

  beforeAll(async () => {
    web.server.listen(0, '127.0.0.1');
    await once(web.server, 'listening');
    base = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'instructions-'));
    textFile = join(dir, 'instructions.txt');
    await writeFile(textFile, `\n${FILE_TEXT}\n\n`);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
  });

  afterAll(async () => {
    web.server.closeAllConnections();
    await new Promise((r) => web.server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  /** The real module wiring: config, logging and InstructionsModule as the app imports them. */
  async function build(env: Env): Promise<Harness> {
    const { logger, raw, lines: logs } = captureLogs();
    const moduleRef = await testModule({ ...env, OPENAI_REALTIME_URL: 'simulator' }, logger, { imports: [InstructionsModule] }).compile();
    open.push(moduleRef);
    return {
      service: moduleRef.get(InstructionsService),
      get logs() {
        return logs();
      },
      warnings: () => logs().filter((l) => l.level === 'warn'),
      rawLogs: raw,
    };
  }

  describe('priority', () => {
    it('uses the variable over the web service, the file and the default, without asking the web service', async () => {
      const before = web.received.length;
      const h = await build({ OPENAI_INSTRUCTIONS: ENV_TEXT, OPENAI_URL_INSTRUCTIONS: `${base}/ok`, OPENAI_FILE_INSTRUCTIONS: textFile });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: ENV_TEXT, source: 'env' });
      expect(web.received.length).toBe(before);
      expect(h.warnings()).toEqual([]);
    });

    it('uses the web service over the file and the default', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/ok`, OPENAI_FILE_INSTRUCTIONS: textFile });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: WEB_TEXT, source: 'url' });
      expect(h.warnings()).toEqual([]);
    });

    it('uses the file when only the file is configured, trimmed', async () => {
      const h = await build({ OPENAI_FILE_INSTRUCTIONS: textFile });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: FILE_TEXT, source: 'file' });
    });

    it('uses the variable over the file when no web service is configured', async () => {
      const h = await build({ OPENAI_INSTRUCTIONS: ENV_TEXT, OPENAI_FILE_INSTRUCTIONS: textFile });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: ENV_TEXT, source: 'env' });
    });

    it('uses the built-in default when nothing is configured, without warnings', async () => {
      const h = await build({});
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: DEFAULT_INSTRUCTIONS, source: 'default' });
      expect(h.warnings()).toEqual([]);
    });

    it('falls from a failing web service to the default when no file is configured', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/error` });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: DEFAULT_INSTRUCTIONS, source: 'default' });
      expect(h.warnings()).toHaveLength(1);
    });

    it('falls from a missing file to the default with one warning naming the call', async () => {
      const h = await build({ OPENAI_FILE_INSTRUCTIONS: join(dir, 'nowhere.txt') });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: DEFAULT_INSTRUCTIONS, source: 'default' });
      expect(h.warnings()).toEqual([expect.objectContaining({ uuid: UUID, source: 'file', reason: 'file not found' })]);
    });

    it('falls through both a failing web service and a missing file, one warning each', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/bad-json`, OPENAI_FILE_INSTRUCTIONS: join(dir, 'nowhere.txt') });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: DEFAULT_INSTRUCTIONS, source: 'default' });
      expect(h.warnings().map((w) => [w.uuid, w.source])).toEqual([
        [UUID, 'url'],
        [UUID, 'file'],
      ]);
    });
  });

  describe('web service', () => {
    it('sends the call uuid and asks for JSON', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/ok` });
      const before = web.received.length;
      await h.service.resolve(UUID);
      expect(web.received.length).toBe(before + 1);
      const headers = web.received[web.received.length - 1];
      expect(headers['x-avr-uuid']).toBe(UUID);
      expect(headers.accept).toBe('application/json');
    });

    it('asks again on every call', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/ok` });
      const before = web.received.length;
      await h.service.resolve('call-a');
      await h.service.resolve('call-b');
      expect(web.received.slice(before).map((r) => r['x-avr-uuid'])).toEqual(['call-a', 'call-b']);
    });

    it.each([
      ['/slow', /^timeout after 200 ms$/],
      ['/stalled-body', /^timeout after 200 ms$/],
      ['/error', /^HTTP 500$/],
      ['/missing-route', /^HTTP 404$/],
      ['/bad-json', /^invalid JSON$/],
      ['/no-system', /no "system" field/],
      ['/empty-system', /"system" is empty/],
      ['/number-system', /"system" is a number/],
      ['/array', /not a JSON object/],
      ['/huge-streamed', /^answer larger than the limit of 1024 bytes$/],
      ['/huge-declared', /^answer of 10485760 bytes is larger than the limit of 1024 bytes$/],
    ])('%s: goes on with the file, with one warning naming the call and the reason', async (path, reason) => {
      const h = await build({
        OPENAI_URL_INSTRUCTIONS: `${base}${path}`,
        OPENAI_FILE_INSTRUCTIONS: textFile,
        INSTRUCTIONS_TIMEOUT_MS: '200',
        INSTRUCTIONS_MAX_BYTES: '1024',
      });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: FILE_TEXT, source: 'file' });
      const warnings = h.warnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ uuid: UUID, source: 'url', url: `${base}${path}` });
      expect(warnings[0].reason).toMatch(reason);
    });

    it('goes on with the file when the connection is refused', async () => {
      const port = await closedPort();
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `http://127.0.0.1:${port}/x`, OPENAI_FILE_INSTRUCTIONS: textFile });
      await expect(h.service.resolve(UUID)).resolves.toEqual({ text: FILE_TEXT, source: 'file' });
      expect(h.warnings()).toEqual([expect.objectContaining({ uuid: UUID, source: 'url', reason: 'connection refused' })]);
    });

    it('sends URL credentials as Basic auth but never logs them or the query string', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `http://agent:s3cr3t-pw@${base.slice('http://'.length)}/error?key=q-s3cr3t` });
      await h.service.resolve(UUID);
      const headers = web.received[web.received.length - 1];
      expect(headers.authorization).toBe(`Basic ${Buffer.from('agent:s3cr3t-pw').toString('base64')}`);
      expect(h.warnings()).toEqual([expect.objectContaining({ url: `${base}/error`, reason: 'HTTP 500' })]);
      expect(h.rawLogs()).not.toMatch(/s3cr3t/);
    });

    it('logs the length of the instructions, never their text', async () => {
      const h = await build({ OPENAI_URL_INSTRUCTIONS: `${base}/ok` });
      await h.service.resolve(UUID);
      expect(h.logs).toContainEqual(expect.objectContaining({ level: 'info', uuid: UUID, source: 'url', chars: WEB_TEXT.length }));
      expect(h.rawLogs()).not.toContain(WEB_TEXT);
    });
  });

  it("uses the caller's call logger as is, so the uuid appears once per line", async () => {
    const h = await build({ OPENAI_FILE_INSTRUCTIONS: join(dir, 'nowhere.txt') });
    const { logger, raw } = captureLogs();
    await h.service.resolve(UUID, logger.child({ uuid: UUID, transport: 'ws' }));
    const warning =
      raw()
        .split('\n')
        .find((l) => l.includes('"warn"')) ?? '';
    expect(warning.match(/"uuid"/g)).toHaveLength(1);
    expect(JSON.parse(warning)).toMatchObject({ uuid: UUID, transport: 'ws', source: 'file' });
  });
});

describe('InstructionsService with misbehaving sources', () => {
  const source = (name: string, load: InstructionSource['load']): InstructionSource => ({ name, isConfigured: () => true, load });

  async function withSources(sources: InstructionSource[]) {
    const { logger, lines: logs } = captureLogs();
    const moduleRef = await testModule({ INSTRUCTIONS_TIMEOUT_MS: '200' }, logger, {
      providers: [InstructionsService, { provide: INSTRUCTION_SOURCES, useValue: sources }],
    }).compile();
    return { service: moduleRef.get(InstructionsService), warnings: () => logs().filter((l) => l.level === 'warn'), moduleRef };
  }

  it('treats a source that throws as a fall-through, with one warning', async () => {
    const h = await withSources([source('crm', () => Promise.reject(new Error('boom'))), source('backup', async () => 'backup text')]);
    await expect(h.service.resolve(UUID)).resolves.toEqual({ text: 'backup text', source: 'backup' });
    expect(h.warnings()).toEqual([expect.objectContaining({ uuid: UUID, source: 'crm', reason: 'failed: boom' })]);
    await h.moduleRef.close();
  });

  it('stops waiting for a source that never answers and returns the default', async () => {
    const h = await withSources([source('stuck', () => new Promise<string | null>(() => undefined))]);
    await expect(h.service.resolve(UUID)).resolves.toEqual({ text: DEFAULT_INSTRUCTIONS, source: 'default' });
    expect(h.warnings()).toEqual([
      expect.objectContaining({ uuid: UUID, source: 'stuck', reason: expect.stringMatching(/^no answer within/) }),
    ]);
    await h.moduleRef.close();
  });

  it('skips sources that are not configured', async () => {
    const unconfigured: InstructionSource = { name: 'off', isConfigured: () => false, load: async () => 'should not be used' };
    const h = await withSources([unconfigured, source('on', async () => 'on text')]);
    await expect(h.service.resolve(UUID)).resolves.toEqual({ text: 'on text', source: 'on' });
    await h.moduleRef.close();
  });
});
