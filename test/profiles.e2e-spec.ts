import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_PROFILES, startProfileService, type RunningProfileService } from '../scripts/profile-service/server.js';
import { ProfileService, type ResolvedProfile } from '../src/profiles/index.js';
import { closedPort } from '../scripts/ports.js';
import { startTestApp, type TestApp } from './support/app.js';

const AUTH = 'Bearer prof-s3cr3t-header';
const FILE_DEFAULT = 'voice: sage\ngreeting: Hello from the file default\n';

/**
 * A profile web service with one behaviour per scenario, chosen by the call's metadata: so the
 * test also proves the metadata reaches the service.
 */
function startMisbehavingService() {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: { scenario?: string } };
      received.push({ headers: req.headers, body });
      const json = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      switch (body.metadata.scenario) {
        case 'ok':
          return json(
            200,
            JSON.stringify({ name: 'web-sales', version: '9', voice: 'cedar', instructions: 'From the web for {{called_number}}' }),
          );
        case 'slow': {
          const timer = setTimeout(() => json(200, '{"voice":"cedar"}'), 3000);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'error':
          return json(503, '{"voice":"cedar"}');
        case 'bad-json':
          return json(200, '{"voice": "ced');
        case 'invalid':
          return json(200, JSON.stringify({ voice: 'cedar', vad_threshold: 5 }));
        case 'huge': {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"instructions": "');
          let closed = false;
          res.on('close', () => (closed = true));
          const pump = (): void => {
            if (closed) return;
            res.write('x'.repeat(4096), () => setImmediate(pump));
          };
          return pump();
        }
        case 'no-content':
          res.writeHead(204);
          return res.end();
        default:
          return json(404, '{}');
      }
    });
  });
  return { server, received };
}

const warningsOf = (app: TestApp, uuid: string) => app.logs.filter((l) => l.level === 'warn' && l.uuid === uuid);

describe('per-call profiles in the running service', () => {
  const web = startMisbehavingService();
  let dir: string;
  let app: TestApp;
  let profiles: ProfileService;

  beforeAll(async () => {
    web.server.listen(0, '127.0.0.1');
    await once(web.server, 'listening');
    dir = await mkdtemp(join(tmpdir(), 'profiles-e2e-'));
    await writeFile(join(dir, 'default.yaml'), FILE_DEFAULT);
    app = await startTestApp({
      AGENT_PROFILE_URL: `http://127.0.0.1:${(web.server.address() as AddressInfo).port}/profile`,
      AGENT_PROFILE_AUTH_HEADER: AUTH,
      AGENT_PROFILE_TIMEOUT_MS: '300',
      AGENT_PROFILE_MAX_BYTES: '2048',
      PROFILES_DIR: dir,
    });
    profiles = app.app.get(ProfileService);
  });

  afterAll(async () => {
    await app.close();
    web.server.closeAllConnections();
    await new Promise((r) => web.server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the web profile, sending the uuid, the metadata without secrets, and the Authorization header', async () => {
    const resolved = await profiles.resolve({
      uuid: 'web-ok',
      transport: 'ws',
      metadata: { scenario: 'ok', to: '5001', token: 'q-s3cr3t', provider_config: { api_key: 'sk-s3cr3t', voice: 'ash' } },
    });
    expect(resolved).toMatchObject({
      name: 'web-sales',
      version: '9',
      source: 'url',
      instructions: 'From the web for 5001',
      openai: { voice: 'cedar' },
    });
    const request = web.received.find((r) => r.body.uuid === 'web-ok');
    expect(request?.headers['x-avr-uuid']).toBe('web-ok');
    expect(request?.headers.authorization).toBe(AUTH);
    expect(request?.body).toEqual({
      uuid: 'web-ok',
      transport: 'ws',
      metadata: { scenario: 'ok', to: '5001', provider_config: { voice: 'ash' } },
    });
    expect(warningsOf(app, 'web-ok')).toEqual([]);
  });

  it.each([
    ['slow', /^timeout after 300 ms$/],
    ['error', /^HTTP 503$/],
    ['bad-json', /^invalid JSON$/],
    ['invalid', /^invalid profile: field 'vad_threshold': 5 is out of range \(0 to 1, as OPENAI_VAD_THRESHOLD\)$/],
    ['huge', /^answer larger than the limit of 2048 bytes$/],
  ])('%s: falls through to the profile files with one warning carrying the uuid', async (scenario, reason) => {
    const uuid = `web-${scenario}`;
    const resolved = await profiles.resolve({ uuid, transport: 'http', metadata: { scenario } });
    expect(resolved).toMatchObject({ name: 'default', source: 'file', openai: { voice: 'sage' } });
    const warnings = warningsOf(app, uuid);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ source: 'url', url: expect.stringMatching(/\/profile$/) });
    expect(warnings[0].reason).toMatch(reason);
  });

  it.each(['no-content', 'unknown-number'])('%s (204/404): the next source decides, without a warning', async (scenario) => {
    const uuid = `web-${scenario}`;
    await expect(profiles.resolve({ uuid, transport: 'ws', metadata: { scenario } })).resolves.toMatchObject({
      source: 'file',
      name: 'default',
    });
    expect(warningsOf(app, uuid)).toEqual([]);
  });

  it('never logs the Authorization header or metadata secrets', () => {
    expect(app.rawLogs()).not.toMatch(/s3cr3t/);
  });

  it('counts calls per profile source on /metrics', async () => {
    const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
    expect(text).toMatch(/avr_sts_profile_source_total\{source="url"\} [1-9]/);
    expect(text).toMatch(/avr_sts_profile_source_total\{source="file"\} [1-9]/);
  });
});

