import { sineWave } from './tones.js';
import { TurnDetector } from './turn-detector.js';

const RATE = 8000;
const loud = (ms: number) => sineWave(RATE, (RATE * ms) / 1000, 300, 0.3);
const quiet = (ms: number) => new Int16Array((RATE * ms) / 1000);

function detect(pieces: Int16Array[], pieceSize?: number) {
  const events: Array<{ type: 'start' | 'stop'; ms: number; samples?: number }> = [];
  const detector = new TurnDetector(
    RATE,
    { threshold: 0.02 },
    {
      speechStarted: (ms) => events.push({ type: 'start', ms }),
      speechStopped: (ms, utterance) => events.push({ type: 'stop', ms, samples: utterance.length }),
    },
  );
  const all = new Int16Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  const size = pieceSize ?? all.length;
  for (let i = 0; i < all.length; i += size) detector.push(all.subarray(i, i + size));
  return events;
}

describe('TurnDetector', () => {
  it('marks a turn from the first loud window to the last, after 500 ms of quiet', () => {
    expect(detect([quiet(300), loud(800), quiet(600)])).toEqual([
      { type: 'start', ms: 300 },
      { type: 'stop', ms: 1100, samples: 0.8 * RATE },
    ]);
  });

  it('gives the same answer whatever the append sizes', () => {
    const pieces = [quiet(300), loud(800), quiet(600)];
    expect(detect(pieces, 37)).toEqual(detect(pieces));
  });

  it('ignores a click shorter than the start time', () => {
    expect(detect([quiet(200), loud(40), quiet(600)])).toEqual([]);
  });

  it('keeps one turn across a pause shorter than the silence time', () => {
    const events = detect([loud(400), quiet(300), loud(400), quiet(600)]);
    expect(events).toEqual([
      { type: 'start', ms: 0 },
      { type: 'stop', ms: 1100, samples: 1.1 * RATE },
    ]);
  });

  it('caps what it keeps of a very long utterance', () => {
    const detector = new TurnDetector(
      RATE,
      { threshold: 0.02, maxUtteranceMs: 1000 },
      {
        speechStarted: () => undefined,
        speechStopped: (ms, utterance) => {
          expect(ms).toBe(3000);
          expect(utterance.length).toBe(RATE);
        },
      },
    );
    detector.push(loud(3000));
    detector.push(quiet(600));
    expect.assertions(2);
  });
});
