import { Pcm16Decoder, Pcm16Output } from './pcm16.js';

/**
 * What the upsampler and the downsampler share: bytes in, a float work buffer holding the
 * filter's history followed by the new samples, int16 bytes out, and the stream's end.
 *
 * The history lives at the start of one linear buffer (not a ring) so the filter loops read
 * contiguous memory without wrap-around arithmetic; after each chunk the last `history`
 * samples are moved to the front. Everything is allocated once and grown only when a chunk is
 * bigger than any before it.
 */
export abstract class RateConverter {
  private readonly decoder = new Pcm16Decoder();
  protected readonly output = new Pcm16Output();
  /** [history | new samples]; history is `history` samples of the input that came before. */
  protected work: Float64Array;
  private samplesSinceReset = 0;

  protected constructor(
    /** Past input samples the filter needs to compute the output of the newest sample. */
    private readonly history: number,
    /** Input samples of silence that push the last real sample through the filter's delay. */
    private readonly flushSamples: number,
  ) {
    this.work = new Float64Array(history + 1024);
  }

  /** Converts a chunk of LE int16 bytes of any length (an odd byte is kept for the next chunk). */
  process(chunk: Uint8Array): Buffer {
    const n = this.decoder.samplesIn(chunk);
    this.ensureCapacity(n);
    this.decoder.decode(chunk, this.work, this.history);
    return this.convert(n);
  }

  /**
   * Ends the stream: emits the output the filter delay still held back (GROUP_DELAY worth), so
   * the last input sample is fully out, then resets for a new stream. A half sample left over
   * from an odd total byte count is dropped. Empty if nothing was processed since the reset.
   */
  flush(): Buffer {
    if (this.samplesSinceReset === 0) {
      this.reset();
      return Buffer.alloc(0);
    }
    const n = this.flushSamples;
    this.ensureCapacity(n);
    this.work.fill(0, this.history, this.history + n);
    const tail = this.convert(n);
    this.reset();
    return tail;
  }

  /** Forgets the stream (history, odd byte, phase) without emitting anything; e.g. on barge-in. */
  reset(): void {
    this.work.fill(0, 0, this.history);
    this.decoder.reset();
    this.samplesSinceReset = 0;
    this.resetPhase();
  }

  /**
   * Filters the n new samples at work[history..history+n) into this.output and returns how many
   * output samples it wrote.
   */
  protected abstract filter(n: number): number;

  /** Clears any per-stream position the subclass keeps besides the history. */
  protected abstract resetPhase(): void;

  private convert(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.samplesSinceReset += n;
    const produced = this.filter(n);
    this.work.copyWithin(0, n, n + this.history);
    return this.output.toBuffer(produced);
  }

  private ensureCapacity(n: number): void {
    const needed = this.history + n;
    if (this.work.length >= needed) return;
    const grown = new Float64Array(Math.max(needed, this.work.length * 2));
    grown.set(this.work.subarray(0, this.history));
    this.work = grown;
  }
}
