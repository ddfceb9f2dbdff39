import { jest } from '@jest/globals';
import { agentResponse, callEngine } from '../../test/support/call-engine-harness.js';

/**
 * What callers hear, pinned on the call engine alone: a real CallSession over an in-memory
 * UpstreamSession, on jest's clock (#21's behaviours that no test guarded).
 */
describe('CallSession over a fake UpstreamSession', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  async function started(env: Record<string, string> = {}) {
    const h = callEngine(env);
    await h.call.start();
    return { ...h, session: h.upstreams.last };
  }

  it('interrupts the client when the caller talks over agent audio still playing after response_done', async () => {
    const { session, sink, call } = await started();
    agentResponse(session, 'r1', 'item-1', 1000);
    await jest.advanceTimersByTimeAsync(300);
    session.emit({ type: 'caller_speech_started', itemId: 'caller-1' });
    expect(sink.interruptions).toBe(1);
    // The model is told what was heard: ~300 ms of the item.
    const [heard] = session.verbs('heard');
    expect(heard.args[0]).toBe('item-1');
    expect(heard.args[1]).toBeGreaterThanOrEqual(290);
    expect(heard.args[1]).toBeLessThanOrEqual(310);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('resets the play-out estimate on barge-in: the next speech is no second interruption', async () => {
    const { session, sink, call } = await started();
    agentResponse(session, 'r1', 'item-1', 2000);
    await jest.advanceTimersByTimeAsync(200);
    session.emit({ type: 'caller_speech_started', itemId: 'caller-1' });
    session.emit({ type: 'caller_speech_stopped' });
    await jest.advanceTimersByTimeAsync(300);
    session.emit({ type: 'caller_speech_started', itemId: 'caller-2' });
    expect(sink.interruptions).toBe(1);
    expect(session.verbs('heard')).toHaveLength(1);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('a hangup right after a barge-in does not wait for audio that will never play', async () => {
    const { session, tools, call } = await started({ CALL_CONTROL_WAIT_MS: '8000' });
    session.emit({ type: 'response_started', responseId: 'r1' });
    session.emit({ type: 'agent_audio', audio: Buffer.alloc(48 * 3000), itemId: 'item-1', responseId: 'r1' });
    await jest.advanceTimersByTimeAsync(100);
    session.emit({ type: 'caller_speech_started', itemId: 'caller-1' });
    session.emit({ type: 'response_done', responseId: 'r1', status: 'cancelled' });
    const bargedAt = Date.now();
    session.emit({ type: 'response_started', responseId: 'r2' });
    session.emit({ type: 'tool_call', callId: 'c1', name: 'avr_hangup', arguments: '{}', responseId: 'r2' });
    session.emit({ type: 'response_done', responseId: 'r2', status: 'completed' });
    await jest.advanceTimersByTimeAsync(50);
    expect(tools.runs.map((r) => [r.name, r.at - bargedAt])).toEqual([['avr_hangup', 0]]);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('keypresses made before the upstream is ready reach it once it is, exactly once, even across a reconnect', async () => {
    const h = callEngine({}, { autoOpen: false });
    const starting = h.call.start();
    await jest.advanceTimersByTimeAsync(0);
    h.call.dtmf('5');
    const first = h.upstreams.last;
    expect(first.verbs('addUserText')).toEqual([]);
    first.confirm();
    await starting;
    expect(first.verbs('addUserText').map((c) => c.args[0])).toEqual(['The caller pressed 5 on the keypad.']);
    first.drop();
    h.call.dtmf('7');
    await jest.advanceTimersByTimeAsync(100);
    const second = h.upstreams.last;
    expect(second).not.toBe(first);
    h.call.dtmf('8');
    second.confirm();
    await jest.advanceTimersByTimeAsync(0);
    expect(second.verbs('addUserText').map((c) => c.args[0])).toEqual([
      'The caller pressed 7 on the keypad.',
      'The caller pressed 8 on the keypad.',
    ]);
    expect(first.verbs('addUserText')).toHaveLength(1);
    h.call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('sends every function_call_output before the one respond() that follows the response', async () => {
    const { session, call } = await started();
    session.emit({ type: 'response_started', responseId: 'r1' });
    session.emit({ type: 'tool_call', callId: 'c1', name: 'lookup', arguments: '{}', responseId: 'r1' });
    session.emit({ type: 'tool_call', callId: 'c2', name: 'lookup', arguments: '{}', responseId: 'r1' });
    await jest.advanceTimersByTimeAsync(10);
    expect(session.verbs('respond')).toEqual([]);
    session.emit({ type: 'response_done', responseId: 'r1', status: 'completed' });
    await jest.advanceTimersByTimeAsync(10);
    expect(session.verbs('toolResult', 'respond').map((c) => [c.verb, c.args[0]])).toEqual([
      ['toolResult', 'c1'],
      ['toolResult', 'c2'],
      ['respond', undefined],
    ]);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it.each(['avr_transfer', 'avr_hangup'])('%s waits for the agent’s last words to play, and asks for no response after', async (tool) => {
    const { session, tools, call } = await started({ CALL_CONTROL_WAIT_MS: '8000' });
    session.emit({ type: 'response_started', responseId: 'r1' });
    session.emit({ type: 'agent_audio', audio: Buffer.alloc(48 * 1000), itemId: 'item-1', responseId: 'r1' });
    session.emit({ type: 'agent_audio_done', itemId: 'item-1', responseId: 'r1' });
    session.emit({ type: 'tool_call', callId: 'c1', name: tool, arguments: '{}', responseId: 'r1' });
    const calledAt = Date.now();
    session.emit({ type: 'response_done', responseId: 'r1', status: 'completed' });
    await jest.advanceTimersByTimeAsync(800);
    expect(tools.runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(400);
    expect(tools.runs).toHaveLength(1);
    // About one second of goodbye (plus the resampler's tail frame) played first.
    expect(tools.runs[0].at - calledAt).toBeGreaterThanOrEqual(1000);
    expect(tools.runs[0].at - calledAt).toBeLessThanOrEqual(1040);
    await jest.advanceTimersByTimeAsync(10);
    expect(session.verbs('toolResult')).toHaveLength(1);
    expect(session.verbs('respond')).toEqual([]);
    call.callerLeft();
    expect(call.isEnded).toBe(true);
  });

  it('a response asked for while the upstream is being replaced is asked of the new session', async () => {
    const h = callEngine({}, { autoOpen: false });
    const starting = h.call.start();
    await jest.advanceTimersByTimeAsync(0);
    h.upstreams.last.confirm();
    await starting;
    const first = h.upstreams.last;
    first.emit({ type: 'response_started', responseId: 'r1' });
    first.emit({ type: 'tool_call', callId: 'c1', name: 'lookup', arguments: '{}', responseId: 'r1' });
    first.emit({ type: 'response_done', responseId: 'r1', status: 'completed' });
    // The session drops before the tool's result is in.
    first.drop();
    await jest.advanceTimersByTimeAsync(100);
    const second = h.upstreams.last;
    expect(second).not.toBe(first);
    expect(first.verbs('respond')).toEqual([]);
    second.confirm();
    await jest.advanceTimersByTimeAsync(0);
    expect(second.verbs('respond')).toHaveLength(1);
    h.call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('rotates the session only between turns: never while the caller speaks or a response is active', async () => {
    const { upstreams, session, call, logs } = await started({ SESSION_ROTATE_AFTER_MS: '1000' });
    session.emit({ type: 'caller_speech_started', itemId: 'caller-1' });
    await jest.advanceTimersByTimeAsync(1600);
    expect(upstreams.sessions).toHaveLength(1);
    session.emit({ type: 'caller_speech_stopped' });
    session.emit({ type: 'response_started', responseId: 'r1' });
    await jest.advanceTimersByTimeAsync(1000);
    expect(upstreams.sessions).toHaveLength(1);
    session.emit({ type: 'response_done', responseId: 'r1', status: 'completed' });
    await jest.advanceTimersByTimeAsync(600);
    expect(upstreams.sessions).toHaveLength(2);
    expect(session.verbs('close')).toHaveLength(1);
    expect(logs.find((l) => l.msg === 'upstream session replaced')).toMatchObject({ cause: 'rotation' });
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('counts upstream switches by cause', async () => {
    const { session, metrics, upstreams, call } = await started();
    session.drop();
    await jest.advanceTimersByTimeAsync(100);
    expect(upstreams.sessions).toHaveLength(2);
    const values = (await metrics.upstreamSwitches.get()).values;
    expect(values.find((v) => v.labels.cause === 'dropped')?.value).toBe(1);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('ending the call leaves no timer behind (back-off, rotation, play-out waits)', async () => {
    const { session, call } = await started({ SESSION_ROTATE_AFTER_MS: '60000', CALL_CONTROL_WAIT_MS: '8000' });
    session.emit({ type: 'response_started', responseId: 'r1' });
    session.emit({ type: 'agent_audio', audio: Buffer.alloc(48 * 5000), itemId: 'item-1', responseId: 'r1' });
    session.emit({ type: 'tool_call', callId: 'c1', name: 'avr_hangup', arguments: '{}', responseId: 'r1' });
    await jest.advanceTimersByTimeAsync(10);
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    call.end({ outcome: 'caller_hung_up', reason: 'test' });
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('UpstreamLink storm guards (#20)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 5_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('a session that does not live a few seconds does not refresh the retry budget: the call ends', async () => {
    const h = callEngine({ UPSTREAM_RECONNECT_ATTEMPTS: '3' });
    await h.call.start();
    // Each new session drops at once, as an upstream that accepts and then closes.
    for (let i = 0; i < 10 && !h.call.isEnded; i++) {
      h.upstreams.last.drop();
      await jest.advanceTimersByTimeAsync(2000);
    }
    expect(h.call.isEnded).toBe(true);
    // The first session, then one streak of 1 + 3 connects.
    expect(h.upstreams.sessions).toHaveLength(5);
    expect(h.sink.ended).toMatchObject({ outcome: 'upstream_failed' });
  });

  it('every replacement waits its back-off, the first one too', async () => {
    const h = callEngine({ UPSTREAM_RECONNECT_BASE_MS: '1000' });
    await h.call.start();
    h.upstreams.last.drop();
    await jest.advanceTimersByTimeAsync(400);
    expect(h.upstreams.sessions).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1200);
    expect(h.upstreams.sessions).toHaveLength(2);
    h.call.end({ outcome: 'caller_hung_up', reason: 'test' });
  });

  it('caps the sessions one call opens in a minute, ending it with a clear reason', async () => {
    const h = callEngine({ UPSTREAM_MAX_SESSIONS_PER_MINUTE: '4', UPSTREAM_RECONNECT_ATTEMPTS: '20' });
    await h.call.start();
    // Sessions that live long enough to keep the budget fresh, but churn every 6 s.
    for (let i = 0; i < 10 && !h.call.isEnded; i++) {
      await jest.advanceTimersByTimeAsync(6000);
      h.upstreams.last.drop();
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(h.call.isEnded).toBe(true);
    expect(h.upstreams.sessions).toHaveLength(4);
    expect(h.sink.ended?.reason).toMatch(/upstream sessions opened too often \(4 in the last minute, UPSTREAM_MAX_SESSIONS_PER_MINUTE=4\)/);
  });

  it('a loss no new session can heal ends the call without another connect', async () => {
    const h = callEngine();
    await h.call.start();
    h.upstreams.last.drop(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(h.upstreams.sessions).toHaveLength(1);
    expect(h.sink.ended).toMatchObject({ outcome: 'upstream_failed' });
  });
});
