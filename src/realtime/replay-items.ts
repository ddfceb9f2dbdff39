import type { ConversationItemCreateEvent } from 'openai/resources/realtime/realtime';
import type { ReplayItem } from './upstream-session.js';

/** A text message item: what a keypress, an instruction mid-call or a replayed turn becomes. */
export function textItemEvent(role: 'user' | 'assistant' | 'system', text: string): ConversationItemCreateEvent {
  if (role === 'assistant') {
    return { type: 'conversation.item.create', item: { type: 'message', role, content: [{ type: 'output_text', text }] } };
  }
  return { type: 'conversation.item.create', item: { type: 'message', role, content: [{ type: 'input_text', text }] } };
}

/**
 * One entry of the conversation so far as a `conversation.item.create` for a new session (a new
 * connection is a new, empty conversation): the caller's turns as user text, the agent's as
 * assistant text, tool calls as a system note the engine has written.
 */
export function replayItemEvent(item: ReplayItem): ConversationItemCreateEvent {
  return textItemEvent(item.role === 'user' ? 'user' : item.role === 'agent' ? 'assistant' : 'system', item.text);
}
