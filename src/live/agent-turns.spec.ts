import { jest } from '@jest/globals';
import { pcm16ToMulaw } from '../audio/g711.js';
import { sineWave } from '../simulator/tones.js';
import { AgentTurns } from './agent-turns.js';

const mulaw = (samples: Int16Array) => pcm16ToMulaw(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
const tone = (ms: number) => mulaw(sineWave(8000, ms * 8, 300, 0.3));
const silence = (ms: number) => Buffer.alloc(ms * 8, 0xff);

describe('AgentTurns (speech gate over GPT-Live output audio)', () => {
  let log: string[];
  let audio: Buffer[];
  let turns: AgentTurns;

  beforeEach(() => {
    jest.useFakeTimers();
    log = [];
    audio = [];
    turns = new AgentTurns('pcmu', {
      started: (id) => log.push(`started ${id}`),
      audio: (_id, a) => audio.push(a),
      ended: (id) => log.push(`ended ${id}`),
    });
  });

  afterEach(() => {
    turns.dispose();
    jest.useRealTimers();
  });

  it('passes on no audio while the agent is silent (mu-law 0xFF), and opens a turn at speech', () => {
    for (let i = 0; i < 10; i++) turns.push(silence(100));
    expect(log).toEqual([]);
    expect(audio).toEqual([]);
    const speech = tone(100);
    turns.push(speech);
    expect(log).toEqual(['started live_turn_1']);
    expect(audio).toEqual([speech]);
  });

  it('keeps short pauses inside the turn and ends it after 800 ms of quiet audio', () => {
    turns.push(tone(200));
    for (let i = 0; i < 3; i++) turns.push(silence(100));
    turns.push(tone(200));
    expect(log).toEqual(['started live_turn_1']);
    for (let i = 0; i < 7; i++) turns.push(silence(100));
    expect(log).toEqual(['started live_turn_1']);
    turns.push(silence(100));
    expect(log).toEqual(['started live_turn_1', 'ended live_turn_1']);
    // Pause audio inside the turn is passed on (timing kept); silence after it is not.
    expect(audio).toHaveLength(1 + 3 + 1 + 8);
    turns.push(silence(100));
    expect(audio).toHaveLength(13);
    turns.push(tone(100));
    expect(log.at(-1)).toBe('started live_turn_2');
  });

  it('ends a turn when audio stops arriving at all', () => {
    turns.push(tone(300));
    jest.advanceTimersByTime(799);
    expect(log).toEqual(['started live_turn_1']);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['started live_turn_1', 'ended live_turn_1']);
  });

  it('waits for the agent transcript to go quiet before ending the turn', () => {
    turns.push(tone(200));
    jest.advanceTimersByTime(700);
    turns.transcriptActivity();
    jest.advanceTimersByTime(100);
    expect(log).toEqual(['started live_turn_1']);
    jest.advanceTimersByTime(400);
    expect(log).toEqual(['started live_turn_1', 'ended live_turn_1']);
  });

  it('measures 24 kHz PCM the same way', () => {
    const pcm = new AgentTurns('pcm16', {
      started: (id) => log.push(`started ${id}`),
      audio: () => undefined,
      ended: (id) => log.push(`ended ${id}`),
    });
    pcm.push(Buffer.alloc(4800));
    expect(log).toEqual([]);
    const s = sineWave(24000, 2400, 300, 0.3);
    pcm.push(Buffer.from(s.buffer));
    expect(log).toEqual(['started live_turn_1']);
    pcm.dispose();
  });
});
