import type { Conversation } from './conversation.js';

/** Keypresses kept while no session can take them (bounded: a stuck upstream must not grow it). */
const MAX_PENDING_DTMF = 32;

/**
 * The caller's keypresses, for the model as user text, each exactly once: those made while the
 * upstream is not ready (before the first session, during a switch) wait for the next session.
 */
export class Keypresses {
  private pending: string[] = [];

  constructor(
    private readonly conversation: Conversation,
    /** Hands the keypress's text to the ready session and asks for a response. */
    private readonly tell: (text: string) => void,
  ) {}

  press(digit: string, upstreamReady: boolean): void {
    if (upstreamReady) return this.send(digit);
    if (this.pending.length < MAX_PENDING_DTMF) this.pending.push(digit);
  }

  /** A session is ready: the keypresses it has not heard yet, in order. */
  flush(): void {
    for (const digit of this.pending.splice(0)) this.send(digit);
  }

  private send(digit: string): void {
    const text = `The caller pressed ${digit} on the keypad.`;
    this.conversation.add({ role: 'user', text, at: Date.now() });
    this.tell(text);
  }
}
