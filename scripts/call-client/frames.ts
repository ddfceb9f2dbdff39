/** 20 ms of 8 kHz mono 16-bit: the unit AVR core sends and expects. */
export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;
export const FRAME_BYTES = FRAME_SAMPLES * 2;
export const BYTES_PER_SECOND = 16000;

/** How many 20 ms frames the input fills (the last one padded with silence). */
export function frameCount(samples: number): number {
  return Math.ceil(samples / FRAME_SAMPLES);
}

/** Frame `index` of the input as little-endian bytes; past the input's end it is silence. */
export function frameBytes(input: Int16Array, index: number): Buffer {
  const frame = Buffer.alloc(FRAME_BYTES);
  const start = index * FRAME_SAMPLES;
  const end = Math.min(start + FRAME_SAMPLES, input.length);
  for (let i = start; i < end; i++) frame.writeInt16LE(input[i], (i - start) * 2);
  return frame;
}

/** Little-endian 16-bit bytes (an odd trailing byte is dropped) to samples. */
export function bytesToSamples(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}
