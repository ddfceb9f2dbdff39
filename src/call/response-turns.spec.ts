import { jest } from '@jest/globals';
import { ResponseTurns, type ResponseRequest, type TurnState } from './response-turns.js';

describe('ResponseTurns', () => {
  function turns(canAsk = () => true) {
    const asked: ResponseRequest[] = [];
    const states: Array<[TurnState, TurnState]> = [];
    const t = new ResponseTurns({
      ask: (r) => (canAsk() ? (asked.push(r), true) : false),
      stateChanged: (from, to) => states.push([from, to]),
    });
    return { t, asked, states };
  }

  it('asks for one response at a time; a request made meanwhile waits as the one queued request, the later replacing it', () => {
    const { t, asked } = turns();
    t.request({ instructions: 'first' });
    t.request({ instructions: 'second' });
    t.request({ instructions: 'third' });
    expect(asked).toEqual([{ instructions: 'first' }]);
    t.started('r1');
    t.done('r1');
    expect(asked).toEqual([{ instructions: 'first' }, { instructions: 'third' }]);
    expect(t.state).toBe('requested');
  });

  it('moves idle -> requested -> speaking -> cancelling -> idle on a barge-in, dropping that response only', () => {
    const { t, states } = turns();
    t.request();
    t.started('r1');
    expect(t.bargeIn()).toBe(true);
    expect(t.isDropped('r1')).toBe(true);
    expect(t.isDropped('r2')).toBe(false);
    t.done('r1');
    expect(t.isDropped('r1')).toBe(false);
    expect(states).toEqual([
      ['idle', 'requested'],
      ['requested', 'speaking'],
      ['speaking', 'cancelling'],
      ['cancelling', 'idle'],
    ]);
    expect(t.bargeIn()).toBe(false);
  });

  it('keeps a request no session can take until one can (flush), or hands it over on reset', () => {
    let ready = false;
    const { t, asked } = turns(() => ready);
    t.request({ instructions: 'while switching' });
    expect(asked).toEqual([]);
    expect(t.state).toBe('idle');
    ready = true;
    t.flush();
    expect(asked).toEqual([{ instructions: 'while switching' }]);
    t.done(undefined);
    ready = false;
    t.request({ instructions: 'lost with the session' });
    expect(t.reset()).toEqual({ wasSpeaking: false, queued: { instructions: 'lost with the session' } });
  });

  it('whenIdle resolves at the end of the turn, after maxMs at the latest, or at once on abort', async () => {
    jest.useFakeTimers();
    try {
      const { t } = turns();
      const abort = new AbortController();
      t.request();
      let idle = false;
      void t.whenIdle(10_000, abort.signal).then(() => (idle = true));
      await jest.advanceTimersByTimeAsync(100);
      expect(idle).toBe(false);
      t.done(undefined);
      await jest.advanceTimersByTimeAsync(0);
      expect(idle).toBe(true);
      t.request();
      let timedOut = false;
      void t.whenIdle(500, abort.signal).then(() => (timedOut = true));
      await jest.advanceTimersByTimeAsync(500);
      expect(timedOut).toBe(true);
      let aborted = false;
      void t.whenIdle(10_000, abort.signal).then(() => (aborted = true));
      abort.abort();
      await jest.advanceTimersByTimeAsync(0);
      expect(aborted).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
