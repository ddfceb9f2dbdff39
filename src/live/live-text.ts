/**
 * Text limits of GPT-Live. Token counts are not computable here (no tokenizer on the hot path), so
 * they are bounded by characters with a margin: English runs about 4 characters per token and
 * digits or other scripts fewer, so 3 characters per token under-counts tokens almost never.
 */

/** `session.instructions/thinking/commentary.append`: "up to 500 tokens" each. */
export const APPEND_MAX_TOKENS = 500;
/** `session.input`: "at most 128 messages and … 8,192 tokens" (the default limit). */
export const INPUT_MAX_MESSAGES = 128;
export const INPUT_MAX_TOKENS = 8192;

const CHARS_PER_TOKEN_SAFE = 3;

/** A conservative (high) token estimate of a text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN_SAFE);
}

/**
 * Cuts `text` to at most about `maxTokens`, at a word boundary where one is near and never inside
 * a surrogate pair, marking the cut with an ellipsis. Text within the limit is returned unchanged.
 */
export function truncateToTokens(text: string, maxTokens: number): string {
  const maxChars = maxTokens * CHARS_PER_TOKEN_SAFE;
  if (text.length <= maxChars) return text;
  let cut = maxChars - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const space = text.lastIndexOf(' ', cut);
  if (space > maxChars * 0.8) cut = space;
  return `${text.slice(0, cut).trimEnd()}…`;
}
