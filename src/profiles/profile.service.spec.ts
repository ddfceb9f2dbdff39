import { Test } from '@nestjs/testing';
import { rm } from 'node:fs/promises';
import { AppConfigModule, loadConfig } from '../config/index.js';
import { LoggingModule } from '../logging/index.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { captureLogs } from '../tools/testing/tools-test-kit.js';
import { ProfileService } from './profile.service.js';
import { PROFILE_SOURCES, type ProfileSource } from './profile-source.js';
import { makeProfilesDir, startProfiles, type ProfilesHarness } from './testing/profiles-test-kit.js';

const UUID = 'b7e2c1d0-5a4f-4e3b-9c8d-7f6e5d4c3b2a';
const SECRET_INSTRUCTIONS = 'You are Ava at Acme; the discount code is ZEBRA-77.';
const call = (metadata: Record<string, unknown> = {}) => ({ uuid: UUID, transport: 'http' as const, metadata });

describe('ProfileService', () => {
  let dir: string | undefined;
  let h: ProfilesHarness | undefined;
  afterEach(async () => {
    await h?.moduleRef.close();
    h = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function withFiles(files: Record<string, string>, env: Record<string, string> = {}) {
    dir = await makeProfilesDir(files);
    h = await startProfiles({ PROFILES_DIR: dir, ...env });
    return h;
  }

  it('overlays the profile on the env defaults and keeps every other env setting', async () => {
    const { service } = await withFiles(
      { 'default.yaml': 'voice: cedar\nvad_silence_ms: 800\nmax_output_tokens: 300\nreasoning_effort: high\nnoise_reduction: far_field\n' },
      { OPENAI_VAD_THRESHOLD: '0.7', OPENAI_LANGUAGE: 'fr' },
    );
    const resolved = await service.resolve(call());
    expect(resolved.openai).toMatchObject({
      voice: 'cedar',
      vadSilenceMs: 800,
      maxTokens: 300,
      reasoningEffort: 'high',
      noiseReduction: 'far_field',
      vadThreshold: 0.7,
      language: 'fr',
      model: 'gpt-realtime-2.1',
      realtimeUrl: 'simulator',
    });
    expect(resolved).toMatchObject({ interface: 'realtime', changesConnection: false, guards: {} });
    // A profile that sets no greeting mode leaves it to GREETING_MODE.
    expect(resolved.greetingMode).toBeUndefined();
  });

  it.each([
    ['model: gpt-realtime-2\n', { changesConnection: true, interface: 'realtime' }],
    ['model: gpt-live-1\n', { changesConnection: true, interface: 'live' }],
    ['interface: live\n', { changesConnection: true, interface: 'live' }],
    ['voice: ash\n', { changesConnection: false, interface: 'realtime' }],
  ])('says whether the connection depends on the profile: %s', async (file, expected) => {
    const { service } = await withFiles({ 'default.yaml': file });
    await expect(service.resolve(call())).resolves.toMatchObject(expected);
  });

  it.each([
    [{ 'default.yaml': 'voice: ash\n' }, {}, false],
    [{ 'default.yaml': 'voice: ash\n', 'premium.yaml': 'match: ["9"]\nmodel: gpt-realtime-2\n' }, {}, true],
    [{ 'default.yaml': 'voice: ash\n' }, { PROVIDER_CONFIG_FIELDS: 'voice' }, false],
    [{ 'default.yaml': 'voice: ash\n' }, { PROVIDER_CONFIG_FIELDS: 'voice,model' }, true],
    [{ 'default.yaml': 'voice: ash\n' }, { AGENT_PROFILE_URL: 'http://127.0.0.1:9/profile' }, true],
  ])('tells the engine before resolving whether a profile could change the connection (%j, %j)', async (files, env, expected) => {
    const { service } = await withFiles(files, env);
    expect(service.mayChangeConnection()).toBe(expected);
  });

  it('fills placeholders in instructions, greeting, prompt variables and MCP headers, and names unknown ones once', async () => {
    const { service, warnings } = await withFiles(
      {
        'default.yaml': [
          'instructions: "Caller {{caller_number}} dialled {{called_number}}. Ref {{crm_ref}}. {{nickname}} {{nickname}}"',
          'greeting: "Hello, this is line {{called_number}}"',
          'mcp_servers: [{server_label: crm, server_url: "https://crm.example/mcp", headers: {X-Call: "{{uuid}}"}}]',
          'idle_prompt_ms: 8000',
          'max_call_seconds: 600',
        ].join('\n'),
      },
      {},
    );
    const resolved = await service.resolve(call({ from: '+4930123', to: '5001', crm_ref: 'A-9' }));
    expect(resolved.instructions).toBe('Caller +4930123 dialled 5001. Ref A-9. {{nickname}} {{nickname}}');
    expect(resolved.openai.greeting).toBe('Hello, this is line 5001');
    expect(resolved.openai.mcpServers).toEqual([
      { server_label: 'crm', server_url: 'https://crm.example/mcp', headers: { 'X-Call': UUID } },
    ]);
    expect(resolved.guards).toEqual({ idlePromptMs: 8000, maxCallSeconds: 600 });
    expect(warnings()).toEqual([
      expect.objectContaining({ uuid: UUID, placeholders: ['nickname'], msg: 'unknown placeholders left as written' }),
    ]);
  });

  describe('instructionsFor', () => {
    const fromSources = { text: 'Help {{caller_number}} with {{topic}}.', source: 'file' };

    it("prefers the profile's own instructions", async () => {
      const { service } = await withFiles({ 'default.yaml': 'instructions: Be brief.\n' });
      const resolved = await service.resolve(call());
      expect(service.instructionsFor(resolved, fromSources)).toEqual({ text: 'Be brief.', source: 'profile' });
    });

    it('sends no instructions when a stored prompt carries them', async () => {
      const { service } = await withFiles({ 'default.yaml': 'prompt: {id: pmpt_1, variables: {who: "{{caller_number}}"}}\n' });
      const resolved = await service.resolve(call({ from: '200' }));
      expect(resolved.prompt).toEqual({ id: 'pmpt_1', variables: { who: '200' } });
      expect(service.instructionsFor(resolved, fromSources)).toEqual({ source: 'prompt' });
    });

    it("otherwise fills the instructions sources' text with the call's placeholders", async () => {
      const { service } = await withFiles({ 'default.yaml': 'voice: ash\n' });
      const resolved = await service.resolve(call({ from: '200' }));
      const callLogs = captureLogs();
      const callLogger = callLogs.logger.child({ uuid: UUID });
      expect(service.instructionsFor(resolved, fromSources, callLogger)).toEqual({ text: 'Help 200 with {{topic}}.', source: 'file' });
      expect(callLogs.lines().filter((l) => l.level === 'warn')).toEqual([
        expect.objectContaining({ uuid: UUID, placeholders: ['topic'] }),
      ]);
    });
  });

  it('logs the profile name, version and source, never the instructions', async () => {
    const harness = await withFiles({ 'sales.yaml': `version: "4"\nmatch: ["5001"]\ninstructions: "${SECRET_INSTRUCTIONS}"\n` });
    await harness.service.resolve(call({ to: '5001' }));
    expect(harness.logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'info', uuid: UUID, profile: 'sales', version: '4', source: 'file', msg: 'profile resolved' }),
    );
    expect(harness.logs.raw()).not.toContain('ZEBRA-77');
  });

  it('counts calls per profile source', async () => {
    const harness = await withFiles({ 'sales.yaml': 'match: ["5001"]\n' });
    await harness.service.resolve(call({ to: '5001' }));
    await harness.service.resolve(call({ to: '5001' }));
    await harness.service.resolve(call({ to: '9' }));
    const text = await harness.metrics.registry.metrics();
    expect(text).toContain('avr_sts_profile_source_total{source="file"} 2');
    expect(text).toContain('avr_sts_profile_source_total{source="env"} 1');
    expect(text).toContain('avr_sts_profile_source_total{source="url"} 0');
  });
});

