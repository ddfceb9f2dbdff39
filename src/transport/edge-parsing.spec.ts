import { queryParam, metadataFromUrl, targetForLog, metadataFromInit } from './call-metadata.js';
import { callUuid } from './call-uuid.js';
import { RateBudget } from './rate-budget.js';
import { parseClientMessage } from './ws/ws-messages.js';

/** The edge's parsers are total: any input gives a result or a classified error, never a throw. */
describe('parseClientMessage', () => {
  it.each([
    ['{"type":{"toString":0}}', 'unknown_type', /\(a JSON object\)/],
    ['{"type":["init"]}', 'unknown_type', /\(a JSON array\)/],
    ['{"type":null}', 'unknown_type', /\(a JSON null\)/],
    ['{"type":7}', 'unknown_type', /"7"/],
    ['{"type":"audio","audio":{"toString":0}}', 'bad_audio', /base64 string/],
    ['{"type":"dtmf_digit","digit":{"toString":0}}', 'bad_dtmf', /one key/],
  ])('%s is a classified error', (text, kind, error) => {
    const parsed = parseClientMessage(text);
    expect(parsed).toMatchObject({ ok: false, kind });
    expect(!parsed.ok && parsed.error).toMatch(error);
  });

  it('an audio message with an extra string field is audio', () => {
    const b64 = Buffer.from([1, 2, 3, 4]).toString('base64');
    for (const text of [`{"type":"audio","audio":"${b64}","seq":"7"}`, `{"type":"audio","audio":"${b64}","x":"y\\"}"}`]) {
      const parsed = parseClientMessage(text);
      expect(parsed.ok && parsed.message.type === 'audio' && [...parsed.message.audio]).toEqual([1, 2, 3, 4]);
    }
  });

  it('init without a uuid gets a generated one and says so', () => {
    const parsed = parseClientMessage('{"type":"init","provider_config":{"a":1}}');
    expect(parsed.ok && parsed.message.type === 'init' && parsed.message).toMatchObject({
      uuidProblem: expect.stringMatching(/none sent/),
      extra: { provider_config: { a: 1 } },
    });
  });
});

describe('callUuid', () => {
  it.each([
    ['abc-123', 'abc-123', false],
    ['  padded  ', 'padded', false],
    ['a b', 'a%20b', true],
    ['📞', '%F0%9F%93%9E', true],
    ['x\u0085y', 'x%C2%85y', true],
  ])('%j -> %j', (raw, uuid, problem) => {
    const settled = callUuid(raw);
    expect(settled.uuid).toBe(uuid);
    expect(settled.problem !== undefined).toBe(problem);
  });

  it.each([[undefined], [''], [42], [null], [{}], ['u'.repeat(300)], ['📞'.repeat(40)]])('%j gets a generated uuid', (raw) => {
    const settled = callUuid(raw);
    expect(settled.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(settled.problem).toBeDefined();
  });
});

describe('request targets', () => {
  it.each(['//[', '//:99999/', '//%zz', '//@', '/?token=%zz', '/?%', '', '?'])('%j never throws', (target) => {
    expect(() => queryParam(target, 'token')).not.toThrow();
    expect(() => metadataFromUrl(target)).not.toThrow();
    expect(() => targetForLog(target)).not.toThrow();
  });

  it('reads the token leniently and hides it in log targets', () => {
    expect(queryParam('//[?from=1&token=a%2Bb', 'token')).toBe('a+b');
    expect(queryParam('/?token=%zz', 'token')).toBe('%zz');
    expect(queryParam('/?from=1', 'token')).toBeUndefined();
    expect(targetForLog('/?token=s3cret&from=1')).toBe('/?token=<redacted>&from=1');
    expect(targetForLog(`/?x=${'a'.repeat(15000)}`)).toMatch(/^\/\?x=a{150,}\.\.\. \(15004 chars\)$/);
  });
});

describe('metadataFromInit', () => {
  it('drops secret-looking keys at any depth and __proto__ own keys, bounds depth and size', () => {
    const extra = JSON.parse(
      '{"provider_config":{"api_key":"k","nested":{"clientSecret":"s","model":"m"}},"__proto__":{"admin":true},"big":"' +
        'x'.repeat(5000) +
        '"}',
    );
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20000; i++) deep = { d: deep };
    const out = metadataFromInit({ ...extra, deep });
    expect(out.provider_config).toEqual({ nested: { model: 'm' } });
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(false);
    expect(String(out.big)).toHaveLength(1024);
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(JSON.stringify(out)).toContain('[nested too deep]');
  });
});

describe('RateBudget', () => {
  it('grants a burst, then the rate', () => {
    let now = 0;
    const budget = new RateBudget(10, 5, () => now);
    expect(Array.from({ length: 7 }, () => budget.take())).toEqual([true, true, true, true, true, false, false]);
    now = 100;
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    now = 10_000;
    expect(budget.takeUpTo(9, 2)).toBe(4);
  });
});
