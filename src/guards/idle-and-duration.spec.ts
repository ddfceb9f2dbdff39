import { jest } from '@jest/globals';
import { IdleAndDurationGuard, type IdleAndDurationListener } from './idle-and-duration.js';

function recorder() {
  const said: string[] = [];
  const listener: IdleAndDurationListener = {
    checkIn: (n) => said.push(`check-in ${n}`),
    giveUpSilent: () => said.push('give up'),
    wrapUp: () => said.push('wrap up'),
    limitReached: () => said.push('limit'),
  };
  return { said, listener };
}

describe('IdleAndDurationGuard', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settings = { idlePromptMs: 8000, idleMaxPrompts: 2, maxCallSeconds: 0, wrapUpSeconds: 0 };

  it('checks in on a silent caller after the idle time, then gives up after the configured check-ins', () => {
    const { said, listener } = recorder();
    new IdleAndDurationGuard(settings, listener, new AbortController().signal).start();
    jest.advanceTimersByTime(7999);
    expect(said).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(said).toEqual(['check-in 1']);
    // A check-in whose reply never starts counts as unanswered after twice the idle time.
    jest.advanceTimersByTime(15999);
    expect(said).toEqual(['check-in 1']);
    jest.advanceTimersByTime(1);
    expect(said).toEqual(['check-in 1', 'check-in 2']);
    jest.advanceTimersByTime(16000);
    expect(said).toEqual(['check-in 1', 'check-in 2', 'give up']);
    jest.advanceTimersByTime(60000);
    expect(said).toHaveLength(3);
  });

  it('counts check-ins again from zero once the caller answers', () => {
    const { said, listener } = recorder();
    const guard = new IdleAndDurationGuard(settings, listener, new AbortController().signal);
    guard.start();
    jest.advanceTimersByTime(8000);
    guard.busy(); // the check-in plays
    guard.idle();
    jest.advanceTimersByTime(8000);
    expect(said).toEqual(['check-in 1', 'check-in 2']);
    guard.callerActive();
    jest.advanceTimersByTime(8000);
    expect(said).toEqual(['check-in 1', 'check-in 2', 'check-in 1']);
  });

  it('holds the idle clock while the agent speaks or a tool works, and restarts it from zero after', () => {
    const { said, listener } = recorder();
    const guard = new IdleAndDurationGuard(settings, listener, new AbortController().signal);
    guard.start();
    jest.advanceTimersByTime(5000);
    guard.busy(); // agent speaking
    guard.busy(); // and a tool running
    jest.advanceTimersByTime(30000);
    guard.idle();
    jest.advanceTimersByTime(30000);
    expect(said).toEqual([]); // the tool still works
    guard.idle();
    jest.advanceTimersByTime(7999);
    expect(said).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(said).toEqual(['check-in 1']);
  });

  it('tells the model to wrap up before the limit and reports the limit', () => {
    const { said, listener } = recorder();
    new IdleAndDurationGuard(
      { idlePromptMs: 0, idleMaxPrompts: 1, maxCallSeconds: 300, wrapUpSeconds: 30 },
      listener,
      new AbortController().signal,
    ).start();
    jest.advanceTimersByTime(269_999);
    expect(said).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(said).toEqual(['wrap up']);
    jest.advanceTimersByTime(30_000);
    expect(said).toEqual(['wrap up', 'limit']);
  });

  it('leaves no timer once the call ends (its signal aborts)', () => {
    const { said, listener } = recorder();
    const call = new AbortController();
    new IdleAndDurationGuard({ ...settings, maxCallSeconds: 60, wrapUpSeconds: 10 }, listener, call.signal).start();
    call.abort();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(120_000);
    expect(said).toEqual([]);
  });
});
