import { jest } from '@jest/globals';
import { Downsampler, Framer } from '../audio/index.js';
import { AgentAudioPath } from './agent-audio.js';

/** 24 kHz 16-bit audio of the given length, as an upstream delta (base64). */
function delta24k(ms: number): string {
  const pcm = Buffer.alloc(ms * 48);
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), i * 2);
  return pcm.toString('base64');
}

describe('AgentAudioPath', () => {
  afterEach(() => jest.restoreAllMocks());

  function path() {
    const frames: Buffer[] = [];
    const started: string[] = [];
    const agent = new AgentAudioPath('pcm16', new Downsampler(), new Framer(), (f) => frames.push(f), (id) => started.push(id));
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

  it('never truncates past the audio the upstream sent for the item, though more was sent to the caller', () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent, frames } = path();
    agent.delta('item-1', delta24k(300));
    agent.finish();
    expect(frames.length * 20).toBe(320);
    // The caller has been listening for 310 ms: past the item's 300 ms, short of the 320 ms sent.
    now += 310;
    const heard = agent.interrupt()!;
    expect(heard).toMatchObject({ itemId: 'item-1', sentMs: 320, itemMs: 300 });
    expect(heard.audioEndMs).toBe(300);
  });

  it('truncates at the wall-clock time heard when the caller interrupts early', () => {
    let now = 5_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { agent } = path();
    agent.delta('item-2', delta24k(1000));
    now += 120;
    expect(agent.interrupt()).toMatchObject({ itemId: 'item-2', audioEndMs: 120 });
  });
});
