import type { CallRecordInput } from '../call-record-input.js';

export const START = Date.UTC(2025, 0, 15, 10, 0, 0);

/** Everything the caller, the agent or a tool said: none of it may appear without transcripts. */
export const SPOKEN = {
  caller1: 'Hi, I need to change my delivery address.',
  agent1: 'Sure, what is your order number?',
  caller2: 'It is 48213.',
  agent2: 'I found your order, it shipped to 12 Elm Street and',
  caller3: 'Wait, it should go to 99 Oak Avenue.',
  agent3: 'Sorry, I could not update it right now.',
};
export const TOOL_TEXT = {
  orderNumber: 'ORD-48213-XK',
  lookupResult: '{"status":"shipped","address":"12 Elm Street, Springfield"}',
  newAddress: '99 Oak Avenue, Shelbyville',
  updateError: 'address service refused 99 Oak Avenue, Shelbyville',
};

/** A realistic call's end: three caller turns, an interrupted agent turn, one tool that worked and one that failed. */
export function realisticCall(uuid = '0b8f3c52-6d1e-4f7a-9c2b-5e4d3a2f1b10'): CallRecordInput {
  return {
    uuid,
    transport: 'ws',
    metadata: { from: '+15551234567', to: '1000', channel: 'PJSIP/trunk-00000042', campaign: 'spring' },
    startedAt: START,
    endedAt: START + 83_456,
    outcome: 'hangup_tool',
    reason: 'agent ended the call',
    conversation: [
      { role: 'user', text: SPOKEN.caller1, at: START + 1_000 },
      { role: 'agent', text: SPOKEN.agent1, at: START + 2_500 },
      { role: 'user', text: SPOKEN.caller2, at: START + 6_000 },
      {
        role: 'tool',
        text: `lookup_order -> ${TOOL_TEXT.lookupResult}`,
        at: START + 6_400,
        tool: { name: 'lookup_order', arguments: { orderNumber: TOOL_TEXT.orderNumber }, result: TOOL_TEXT.lookupResult, durationMs: 120 },
      },
      { role: 'agent', text: SPOKEN.agent2, at: START + 7_000, interrupted: true },
      { role: 'user', text: SPOKEN.caller3, at: START + 9_000 },
      {
        role: 'tool',
        text: `update_address -> ${TOOL_TEXT.updateError}`,
        at: START + 9_800,
        tool: {
          name: 'update_address',
          arguments: { orderNumber: TOOL_TEXT.orderNumber, address: TOOL_TEXT.newAddress },
          error: TOOL_TEXT.updateError,
          durationMs: 5_000,
        },
      },
      { role: 'agent', text: SPOKEN.agent3, at: START + 15_200 },
    ],
    instructionsSource: 'url',
    model: 'gpt-realtime-2.1',
    voice: 'marin',
    reconnects: 1,
    latenciesMs: [900, 1_200, 700, 800],
    usage: {
      inputTokens: 1_500,
      outputTokens: 600,
      totalTokens: 2_100,
      inputTextTokens: 400,
      inputAudioTokens: 1_100,
      inputCachedTokens: 256,
      outputTextTokens: 150,
      outputAudioTokens: 450,
      responses: 4,
      sessionSeconds: 0,
    },
  };
}
