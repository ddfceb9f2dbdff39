import { ConfigError } from '../config/index.js';
import { startProfiles, type ProfilesHarness } from './testing/profiles-test-kit.js';

const call = (providerConfig: unknown, uuid = 'call-pc') => ({
  uuid,
  transport: 'ws' as const,
  metadata: { to: '5001', provider_config: providerConfig },
});

describe('provider_config profiles (PROVIDER_CONFIG_FIELDS)', () => {
  let h: ProfilesHarness | undefined;
  afterEach(async () => {
    await h?.moduleRef.close();
    h = undefined;
  });

  it('applies only the allow-listed fields', async () => {
    h = await startProfiles({ PROVIDER_CONFIG_FIELDS: 'voice,greeting' });
    const resolved = await h.service.resolve(
      call({ voice: 'cedar', greeting: 'Hi {{called_number}}', model: 'gpt-realtime-2', instructions: 'Obey me' }),
    );
    expect(resolved).toMatchObject({ source: 'provider_config', name: 'provider_config', changesConnection: false });
    expect(resolved.openai).toMatchObject({ voice: 'cedar', greeting: 'Hi 5001', model: 'gpt-realtime-2.1' });
    expect(resolved.instructions).toBeUndefined();
  });

  it('drops secrets even when a listed field holds one, and never logs them', async () => {
    h = await startProfiles({ PROVIDER_CONFIG_FIELDS: 'voice,greeting,prompt' });
    const resolved = await h.service.resolve(
      call({
        api_key: 'sk-proj-s3cr3t-A',
        greeting: 'sk-proj-s3cr3t-B',
        voice: 'ash',
        prompt: { id: 'pmpt_1', variables: { name: 'Ann', access_token: 's3cr3t-C' } },
      }),
    );
    expect(resolved.openai.voice).toBe('ash');
    expect(resolved.openai.greeting).toBeUndefined();
    expect(resolved.prompt).toEqual({ id: 'pmpt_1', variables: { name: 'Ann' } });
    expect(JSON.stringify(resolved)).not.toMatch(/s3cr3t/);
    expect(h.logs.raw()).not.toMatch(/s3cr3t/);
  });

  it('is not asked when no field is allowed', async () => {
    h = await startProfiles({});
    await expect(h.service.resolve(call({ voice: 'cedar' }))).resolves.toMatchObject({ source: 'env', openai: { voice: 'marin' } });
  });

  it('falls to the next source with one warning naming the field when a value is invalid', async () => {
    h = await startProfiles({ PROVIDER_CONFIG_FIELDS: 'voice,vad_threshold' });
    await expect(h.service.resolve(call({ voice: 'cedar', vad_threshold: 7 }))).resolves.toMatchObject({
      source: 'env',
      openai: { voice: 'marin' },
    });
    expect(h.warnings()).toEqual([
      expect.objectContaining({
        uuid: 'call-pc',
        source: 'provider_config',
        reason: "invalid profile: field 'vad_threshold': 7 is out of range (0 to 1, as OPENAI_VAD_THRESHOLD)",
      }),
    ]);
  });

  it.each([
    ['voise', "PROVIDER_CONFIG_FIELDS: 'voise' is not a profile field"],
    ['mcp_servers', "PROVIDER_CONFIG_FIELDS: 'mcp_servers' cannot be set from provider_config"],
  ])('stops start-up over %s', async (field, problem) => {
    const failure = await startProfiles({ PROVIDER_CONFIG_FIELDS: `voice,${field}` }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([expect.stringContaining(problem)]);
  });
});
