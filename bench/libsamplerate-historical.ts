import libsamplerate from '@alexanderolsen/libsamplerate-js';

type Src = Awaited<ReturnType<typeof libsamplerate.create>>;
export type ConverterName = 'SRC_SINC_BEST_QUALITY' | 'SRC_SINC_FASTEST';

/**
 * libsamplerate-js used the way the historical gateway code did: per chunk, Int16 samples are
 * copied into a new Float32Array scaled to [-1, 1), converted with the streaming `full()` API,
 * and copied back into a new Int16Array (clamped; 0x8000 below zero, 0x7fff above).
 */
export class HistoricalLibsamplerate {
  private constructor(private readonly src: Src) {}

  static async create(inputRate: number, outputRate: number, type: ConverterName): Promise<HistoricalLibsamplerate> {
    const src = await libsamplerate.create(1, inputRate, outputRate, {
      converterType: libsamplerate.ConverterType[type],
    });
    return new HistoricalLibsamplerate(src);
  }

  process(chunk: Buffer): Buffer {
    const int16 = new Int16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1);
    const input = new Float32Array(int16.length);
    for (let i = 0; i < int16.length; i++) input[i] = int16[i] / 32768;
    const output = this.src.full(input);
    const out16 = new Int16Array(output.length);
    for (let i = 0; i < output.length; i++) {
      const s = Math.max(-1, Math.min(1, output[i]));
      out16[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
    }
    return Buffer.from(out16.buffer, out16.byteOffset, out16.byteLength);
  }

  /** A whole signal through the stateless `simple()` API (the same converter), for quality. */
  convertWhole(x: Int16Array): Int16Array {
    const input = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) input[i] = x[i] / 32768;
    const output = this.src.simple(input);
    const out16 = new Int16Array(output.length);
    for (let i = 0; i < output.length; i++) {
      const s = Math.max(-1, Math.min(1, output[i]));
      out16[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
    }
    return out16;
  }

  destroy(): void {
    this.src.destroy();
  }
}
