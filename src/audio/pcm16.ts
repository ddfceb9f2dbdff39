/**
 * Moving 16-bit little-endian PCM between bytes and the converters' float work buffers.
 *
 * Input may start at any byteOffset and end half way through a sample (a Buffer from a socket
 * can sit at an odd address, a chunk can split a sample): an aligned run is converted through
 * an Int16Array view, a misaligned one byte by byte, with the same result. Output
 * is written into an Int16Array scratch and copied out in one memcpy when the host is little
 * endian (every platform Node ships on today); a big-endian host gets a byte-swapping path.
 */

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes LE int16 bytes into floats, carrying a dangling odd byte over to the next chunk. */
export class Pcm16Decoder {
  /** The low byte of a sample whose high byte has not arrived yet, or -1. */
  private carry = -1;

  /** How many whole samples decode(chunk) will produce. */
  samplesIn(chunk: Uint8Array): number {
    return (chunk.length + (this.carry >= 0 ? 1 : 0)) >> 1;
  }

  /** Writes samplesIn(chunk) samples to dest from index at. */
  decode(chunk: Uint8Array, dest: Float64Array, at: number): void {
    const len = chunk.length;
    let i = 0;
    let o = at;
    if (this.carry >= 0 && len > 0) {
      dest[o++] = (((chunk[0] << 8) | this.carry) << 16) >> 16;
      this.carry = -1;
      i = 1;
    }
    const count = (len - i) >> 1;
    const start = chunk.byteOffset + i;
    if (IS_LITTLE_ENDIAN && (start & 1) === 0 && count > 0) {
      // Aligned: one native int16 -> float64 conversion, ~3x faster than assembling bytes.
      dest.set(new Int16Array(chunk.buffer, start, count), o);
      i += count * 2;
    } else {
      const end = i + count * 2;
      for (; i < end; i += 2) dest[o++] = (((chunk[i + 1] << 8) | chunk[i]) << 16) >> 16;
    }
    if (i < len) this.carry = chunk[i];
  }

  reset(): void {
    this.carry = -1;
  }
}

/** A growable Int16Array the converters write their output into before it becomes a Buffer. */
export class Pcm16Output {
  samples = new Int16Array(0);
  private bytes = new Uint8Array(0);

  /** Makes room for n samples; returns the array to write (valid until the next call). */
  reserve(n: number): Int16Array {
    if (this.samples.length < n) {
      this.samples = new Int16Array(Math.max(n, this.samples.length * 2));
      this.bytes = new Uint8Array(this.samples.buffer);
    }
    return this.samples;
  }

  /** Copies the first n samples into a fresh LE Buffer the caller owns. */
  toBuffer(n: number): Buffer {
    const out = Buffer.allocUnsafe(n * 2);
    if (IS_LITTLE_ENDIAN) {
      out.set(this.bytes.subarray(0, n * 2));
    } else {
      const s = this.samples;
      for (let i = 0; i < n; i++) {
        out[2 * i] = s[i] & 0xff;
        out[2 * i + 1] = (s[i] >> 8) & 0xff;
      }
    }
    return out;
  }
}

/** Rounds to the nearest int16, saturating: loud input clips instead of wrapping around. */
export function toInt16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
