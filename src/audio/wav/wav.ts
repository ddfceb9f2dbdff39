/**
 * Recordings in and out of WAV files: the call client's caller and reply, and the service's own
 * announcements (read and converted once at start-up, never on the audio path).
 */
import { toMono8k } from './resample.js';

/** PCM as the WAV file holds it, decoded to floats in [-1, 1) and mixed down to one channel. */
export interface DecodedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
  mono: Float64Array;
}

export interface WavAudio {
  /** The file's own rate and channel count (the samples are already converted). */
  sampleRate: number;
  channels: number;
  /** 8 kHz mono 16-bit, what AVR core sends. */
  samples: Int16Array;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
const KNOWN_FORMATS: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0006: 'A-law', 0x0007: 'mu-law', 0x0011: 'IMA ADPCM', 0x0055: 'MP3' };
const SUPPORTED = 'supported: PCM 8/16/24/32-bit and IEEE float 32/64-bit';

class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

interface FmtChunk {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

/** Reads a WAV file into 8 kHz mono 16-bit samples, whatever its rate and channel count. */
export function readWav(buf: Buffer): WavAudio {
  const wav = decodeWav(buf);
  return { sampleRate: wav.sampleRate, channels: wav.channels, samples: toMono8k(wav.mono, wav.sampleRate) };
}

/** Parses RIFF/WAVE, skipping chunks other than fmt and data, and decodes the samples. */
export function decodeWav(buf: Buffer): DecodedWav {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    const head = buf.toString('latin1', 0, 4);
    const hint = head === 'RF64' ? ' (RF64 is not supported)' : '';
    throw new WavFormatError(`not a WAV file: no RIFF/WAVE header${hint}`);
  }
  let fmt: FmtChunk | undefined;
  let data: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length && !(fmt && data)) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') fmt = parseFmt(buf.subarray(body, body + size));
    // A data size past the end is what streaming writers leave (they cannot seek back to fix
    // it) or a truncated file: take the bytes that are there.
    if (id === 'data') data = buf.subarray(body, Math.min(body + size, buf.length));
    // Chunks are word aligned: an odd-sized chunk is followed by one pad byte.
    offset = body + size + (size & 1);
  }
  if (!fmt) throw new WavFormatError('invalid WAV file: no fmt chunk');
  if (!data) throw new WavFormatError('invalid WAV file: no data chunk');
  return decodeSamples(fmt, data);
}

function parseFmt(chunk: Buffer): FmtChunk {
  if (chunk.length < 16) throw new WavFormatError(`invalid WAV file: fmt chunk is ${chunk.length} bytes, expected at least 16`);
  let formatTag = chunk.readUInt16LE(0);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
  if (formatTag === FORMAT_EXTENSIBLE && chunk.length >= 26) formatTag = chunk.readUInt16LE(24);
  return {
    formatTag,
    channels: chunk.readUInt16LE(2),
    sampleRate: chunk.readUInt32LE(4),
    blockAlign: chunk.readUInt16LE(12),
    bitsPerSample: chunk.readUInt16LE(14),
  };
}

function decodeSamples(fmt: FmtChunk, data: Buffer): DecodedWav {
  const { formatTag, channels, sampleRate, bitsPerSample } = fmt;
  if (formatTag !== FORMAT_PCM && formatTag !== FORMAT_FLOAT) {
    const name = KNOWN_FORMATS[formatTag] ?? 'unknown';
    throw new WavFormatError(`unsupported WAV encoding: format 0x${formatTag.toString(16).padStart(4, '0')} (${name}); ${SUPPORTED}`);
  }
  const encoding = formatTag === FORMAT_FLOAT ? 'float' : 'pcm';
  const readSample = sampleReader(encoding, bitsPerSample);
  if (channels < 1) throw new WavFormatError('invalid WAV file: 0 channels');
  if (sampleRate < 1000 || sampleRate > 768_000) throw new WavFormatError(`unsupported WAV sample rate: ${sampleRate} Hz`);
  const bytesPerSample = bitsPerSample / 8;
  const frameBytes = Math.max(fmt.blockAlign, bytesPerSample * channels);
  const frames = Math.floor(data.length / frameBytes);
  const mono = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += readSample(data, f * frameBytes + c * bytesPerSample);
    mono[f] = sum / channels;
  }
  return { sampleRate, channels, bitsPerSample, encoding, mono };
}

type SampleReader = (buf: Buffer, at: number) => number;

function sampleReader(encoding: 'pcm' | 'float', bits: number): SampleReader {
  if (encoding === 'float') {
    if (bits === 32) return (b, at) => b.readFloatLE(at);
    if (bits === 64) return (b, at) => b.readDoubleLE(at);
  } else {
    // 8-bit WAV is unsigned (offset 128); wider PCM is signed little endian.
    if (bits === 8) return (b, at) => (b[at] - 128) / 128;
    if (bits === 16) return (b, at) => b.readInt16LE(at) / 32768;
    if (bits === 24) return (b, at) => b.readIntLE(at, 3) / 8388608;
    if (bits === 32) return (b, at) => b.readInt32LE(at) / 2147483648;
  }
  throw new WavFormatError(`unsupported WAV sample size: ${bits}-bit ${encoding === 'float' ? 'float' : 'PCM'}; ${SUPPORTED}`);
}

/** A canonical 44-byte-header WAV of mono 16-bit samples. */
export function writeWav(samples: Int16Array, rate = 8000): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVEfmt ', 8, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(FORMAT_PCM, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i], 44 + i * 2);
  return buf;
}
