import type { ReplayItem } from '../realtime/upstream-session.js';

import type { ConversationItem } from '../common/call-facts.js';

export type { ConversationItem };

/** Bound on the item start times and interrupted marks kept while their transcripts are due. */
const MAX_TRACKED_ITEMS = 64;
/** Text kept per entry: a spoken turn is a few hundred characters; a runaway one is cut. */
const MAX_ITEM_TEXT_CHARS = 8000;
/** Text kept per call: beyond it the oldest entries go, whatever their count. */
const MAX_CONVERSATION_CHARS = 200_000;

/**
 * The call's conversation as text, in spoken order: what continuity replays into a new upstream
 * session and what the call record reports. It owns when each item began to be spoken (transcripts
 * arrive later than the speech they describe) and which agent items the caller talked over.
 * Bounded: the oldest entries go first.
 */
export class Conversation {
  private readonly items: ConversationItem[] = [];
  private readonly startedAt = new Map<string, number>();
  private readonly interrupted = new Set<string>();
  private chars = 0;

  constructor(
    private readonly maxItems: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts in spoken order (`at`); text (and a tool's result) cut to MAX_ITEM_TEXT_CHARS. */
  add(item: ConversationItem): ConversationItem {
    item.text = cut(item.text);
    if (item.tool?.result !== undefined) item.tool.result = cut(item.tool.result);
    if (item.tool?.error !== undefined) item.tool.error = cut(item.tool.error);
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].at > item.at) i--;
    this.items.splice(i, 0, item);
    this.chars += weight(item);
    while (this.items.length > 1 && (this.items.length > this.maxItems || this.chars > MAX_CONVERSATION_CHARS)) {
      this.chars -= weight(this.items.shift()!);
    }
    return item;
  }

  /** An item began to be spoken (caller speech started, first agent frame sent). */
  itemStarted(itemId: string): void {
    if (this.startedAt.size >= MAX_TRACKED_ITEMS) this.startedAt.delete(this.startedAt.keys().next().value!);
    this.startedAt.set(itemId, this.now());
  }

  /** The caller talked over this agent item: its entry, now or when its transcript comes, says so. */
  markInterrupted(itemId: string): void {
    const spoken = this.items.find((i) => i.itemId === itemId);
    if (spoken) {
      spoken.interrupted = true;
      return;
    }
    if (this.interrupted.size >= MAX_TRACKED_ITEMS) this.interrupted.clear();
    this.interrupted.add(itemId);
  }

  /** A finished transcript, placed where its item began; blank ones are not kept. */
  transcript(role: 'user' | 'agent', text: string, itemId: string | undefined): ConversationItem | undefined {
    if (text.trim() === '') return undefined;
    const at = (itemId && this.startedAt.get(itemId)) || this.now();
    if (!itemId) return this.add({ role, text, at });
    this.startedAt.delete(itemId);
    const interrupted = this.interrupted.delete(itemId);
    return this.add({ role, text, at, itemId, ...(interrupted ? { interrupted } : {}) });
  }

  all(): readonly ConversationItem[] {
    return this.items;
  }

  /** The most recent entries whose text fits the budget, oldest first, as a new session's replay. */
  replay(budgetChars: number): ReplayItem[] {
    const out: ReplayItem[] = [];
    let used = 0;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const text = replayText(this.items[i]);
      if (used + text.length > budgetChars) break;
      used += text.length;
      out.push({ role: this.items[i].role, text });
    }
    return out.reverse();
  }
}

function cut(text: string): string {
  return text.length > MAX_ITEM_TEXT_CHARS ? `${text.slice(0, MAX_ITEM_TEXT_CHARS)}… (cut from ${text.length} chars)` : text;
}

/** The characters an entry holds (its arguments are bounded by the tool runner's depth limit and the event size). */
function weight(item: ConversationItem): number {
  return item.text.length + (item.tool?.result?.length ?? 0) + (item.tool?.error?.length ?? 0);
}

/** A tool entry is replayed as a note of what was called and what came of it. */
function replayText(item: ConversationItem): string {
  if (item.role !== 'tool') return item.text;
  const tool = item.tool;
  const outcome = tool?.error !== undefined ? `failed: ${tool.error}` : `returned: ${tool?.result ?? ''}`;
  let args: string;
  try {
    args = JSON.stringify(tool?.arguments ?? {});
  } catch {
    args = '(arguments that cannot be written as JSON)';
  }
  return `Earlier in this call the tool ${tool?.name ?? 'unknown'} was called with ${args} and ${outcome}`;
}
