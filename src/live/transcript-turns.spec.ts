import { jest } from '@jest/globals';
import { TranscriptTurns, type TranscriptTurn } from './transcript-turns.js';

describe('TranscriptTurns', () => {
  let turns: TranscriptTurn[];
  let grouper: TranscriptTurns;

  beforeEach(() => {
    jest.useFakeTimers();
    turns = [];
    grouper = new TranscriptTurns(800, (t) => turns.push(t));
  });

  afterEach(() => {
    grouper.dispose();
    jest.useRealTimers();
  });

  it('concatenates fragments exactly as received into one turn, complete after the gap', () => {
    grouper.add({ text: 'What ', startMs: 1000, endMs: 1200 });
    grouper.add({ text: 'is the', startMs: 1200, endMs: 1400 });
    grouper.add({ text: ' time?', startMs: 1400, endMs: 1600 });
    jest.advanceTimersByTime(799);
    expect(turns).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(turns).toEqual([{ text: 'What is the time?', startMs: 1000, endMs: 1600 }]);
  });

  it('starts a new turn at a timeline gap longer than 800 ms, even when fragments arrive together', () => {
    grouper.add({ text: 'Yes.', startMs: 0, endMs: 400 });
    grouper.add({ text: 'And another thing.', startMs: 1300, endMs: 1800 });
    expect(turns.map((t) => t.text)).toEqual(['Yes.']);
    grouper.flush();
    expect(turns.map((t) => t.text)).toEqual(['Yes.', 'And another thing.']);
  });

  it('keeps fragments within the gap together, and drops turns of whitespace only', () => {
    grouper.add({ text: ' ', startMs: 0, endMs: 200 });
    jest.advanceTimersByTime(800);
    grouper.add({ text: 'One', startMs: 1000, endMs: 1200 });
    grouper.add({ text: ' two', startMs: 1900, endMs: 2100 });
    grouper.flush();
    expect(turns.map((t) => t.text)).toEqual(['One two']);
  });

  it('bounds the text of a turn that never pauses', () => {
    for (let i = 0; i < 5000; i++) grouper.add({ text: 'word word ', startMs: i * 100, endMs: i * 100 + 100 });
    grouper.flush();
    expect(turns).toHaveLength(1);
    expect(turns[0].text.length).toBeLessThanOrEqual(20_000);
  });
});
