import { replayInput } from './live-session-start.js';
import { APPEND_MAX_TOKENS, estimateTokens, INPUT_MAX_TOKENS, truncateToTokens } from './live-text.js';

describe('replay into session.input', () => {
  it('keeps the newest 128 messages, oldest first', () => {
    const replay = Array.from({ length: 200 }, (_, i) => ({ role: i % 2 ? ('agent' as const) : ('user' as const), text: `m${i}` }));
    const input = replayInput(replay);
    expect(input).toHaveLength(128);
    expect(input[0].content[0].text).toBe('m72');
    expect(input.at(-1)!.content[0].text).toBe('m199');
  });

  it('stays within 8,192 tokens (estimated high), dropping the oldest first', () => {
    const replay = Array.from({ length: 40 }, (_, i) => ({ role: 'user' as const, text: `${i} ${'x'.repeat(2000)}` }));
    const input = replayInput(replay);
    const tokens = input.reduce((sum, m) => sum + estimateTokens(m.content[0].text), 0);
    expect(tokens).toBeLessThanOrEqual(INPUT_MAX_TOKENS);
    expect(input.at(-1)!.content[0].text.startsWith('39 ')).toBe(true);
    expect(input.length).toBeLessThan(40);
  });

  it('cuts one message larger than the whole budget instead of dropping it, and skips empty ones', () => {
    const input = replayInput([
      { role: 'agent', text: 'y'.repeat(100_000) },
      { role: 'user', text: '  ' },
    ]);
    expect(input).toHaveLength(1);
    expect(estimateTokens(input[0].content[0].text)).toBeLessThanOrEqual(INPUT_MAX_TOKENS);
    expect(input[0].role).toBe('assistant');
  });
});

describe('truncateToTokens', () => {
  it('leaves text within the limit unchanged', () => {
    expect(truncateToTokens('Press 1 for sales.', APPEND_MAX_TOKENS)).toBe('Press 1 for sales.');
  });

  it('cuts long text at a word boundary with an ellipsis, never inside a surrogate pair', () => {
    const cut = truncateToTokens('word '.repeat(1000), APPEND_MAX_TOKENS);
    expect(cut.length).toBeLessThanOrEqual(1500);
    expect(cut.endsWith('word…')).toBe(true);
    const emoji = truncateToTokens('😀'.repeat(1000), 10);
    expect(emoji.length).toBeLessThanOrEqual(30);
    expect(() => encodeURIComponent(emoji)).not.toThrow();
  });
});
