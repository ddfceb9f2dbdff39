import { jest } from '@jest/globals';
import { Downsampler, Framer } from '../audio/index.js';
import { AgentAudioPath, TRUNCATE_MARGIN_MS } from './agent-audio.js';

/** 24 kHz 16-bit audio of the given length, as an upstream delta. */
function delta24k(ms: number): Buffer {
  const pcm = Buffer.alloc(ms * 48);
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), i * 2);
  return pcm;
}

describe('AgentAudioPath', () => {
  afterEach(() => jest.restoreAllMocks());

  function path() {
    const frames: Buffer[] = [];
    const started: string[] = [];
    const agent = new AgentAudioPath(
      'pcm16',
      new Downsampler(),
      new Framer(),
      (f) => frames.push(f),
      (id) => started.push(id),
    );
    return { agent, frames, started };
  }

  it('cuts a response into whole 20 ms frames and flushes the tail at its end', () => {
    const { agent, frames, started } = path();
    agent.delta('item-1', delta24k(100));
    agent.delta('item-1', delta24k(200));
    agent.finish();
    expect(new Set(frames.map((f) => f.length))).toEqual(new Set([320]));
    // 300 ms plus the resampler's 1.875 ms tail, padded to a whole frame.
    expect(frames).toHaveLength(16);
    expect(started).toEqual(['item-1']);
  });

  it('stays a margin below the audio the upstream sent for the item, though more was sent to the caller', () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent, frames } = path();
    agent.delta('item-1', delta24k(300));
    agent.finish();
    expect(frames.length * 20).toBe(320);
    // The caller has been listening for 290 ms of the item's 300 ms (320 ms sent with the tail).
    now += 290;
    const [heard] = agent.interrupt();
    expect(heard).toMatchObject({ itemId: 'item-1', sentMs: 320, itemMs: 300 });
    expect(heard.audioEndMs).toBe(300 - TRUNCATE_MARGIN_MS);
  });

  it('does not truncate an item the caller heard to its end', () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent } = path();
    agent.delta('item-1', delta24k(300));
    agent.finish();
    now += 330;
    expect(agent.interrupt()).toEqual([]);
  });

  it('truncates at the wall-clock time heard when the caller interrupts early', () => {
    let now = 5_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent } = path();
    agent.delta('item-2', delta24k(1000));
    now += 120;
    expect(agent.interrupt()).toMatchObject([{ itemId: 'item-2', audioEndMs: 120 }]);
  });

  it('counts a second item from when it began to play, after the first, not from when it was sent', () => {
    let now = 10_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent } = path();
    // Both items arrive at once, faster than real time: the second plays after the first's 1000 ms.
    agent.delta('item-a', delta24k(1000));
    agent.finish();
    agent.delta('item-b', delta24k(1000));
    agent.finish();
    now += 1300;
    const heard = agent.interrupt();
    expect(heard.map((h) => h.itemId)).toEqual(['item-b']);
    // item-a's frames (1000 ms + the resampler's tail frame) played first; about 280 ms of item-b since.
    expect(heard[0].audioEndMs).toBeGreaterThanOrEqual(270);
    expect(heard[0].audioEndMs).toBeLessThanOrEqual(300);
  });

  it('a reply queued behind audio still playing is heard from 0 when the caller barges in first', () => {
    let now = 20_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent } = path();
    agent.delta('item-a', delta24k(1000));
    agent.finish();
    agent.delta('item-b', delta24k(500));
    now += 400;
    expect(agent.interrupt()).toMatchObject([
      { itemId: 'item-a', audioEndMs: 400 },
      { itemId: 'item-b', audioEndMs: 0 },
    ]);
    expect(agent.playoutRemainingMs()).toBe(0);
  });
});
