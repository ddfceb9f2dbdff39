import { buildCallRecord, median } from './call-record.js';
import { backoffDelayMs, DEFAULT_RETRY_TIMING } from './retry-timing.js';
import { realisticCall, SPOKEN, START, TOOL_TEXT } from './testing/call-record-fixture.js';

const at = (offsetMs: number) => new Date(START + offsetMs).toISOString();

describe('buildCallRecord', () => {
  const record = buildCallRecord(realisticCall(), { includeTranscripts: true });

  it('keeps the fields legacy call-summary receivers read exactly in their shape', () => {
    expect(record.sessionUuid).toBe('0b8f3c52-6d1e-4f7a-9c2b-5e4d3a2f1b10');
    expect(record.callerInfo).toEqual({ phoneNumber: '+15551234567', channel: 'PJSIP/trunk-00000042', extension: '1000' });
    expect(record.callMetadata).toEqual({
      startTime: '2025-01-15T10:00:00.000Z',
      endTime: '2025-01-15T10:01:23.456Z',
      durationSeconds: 83.456,
    });
  });

  it('lists caller and agent turns in spoken order, marking the interrupted one and leaving tools out', () => {
    expect(record.transcripts).toEqual([
      { role: 'user', text: SPOKEN.caller1, timestamp: at(1_000) },
      { role: 'agent', text: SPOKEN.agent1, timestamp: at(2_500) },
      { role: 'user', text: SPOKEN.caller2, timestamp: at(6_000) },
      { role: 'agent', text: SPOKEN.agent2, timestamp: at(7_000), interrupted: true },
      { role: 'user', text: SPOKEN.caller3, timestamp: at(9_000) },
      { role: 'agent', text: SPOKEN.agent3, timestamp: at(15_200) },
    ]);
    expect(JSON.stringify(record.transcripts)).not.toContain('"interrupted":false');
  });

  it('reports each tool call with its arguments and its result or error', () => {
    expect(record.toolCalls).toEqual([
      {
        name: 'lookup_order',
        ok: true,
        arguments: { orderNumber: TOOL_TEXT.orderNumber },
        result: TOOL_TEXT.lookupResult,
        durationMs: 120,
        timestamp: at(6_400),
      },
      {
        name: 'update_address',
        ok: false,
        arguments: { orderNumber: TOOL_TEXT.orderNumber, address: TOOL_TEXT.newAddress },
        error: TOOL_TEXT.updateError,
        durationMs: 5_000,
        timestamp: at(9_800),
      },
    ]);
  });

  it('carries the call facts, latency with its median, counts and usage under OpenAI names', () => {
    expect(record).toMatchObject({
      recordVersion: 1,
      transport: 'ws',
      metadata: { from: '+15551234567', to: '1000', channel: 'PJSIP/trunk-00000042', campaign: 'spring' },
      outcome: 'hangup_tool',
      reason: 'agent ended the call',
      instructionsSource: 'url',
      model: 'gpt-realtime-2.1',
      voice: 'marin',
      reconnects: 1,
      latency: { perTurnMs: [900, 1_200, 700, 800], medianMs: 850 },
      counts: { userTurns: 3, agentTurns: 3, toolCalls: 2 },
    });
    expect(record.usage).toEqual({
      input_tokens: 1_500,
      output_tokens: 600,
      total_tokens: 2_100,
      input_token_details: { text_tokens: 400, audio_tokens: 1_100, cached_tokens: 256 },
      output_token_details: { text_tokens: 150, audio_tokens: 450 },
      responses: 4,
    });
  });

  it('gives null caller facts where the metadata has none or something other than text', () => {
    const input = { ...realisticCall(), metadata: { from: 15551234567, channel: '' } };
    expect(buildCallRecord(input, { includeTranscripts: true }).callerInfo).toEqual({ phoneNumber: null, channel: null, extension: null });
  });

  it('has no median for a call without a single answered turn', () => {
    const input = { ...realisticCall(), latenciesMs: [] };
    expect(buildCallRecord(input, { includeTranscripts: true }).latency).toEqual({ perTurnMs: [], medianMs: null });
  });

  it('stays valid JSON with ISO times when the clock values are bad', () => {
    const input = { ...realisticCall(), startedAt: Number.NaN, endedAt: START };
    const { callMetadata } = buildCallRecord(input, { includeTranscripts: true });
    expect(callMetadata.startTime).toBe('1970-01-01T00:00:00.000Z');
    expect(callMetadata.durationSeconds).toBe(0);
  });

  describe('without transcripts', () => {
    const bare = buildCallRecord(realisticCall(), { includeTranscripts: false });

    it('contains nothing the caller, the agent or a tool said', () => {
      const json = JSON.stringify(bare);
      for (const text of [...Object.values(SPOKEN), ...Object.values(TOOL_TEXT), '12 Elm Street', '99 Oak Avenue', '48213']) {
        expect(json).not.toContain(text);
      }
    });

    it('keeps who spoke when, interruptions and text lengths', () => {
      expect(bare.transcripts).toEqual([
        { role: 'user', chars: SPOKEN.caller1.length, timestamp: at(1_000) },
        { role: 'agent', chars: SPOKEN.agent1.length, timestamp: at(2_500) },
        { role: 'user', chars: SPOKEN.caller2.length, timestamp: at(6_000) },
        { role: 'agent', chars: SPOKEN.agent2.length, timestamp: at(7_000), interrupted: true },
        { role: 'user', chars: SPOKEN.caller3.length, timestamp: at(9_000) },
        { role: 'agent', chars: SPOKEN.agent3.length, timestamp: at(15_200) },
      ]);
    });

    it('keeps tool names, outcomes and durations', () => {
      expect(bare.toolCalls).toEqual([
        { name: 'lookup_order', ok: true, durationMs: 120, timestamp: at(6_400) },
        { name: 'update_address', ok: false, durationMs: 5_000, timestamp: at(9_800) },
      ]);
      expect(bare.counts).toEqual({ userTurns: 3, agentTurns: 3, toolCalls: 2 });
    });
  });
});

describe('median', () => {
  it('is the middle value of an odd count and the mean of the two middle ones otherwise', () => {
    expect(median([300, 100, 200])).toBe(200);
    expect(median([400, 100, 300, 200])).toBe(250);
  });
});

describe('backoffDelayMs', () => {
  const timing = { ...DEFAULT_RETRY_TIMING, baseDelayMs: 1000, maxDelayMs: 5000 };

  it('doubles per attempt up to the cap, jittered between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, timing, () => 0.999999))).toEqual([1000, 2000, 4000, 5000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, timing, () => 0))).toEqual([500, 1000, 2000, 2500]);
  });
});
