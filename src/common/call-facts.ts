/**
 * The facts of a call that several modules speak of (the call engine, the records, the transports):
 * kept here, in no module's folder, so none of them imports another for a type.
 */

export type Transport = 'ws' | 'http';

/** How a call ended; the transport maps it to its wire (close code, response end, status). */
export type CallOutcome =
  'hangup_tool' | 'transferred' | 'caller_hung_up' | 'upstream_failed' | 'refused' | 'drained' | 'no_input' | 'max_duration' | 'error';

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
