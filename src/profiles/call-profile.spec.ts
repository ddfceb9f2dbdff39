import pino from 'pino';
import { loadConfig } from '../config/index.js';
import { CallProfile, metadataForRecords, type CallProfiles } from './call-profile.js';
import type { ResolvedProfile } from './resolved-profile.js';

const silent = pino({ level: 'silent' });

describe('metadataForRecords', () => {
  const metadata = { to: '5001', provider_config: { voice: 'ash', note: 'not allowed', api_key: 'sk-x', greeting: 'Bearer abc' } };

  it('keeps only the allow-listed, non-secret provider_config fields once provider_config is a profile source', () => {
    expect(metadataForRecords(metadata, ['voice', 'api_key', 'greeting'])).toEqual({ to: '5001', provider_config: { voice: 'ash' } });
  });

  it('drops provider_config when none of its fields is allowed', () => {
    expect(metadataForRecords(metadata, ['language'])).toEqual({ to: '5001' });
  });

  it('leaves provider_config as plain metadata when PROVIDER_CONFIG_FIELDS is unset', () => {
    expect(metadataForRecords(metadata, [])).toEqual(metadata);
  });
});

describe('CallProfile', () => {
  const config = loadConfig({ OPENAI_REALTIME_URL: 'simulator' });
  const resolvedWith = (over: Partial<ResolvedProfile>): CallProfiles => ({
    mayChangeConnection: () => false,
    resolve: async () => ({
      name: 'p',
      source: 'file',
      openai: { ...config.openai, model: 'gpt-live-1' },
      interface: 'live',
      greetingMode: 'generated',
      guards: {},
      changesConnection: true,
      placeholders: {},
      ...over,
    }),
    instructionsFor: () => ({ text: 'x', source: 'profile' }),
  });

  it('reads the env defaults until the profile is known, then the profile', async () => {
    const p = new CallProfile(
      config,
      resolvedWith({ interface: 'realtime', openai: { ...config.openai, voice: 'ash' } }),
      { uuid: 'u', transport: 'ws', metadata: {} },
      silent,
    );
    expect(p.openai.voice).toBe(config.openai.voice);
    expect(p.upstream()).toBeUndefined();
    await p.ready;
    expect(p.openai.voice).toBe('ash');
    expect(p.upstream()?.openai.voice).toBe('ash');
  });

  it("keeps the deployment's model when a profile asks for the other interface", async () => {
    const p = new CallProfile(config, resolvedWith({}), { uuid: 'u', transport: 'ws', metadata: {} }, silent);
    const resolved = await p.ready;
    expect(resolved).toMatchObject({ interface: 'realtime', changesConnection: false, openai: { model: config.openai.model } });
  });

  it("on a GPT-Live deployment keeps a profile's Live voice, and the deployment's in place of one Live does not have", async () => {
    const live = loadConfig({ OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator', OPENAI_VOICE: 'marin' });
    const ask = (voice: string) =>
      new CallProfile(live, resolvedWith({ openai: { ...live.openai, voice } }), { uuid: 'u', transport: 'ws', metadata: {} }, silent);
    const kept = ask('vesper');
    await kept.ready;
    expect(kept.upstream()?.openai.voice).toBe('vesper');
    const replaced = ask('nova-not-live');
    await replaced.ready;
    expect(replaced.upstream()?.openai.voice).toBe('marin');
  });

  it('offers and allows only the tools of its allow-list', async () => {
    const p = new CallProfile(
      config,
      resolvedWith({ interface: 'realtime', tools: ['b'] }),
      { uuid: 'u', transport: 'ws', metadata: {} },
      silent,
    );
    await p.ready;
    const tool = (name: string) => ({ name, description: '', parameters: {} });
    expect(p.offered([tool('a'), tool('b')]).map((t) => t.name)).toEqual(['b']);
    expect([...(p.allowedTools() ?? [])]).toEqual(['b']);
  });

  it('goes on with the env defaults if resolution ever rejects', async () => {
    const failing: CallProfiles = {
      mayChangeConnection: () => true,
      resolve: async () => Promise.reject(new Error('boom')),
      instructionsFor: () => ({ source: 'x' }),
    };
    const p = new CallProfile(config, failing, { uuid: 'u', transport: 'ws', metadata: {} }, silent);
    await expect(p.ready).resolves.toBeUndefined();
    expect(p.openai).toBe(config.openai);
    expect(p.connectsAfterProfile).toBe(true);
  });
});
