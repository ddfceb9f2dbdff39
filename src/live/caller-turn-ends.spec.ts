import { CallerTurnEnds } from './caller-turn-ends.js';

function ends() {
  const reported: number[] = [];
  return { turns: new CallerTurnEnds((at) => reported.push(at)), reported };
}

describe('CallerTurnEnds', () => {
  it('reports the last caller fragment before an agent turn, once, when the turn ends', () => {
    const { turns, reported } = ends();
    turns.fragment(1000, 1200);
    turns.fragment(1200, 1600);
    turns.agentTurnStarted(2100);
    expect(reported).toEqual([]);
    turns.agentTurnEnded();
    turns.agentTurnEnded();
    expect(reported).toEqual([1600]);
  });

  it('takes a late transcript of words said before the agent began for that turn', () => {
    const { turns, reported } = ends();
    turns.fragment(1000, 1200);
    turns.agentTurnStarted(2100);
    // Transcribed after the agent began, but said before.
    turns.fragment(1200, 1800);
    turns.agentTurnEnded();
    expect(reported).toEqual([1800]);
  });

  it('settles a turn as soon as the caller speaks again after it began (before a barge-in), and counts that speech for the next', () => {
    const { turns, reported } = ends();
    turns.fragment(1000, 1400);
    turns.agentTurnStarted(2000);
    turns.fragment(2600, 2800);
    expect(reported).toEqual([1400]);
    // Too late for the settled turn, and said before the next one: it answers nothing.
    turns.fragment(1500, 1700);
    turns.fragment(2800, 3300);
    turns.agentTurnEnded();
    turns.agentTurnStarted(4000);
    turns.agentTurnEnded();
    expect(reported).toEqual([1400, 3300]);
  });

  it('reports nothing for an agent turn without caller speech before it (a greeting, a second turn in a row)', () => {
    const { turns, reported } = ends();
    turns.agentTurnStarted(500);
    turns.agentTurnEnded();
    turns.fragment(900, 1200);
    turns.agentTurnStarted(1900);
    turns.agentTurnStarted(3500);
    turns.agentTurnEnded();
    expect(reported).toEqual([1200]);
  });

  it('reports nothing for a turn whose caller speech runs past the agent start (clock skew): skipped, not clamped', () => {
    const { turns, reported } = ends();
    turns.fragment(1000, 1400);
    turns.agentTurnStarted(2000);
    turns.fragment(1400, 2050);
    turns.agentTurnEnded();
    // Or, already in hand when the turn opens, it ends after the turn's start.
    turns.fragment(2500, 3100);
    turns.agentTurnStarted(3000);
    turns.agentTurnEnded();
    expect(reported).toEqual([]);
  });
});
