import type { ConversationItem } from './conversation.js';

/** Why a call moved to a new upstream session. */
export type SwitchCause = 'dropped' | 'expired' | 'rotation' | 'error';

/**
 * Exponential back-off with jitter for reconnect attempt n (1 = the first retry): base * 2^(n-1),
 * scaled by a random factor in [0.5, 1.5) so calls that lost the same upstream do not return in
 * lockstep.
 */
export function backoffMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** (retry - 1) * (0.5 + random()));
}

/**
 * The conversation so far as `conversation.item.create` text items for a new upstream session:
 * the most recent entries that fit the budget, oldest first.
 */
export function replayEvents(items: ConversationItem[]): object[] {
  return items.map((item) => {
    if (item.role === 'user') {
      return { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: item.text }] } };
    }
    if (item.role === 'agent') {
      return { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: item.text }] } };
    }
    const tool = item.tool;
    const outcome = tool?.error !== undefined ? `failed: ${tool.error}` : `returned: ${tool?.result ?? ''}`;
    const text = `Earlier in this call the tool ${tool?.name ?? 'unknown'} was called with ${JSON.stringify(tool?.arguments ?? {})} and ${outcome}`;
    return { type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] } };
  });
}

export const CONTINUE_AFTER_SWITCH =
  'Your connection was briefly interrupted while you were speaking. Continue from where you stopped, without repeating yourself and without mentioning the interruption.';
