import { readFileSync } from 'node:fs';
import { readWav } from '../audio/wav/wav.js';
import { DEFAULT_FRAME_BYTES } from '../audio/framer.js';
import { errorText } from '../common/error-text.js';

/**
 * Audio the service itself plays into a call, prepared once at start-up as whole 20 ms frames of
 * 8 kHz 16-bit PCM: what AVR core plays without any further conversion.
 */
export function framesFromSamples(samples: Int16Array): Buffer[] {
  const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const frames: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += DEFAULT_FRAME_BYTES) {
    const frame = Buffer.alloc(DEFAULT_FRAME_BYTES); // the last one is padded with silence
    bytes.copy(frame, 0, off, Math.min(off + DEFAULT_FRAME_BYTES, bytes.length));
    frames.push(frame);
  }
  return frames;
}

/** A WAV file of any rate and channel count, as frames; throws with the file named when unreadable. */
export function loadWavFrames(path: string): Buffer[] {
  let audio;
  try {
    audio = readWav(readFileSync(path));
  } catch (err) {
    throw new Error(`${path}: ${errorText(err)}`, { cause: err });
  }
  if (audio.samples.length === 0) throw new Error(`${path}: holds no audio`);
  return framesFromSamples(audio.samples);
}

const RATE = 8000;

/**
 * The default sound while a slow tool works: a soft two-note chime (-26 dBFS, 660 then 880 Hz,
 * 120 ms each with raised-cosine edges) every 1.5 s. Quiet and sparse on purpose: it tells the
 * caller the line is alive without competing with the agent's next words.
 */
export function defaultWaitSound(): Buffer[] {
  const period = Math.round(1.5 * RATE);
  const note = Math.round(0.12 * RATE);
  const edge = Math.round(0.02 * RATE);
  const amplitude = 32767 * 10 ** (-26 / 20);
  const samples = new Int16Array(period);
  [660, 880].forEach((hz, n) => {
    const start = n * note;
    for (let i = 0; i < note; i++) {
      const rise =
        i < edge ? 0.5 - 0.5 * Math.cos((Math.PI * i) / edge) : i >= note - edge ? 0.5 - 0.5 * Math.cos((Math.PI * (note - i)) / edge) : 1;
      samples[start + i] = Math.round(amplitude * rise * Math.sin((2 * Math.PI * hz * i) / RATE));
    }
  });
  return framesFromSamples(samples);
}
