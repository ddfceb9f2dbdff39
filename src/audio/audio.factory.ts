import { Injectable } from '@nestjs/common';
import { Downsampler } from './downsampler.js';
import { Framer } from './framer.js';
import { Upsampler } from './upsampler.js';

/** Hands out the per-call audio converters; each call gets its own, since they carry state. */
@Injectable()
export class AudioFactory {
  /** Caller audio, 8 kHz -> 24 kHz. */
  createUpsampler(): Upsampler {
    return new Upsampler();
  }

  /** Agent audio, 24 kHz -> 8 kHz. */
  createDownsampler(): Downsampler {
    return new Downsampler();
  }

  /** Agent audio into fixed frames; 320 bytes (20 ms at 8 kHz) unless told otherwise. */
  createFramer(frameBytes?: number): Framer {
    return new Framer(frameBytes);
  }
}
