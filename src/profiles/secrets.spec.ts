import { isSecretKey, withoutSecrets } from './secrets.js';

describe('secrets in call metadata', () => {
  it.each([
    'api_key',
    'apiKey',
    'APIKEY',
    'openai_api_key',
    'x-auth-token',
    'token',
    'password',
    'clientSecret',
    'Authorization',
    'signature',
    'private_key',
  ])('%s is a secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['voice', 'keywords', 'transcription_keywords', 'tokens_used_by', 'monkey', 'author', 'to', 'from'])('%s is not', (key) => {
    // tokens_used_by: "tokens" is not "token"; monkey and author only contain the letters.
    expect(isSecretKey(key)).toBe(false);
  });

  it('drops secret keys and credential-looking values at any depth', () => {
    const metadata = {
      to: '5001',
      provider_config: {
        voice: 'cedar',
        api_key: 'sk-live-1',
        nested: { apiKey: 'x', note: 'Bearer abc', keep: 1 },
        list: ['ok', 'sk-proj-2'],
      },
    };
    expect(withoutSecrets(metadata)).toEqual({ to: '5001', provider_config: { voice: 'cedar', nested: { keep: 1 }, list: ['ok'] } });
  });

  it('keeps only plain JSON', () => {
    expect(withoutSecrets({ a: Number.NaN, b: true, c: () => 1, d: null })).toEqual({ b: true });
  });
});
