/** One entry of a call's conversation, in spoken order. */
export interface ConversationItem {
  role: 'user' | 'agent' | 'tool';
  text: string;
  at: number;
  interrupted?: boolean;
  /** The upstream item it came from, when known. */
  itemId?: string;
  /** For tool entries: name, arguments and outcome. */
  tool?: { name: string; arguments: unknown; result?: string; error?: string; durationMs: number };
}

/**
 * The call's conversation as text: what continuity replays into a new upstream session and what
 * the call record reports. Bounded: the oldest entries go first.
 */
export class Conversation {
  private readonly items: ConversationItem[] = [];
  private droppedCount = 0;

  constructor(private readonly maxItems: number) {}

  /** Inserts in spoken order (`at`): transcripts arrive later than the speech they describe. */
  add(item: ConversationItem): ConversationItem {
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].at > item.at) i--;
    this.items.splice(i, 0, item);
    if (this.items.length > this.maxItems) {
      this.items.shift();
      this.droppedCount++;
    }
    return item;
  }

  all(): readonly ConversationItem[] {
    return this.items;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** The most recent entries whose text fits the budget, oldest first. */
  recent(budgetChars: number): ConversationItem[] {
    const out: ConversationItem[] = [];
    let used = 0;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const len = this.items[i].text.length;
      if (used + len > budgetChars) break;
      used += len;
      out.push(this.items[i]);
    }
    return out.reverse();
  }
}