describe('a refused profile web service', () => {
  it('falls through to the env defaults with one warning', async () => {
    const app = await startTestApp({ AGENT_PROFILE_URL: `http://127.0.0.1:${await closedPort()}/profile` });
    try {
      const resolved = await app.app.get(ProfileService).resolve({ uuid: 'web-refused', transport: 'ws', metadata: {} });
      expect(resolved).toMatchObject({ source: 'env', name: 'env', openai: { voice: 'marin' } });
      expect(warningsOf(app, 'web-refused')).toEqual([expect.objectContaining({ source: 'url', reason: 'connection refused' })]);
    } finally {
      await app.close();
    }
  });
});

describe('two numbers, two agents, from each source', () => {
  const calls = [
    { uuid: 'two-a', transport: 'ws' as const, metadata: { from: '+33611', to: '5001' } },
    { uuid: 'two-b', transport: 'ws' as const, metadata: { from: '+33622', to: '5002' } },
  ];
  const upstreamSettings = (p: ResolvedProfile) => ({
    voice: p.openai.voice,
    greeting: p.openai.greeting,
    instructions: p.instructions,
    tools: p.tools,
  });
  /** What two agents (5001 sales, 5002 support) ask for, and what the two callers' upstreams then get. */
  const SALES_AGENT = { voice: 'cedar', greeting: 'Sales here', instructions: 'Sell to {{caller_number}}.', tools: ['avr_transfer'] };
  const SUPPORT_AGENT = { voice: 'ash', greeting: 'Support here', instructions: 'Help {{caller_number}}.', tools: ['avr_hangup'] };
  const SALES_SETTINGS = { voice: 'cedar', greeting: 'Sales here', instructions: 'Sell to +33611.', tools: ['avr_transfer'] };
  const SUPPORT_SETTINGS = { voice: 'ash', greeting: 'Support here', instructions: 'Help +33622.', tools: ['avr_hangup'] };

  async function resolveBoth(env: Record<string, string>, withInit = (c: (typeof calls)[number]) => c.metadata as Record<string, unknown>) {
    const app = await startTestApp(env);
    try {
      const service = app.app.get(ProfileService);
      return await Promise.all(calls.map((c) => service.resolve({ ...c, metadata: withInit(c) })));
    } finally {
      await app.close();
    }
  }

  it('from the sample profile web service (npm run profile-service)', async () => {
    let sample: RunningProfileService | undefined;
    try {
      sample = await startProfileService({ port: 0, host: '127.0.0.1', profiles: SAMPLE_PROFILES, authHeader: AUTH });
      const [a, b] = await resolveBoth({ AGENT_PROFILE_URL: sample.url, AGENT_PROFILE_AUTH_HEADER: AUTH });
      expect(a.source).toBe('url');
      expect(upstreamSettings(a)).toEqual({
        voice: 'cedar',
        greeting: 'Thank you for calling Acme sales. How can I help?',
        instructions: expect.stringContaining('The caller is +33611; today is '),
        tools: ['avr_transfer'],
      });
      expect(upstreamSettings(b)).toMatchObject({ voice: 'ash', tools: ['avr_hangup'] });
      expect(b.openai.vadSilenceMs).toBe(700);
      expect(sample.requests.map((r) => [r.uuid, r.body.metadata?.to]).sort()).toEqual([
        ['two-a', '5001'],
        ['two-b', '5002'],
      ]);
    } finally {
      await sample?.close();
    }
  });

  it('from profile files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-two-'));
    try {
      await writeFile(
        join(dir, 'sales.yaml'),
        'match: ["5001"]\nvoice: cedar\ngreeting: Sales here\ninstructions: Sell to {{caller_number}}.\ntools: [avr_transfer]\n',
      );
      await writeFile(join(dir, 'support.json'), JSON.stringify({ match: ['5002'], ...SUPPORT_AGENT }));
      const [a, b] = await resolveBoth({ PROFILES_DIR: dir });
      expect([a.source, a.name, b.source, b.name]).toEqual(['file', 'sales', 'file', 'support']);
      expect(upstreamSettings(a)).toEqual(SALES_SETTINGS);
      expect(upstreamSettings(b)).toEqual(SUPPORT_SETTINGS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('from init.provider_config, allow-listed fields only and no secrets', async () => {
    const agents: Record<string, object> = {
      '5001': { ...SALES_AGENT, api_key: 'sk-s3cr3t', model: 'gpt-x' },
      '5002': { ...SUPPORT_AGENT, password: 's3cr3t' },
    };
    const [a, b] = await resolveBoth({ PROVIDER_CONFIG_FIELDS: 'voice,greeting,instructions,tools' }, (c) => ({
      ...c.metadata,
      provider_config: agents[c.metadata.to],
    }));
    expect(a.source).toBe('provider_config');
    expect(upstreamSettings(a)).toEqual(SALES_SETTINGS);
    expect(upstreamSettings(b)).toEqual(SUPPORT_SETTINGS);
    expect(a.openai.model).toBe('gpt-realtime-2.1');
    expect(JSON.stringify([a, b])).not.toMatch(/s3cr3t/);
  });
});

describe('start-up with a bad profile file', () => {
  it('stops with exit code 1, naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-bad-'));
    try {
      await writeFile(join(dir, 'default.yaml'), FILE_DEFAULT);
      await writeFile(join(dir, 'sales.yaml'), 'match: ["5001"]\nvoice: cedar\nvad_silence_ms: 50000\n');
      const res = spawnSync(process.execPath, ['dist/main.js'], {
        env: { PATH: process.env.PATH ?? '', OPENAI_REALTIME_URL: 'simulator', PORT: '0', HOST: '127.0.0.1', PROFILES_DIR: dir },
        encoding: 'utf8',
        timeout: 20000,
      });
      expect(res.status).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([
        `config error: PROFILES_DIR=${dir}: sales.yaml: field 'vad_silence_ms': 50000 is out of range (integer 0 to 10000, as OPENAI_VAD_SILENCE_MS)`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
