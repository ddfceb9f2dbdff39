import { ConfigError, loadConfig } from '../config/app-config.js';
import { ignoredSettings, liveSessionOptions } from './live-config.js';

const KEY = { OPENAI_API_KEY: 'sk-test' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('choosing GPT-Live in the configuration', () => {
  it('defaults the interface from the model name, and Live to mu-law at 8 kHz and its own endpoint', () => {
    expect(loadConfig(KEY).openai).toMatchObject({ interface: 'realtime', audioFormat: 'pcm16' });
    const live = loadConfig({ ...KEY, OPENAI_MODEL: 'gpt-live-1.1' }).openai;
    expect(live).toMatchObject({
      interface: 'live',
      audioFormat: 'pcmu',
      liveUrl: 'wss://api.openai.com/v1/live/sessions',
      liveBackendModel: 'gpt-5.6-terra',
    });
  });

  it('takes OPENAI_INTERFACE=live alone (model gpt-live-1), and pcm16 when asked for', () => {
    expect(loadConfig({ ...KEY, OPENAI_INTERFACE: 'live' }).openai).toMatchObject({ model: 'gpt-live-1', audioFormat: 'pcmu' });
    expect(loadConfig({ ...KEY, OPENAI_INTERFACE: 'live', OPENAI_AUDIO_FORMAT: 'pcm16' }).openai.audioFormat).toBe('pcm16');
  });

  it('needs no key with the built-in simulator in GPT-Live mode, and one otherwise', () => {
    expect(loadConfig({ OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator' }).openai.liveUrl).toBe('simulator');
    expect(problems({ OPENAI_INTERFACE: 'live', OPENAI_REALTIME_URL: 'simulator' })).toEqual([
      expect.stringContaining('OPENAI_LIVE_URL=simulator'),
    ]);
  });

  it('stops start-up on combinations that cannot work, naming the variable', () => {
    expect(problems({ ...KEY, OPENAI_MODEL: 'gpt-live-1', OPENAI_VOICE: 'nova' })).toEqual([
      expect.stringMatching(/^OPENAI_VOICE=nova: not a GPT-Live voice/),
    ]);
    expect(problems({ ...KEY, OPENAI_INTERFACE: 'live', OPENAI_MODEL: 'gpt-realtime-2.1' })).toEqual([
      expect.stringMatching(/^OPENAI_MODEL=gpt-realtime-2.1: a Realtime model/),
    ]);
    expect(problems({ ...KEY, OPENAI_INTERFACE: 'realtime', OPENAI_MODEL: 'gpt-live-1' })).toEqual([
      expect.stringMatching(/^OPENAI_INTERFACE=realtime: OPENAI_MODEL=gpt-live-1/),
    ]);
    expect(problems({ ...KEY, OPENAI_INTERFACE: 'avatar' })).toEqual([
      expect.stringMatching(/^OPENAI_INTERFACE=avatar: not an allowed value/),
    ]);
    const mcp = JSON.stringify([{ server_label: 'crm', server_url: 'https://mcp.example.com' }]);
    expect(problems({ ...KEY, OPENAI_MODEL: 'gpt-live-1', OPENAI_MCP_SERVERS: mcp })).toEqual([
      expect.stringMatching(/^OPENAI_MCP_SERVERS: not available on GPT-Live/),
    ]);
  });

  it('accepts the voices only GPT-Live has, and custom voice ids', () => {
    expect(loadConfig({ ...KEY, OPENAI_MODEL: 'gpt-live-1', OPENAI_VOICE: 'vesper' }).openai.voice).toBe('vesper');
    expect(loadConfig({ ...KEY, OPENAI_MODEL: 'gpt-live-1', OPENAI_VOICE: 'voice_123abc' }).openai.voice).toBe('voice_123abc');
  });

  it('lists the configured settings the chosen interface ignores', () => {
    const env = {
      OPENAI_TURN_DETECTION: 'semantic_vad',
      OPENAI_TEMPERATURE: '0.8',
      OPENAI_VOICE: 'marin',
      OPENAI_LIVE_URL: 'ws://x',
      OPENAI_LANGUAGE: ' ',
    };
    expect(ignoredSettings('live', env)).toEqual(['OPENAI_TURN_DETECTION', 'OPENAI_TEMPERATURE']);
    expect(ignoredSettings('realtime', env)).toEqual(['OPENAI_LIVE_URL']);
  });

  it('builds the session options, resolving the simulator address', () => {
    const openai = loadConfig({ OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator' }).openai;
    expect(liveSessionOptions(openai, 'ws://127.0.0.1:1234')).toMatchObject({
      url: 'ws://127.0.0.1:1234',
      model: 'gpt-live-1',
      audioFormat: 'pcmu',
    });
    expect(() => liveSessionOptions(openai)).toThrow(/simulator/);
  });
});

describe('LiveUpstreamSessionFactory', () => {
  it('makes a fresh Live session per connection with the current options', async () => {
    const { LiveUpstreamSessionFactory } = await import('./live-config.js');
    const pino = (await import('pino')).default;
    let url = 'ws://127.0.0.1:1/v1/live/sessions';
    const openai = loadConfig({ OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator' }).openai;
    const factory = new LiveUpstreamSessionFactory(() => liveSessionOptions(openai, url));
    const listener = { event: () => undefined, lost: () => undefined };
    const first = factory.create(pino({ level: 'silent' }), listener);
    url = 'ws://127.0.0.1:2/v1/live/sessions';
    const second = factory.create(pino({ level: 'silent' }), listener);
    expect(first).not.toBe(second);
    expect(first.capabilities).toEqual({ callerTurnEvents: false, responseEvents: false, truncation: false, explicitResponses: false });
    await expect(second.open({ instructions: '', tools: [], replay: [] }, AbortSignal.abort())).rejects.toMatchObject({ kind: 'aborted' });
  });
});