describe('ProfileService with misbehaving sources', () => {
  const source = (name: string, load: ProfileSource['load']): ProfileSource => ({ name, isConfigured: () => true, load });

  async function withSources(sources: ProfileSource[]) {
    const logs = captureLogs();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(loadConfig({ OPENAI_REALTIME_URL: 'simulator', AGENT_PROFILE_TIMEOUT_MS: '200' })),
        LoggingModule.forRoot(logs.logger),
        MetricsModule,
      ],
      providers: [ProfileService, { provide: PROFILE_SOURCES, useValue: sources }],
    }).compile();
    return {
      service: moduleRef.get(ProfileService),
      metrics: moduleRef.get(MetricsService),
      warnings: () => logs.lines().filter((l) => l.level === 'warn'),
      moduleRef,
    };
  }

  it('treats a source that throws as a fall-through, with one warning', async () => {
    const h = await withSources([
      source('crm', () => Promise.reject(new Error('boom'))),
      source('backup', async () => ({ profile: { voice: 'ash' }, name: 'b' })),
    ]);
    await expect(h.service.resolve(call())).resolves.toMatchObject({ source: 'backup', name: 'b', openai: { voice: 'ash' } });
    expect(h.warnings()).toEqual([expect.objectContaining({ uuid: UUID, source: 'crm', reason: 'failed: boom' })]);
    await h.moduleRef.close();
  });

  it('stops waiting for a source that never answers and uses the env defaults', async () => {
    const h = await withSources([source('stuck', () => new Promise(() => undefined))]);
    await expect(h.service.resolve(call())).resolves.toMatchObject({ source: 'env', name: 'env', openai: { voice: 'marin' } });
    expect(h.warnings()).toEqual([
      expect.objectContaining({ uuid: UUID, source: 'stuck', reason: expect.stringMatching(/^no answer within/) }),
    ]);
    await h.moduleRef.close();
  });

  it('skips sources that are not configured', async () => {
    const off: ProfileSource = { name: 'off', isConfigured: () => false, load: async () => ({ profile: { voice: 'x' }, name: 'off' }) };
    const h = await withSources([off, source('on', async () => ({ profile: {}, name: 'on' }))]);
    await expect(h.service.resolve(call())).resolves.toMatchObject({ source: 'on' });
    await h.moduleRef.close();
  });

  it('removes secret-looking metadata before any source sees it', async () => {
    let seen: unknown;
    const h = await withSources([source('spy', async (c) => ((seen = c.metadata), null))]);
    await h.service.resolve(call({ to: '5001', token: 't', provider_config: { api_key: 'sk-1', voice: 'ash' } }));
    expect(seen).toEqual({ to: '5001', provider_config: { voice: 'ash' } });
    await h.moduleRef.close();
  });
});
