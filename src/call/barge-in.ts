import type { Logger } from 'pino';
import type { UpstreamSession } from '../realtime/upstream-session.js';
import type { AgentAudioPath } from './agent-audio.js';
import type { Conversation } from './conversation.js';
import type { ResponseTurns } from './response-turns.js';

/** The parts of a call a barge-in acts on. */
export interface BargeInParts {
  readonly agent: AgentAudioPath;
  readonly turns: ResponseTurns;
  readonly conversation: Conversation;
  readonly log: Logger;
}

/**
 * The caller started speaking: whatever the agent still has to say stops. The response under way
 * is cancelled, the upstream is told how much of each cut item the caller heard (where it takes
 * truncation), and the conversation marks those items interrupted. Returns whether the agent was
 * audible (speaking, or its audio still playing out): only then was it a barge-in the client must
 * hear of, since its audio already sent must be dropped.
 */
export function cutAgentShort({ agent, turns, conversation, log }: BargeInParts, session: UpstreamSession | undefined): boolean {
  const audible = turns.state === 'speaking' || turns.state === 'cancelling' || agent.playoutRemainingMs() > 0;
  const heard = agent.interrupt();
  if (turns.bargeIn()) session?.cancel();
  for (const item of heard) {
    if (session?.capabilities.truncation) session.heard(item.itemId, item.audioEndMs);
    conversation.markInterrupted(item.itemId);
    log.debug({ itemId: item.itemId, audioEndMs: item.audioEndMs, sentMs: item.sentMs }, 'barge-in: agent audio truncated');
  }
  return audible;
}
