/** One entry of a call's conversation, in spoken order. */
export interface ConversationItem {
  role: 'user' | 'agent' | 'tool';
  text: string;
  at: number;
  interrupted?: boolean;
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

  add(item: ConversationItem): ConversationItem {
    this.items.push(item);
    if (this.items.length > this.maxItems) {
      this.items.shift();
      this.droppedCount++;
    }
    return item;
  }

  /** The most recent agent entry still open to being marked interrupted. */
  lastAgent(): ConversationItem | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) if (this.items[i].role === 'agent') return this.items[i];
    return undefined;
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
