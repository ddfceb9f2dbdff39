/** 20 ms of 8 kHz 16-bit mono: what AVR core expects per audio packet. */
export const DEFAULT_FRAME_BYTES = 320;

/**
 * Cuts a byte stream of any chunking into fixed-size frames. The remainder waits for the next
 * chunk; flush() pads the last partial frame with silence (zero bytes) so the end of an agent
 * response is not lost; clear() drops what waits (barge-in).
 *
 * Every emitted frame is a fresh Buffer the receiver may keep: neither the framer nor the
 * caller's input chunk is aliased by it.
 */
export class Framer {
  private readonly pending: Uint8Array;
  private filled = 0;

  constructor(readonly frameBytes = DEFAULT_FRAME_BYTES) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
    this.pending = new Uint8Array(frameBytes);
  }

  /** Bytes waiting for the rest of their frame. */
  get pendingBytes(): number {
    return this.filled;
  }

  push(chunk: Uint8Array, emit: (frame: Buffer) => void): void {
    const size = this.frameBytes;
    let offset = 0;
    if (this.filled > 0) {
      const take = Math.min(size - this.filled, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < size) return;
      this.filled = 0;
      emit(Buffer.from(this.pending));
    }
    const whole = Math.floor((chunk.length - offset) / size);
    if (whole > 0) {
      // One allocation for all whole frames of the chunk; each frame is a view of its own slice.
      const frames = Buffer.allocUnsafe(whole * size);
      frames.set(chunk.subarray(offset, offset + whole * size));
      offset += whole * size;
      for (let f = 0; f < whole; f++) emit(frames.subarray(f * size, (f + 1) * size));
    }
    if (offset < chunk.length) {
      this.pending.set(chunk.subarray(offset), 0);
      this.filled = chunk.length - offset;
    }
  }

  /** Emits the partial frame, if any, padded with silence to a whole frame. */
  flush(emit: (frame: Buffer) => void): void {
    if (this.filled === 0) return;
    const frame = Buffer.alloc(this.frameBytes);
    frame.set(this.pending.subarray(0, this.filled));
    this.filled = 0;
    emit(frame);
  }

  /** Drops the partial frame; returns how many bytes were dropped. */
  clear(): number {
    const dropped = this.filled;
    this.filled = 0;
    return dropped;
  }
}
