import { Downsampler } from '../audio/downsampler.js';
import { alawToPcm16, mulawToPcm16, pcm16ToAlaw, pcm16ToMulaw } from '../audio/g711.js';
import { Upsampler } from '../audio/upsampler.js';

/** The three GA session audio formats: 16-bit PCM at 24 kHz, or G.711 at 8 kHz. */
export type RealtimeAudioFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

export const PCM_24K: RealtimeAudioFormat = { type: 'audio/pcm', rate: 24000 };

/** Reads a format out of a client's session; undefined when it is not one the GA interface knows. */
export function parseAudioFormat(value: unknown): RealtimeAudioFormat | undefined {
  const type = (value as { type?: unknown } | null | undefined)?.type;
  if (type === 'audio/pcm') return PCM_24K;
  if (type === 'audio/pcmu' || type === 'audio/pcma') return { type };
  return undefined;
}

export function sampleRateOf(format: RealtimeAudioFormat): number {
  return format.type === 'audio/pcm' ? 24000 : 8000;
}

function bytesPerSample(format: RealtimeAudioFormat): number {
  return format.type === 'audio/pcm' ? 2 : 1;
}

function bytesForMs(format: RealtimeAudioFormat, ms: number): number {
  return Math.round((sampleRateOf(format) * ms) / 1000) * bytesPerSample(format);
}

export function msForBytes(format: RealtimeAudioFormat, bytes: number): number {
  return (bytes / bytesPerSample(format) / sampleRateOf(format)) * 1000;
}

function samplesOf(pcm: Buffer): Int16Array {
  const samples = new Int16Array(pcm.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
  return samples;
}

function bytesOf(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], i * 2);
  return out;
}

export function decodeToPcm16(bytes: Buffer, format: RealtimeAudioFormat): Int16Array {
  if (format.type === 'audio/pcmu') return samplesOf(mulawToPcm16(bytes));
  if (format.type === 'audio/pcma') return samplesOf(alawToPcm16(bytes));
  return samplesOf(bytes);
}

export function encodeFromPcm16(samples: Int16Array, format: RealtimeAudioFormat): Buffer {
  const pcm = bytesOf(samples);
  if (format.type === 'audio/pcmu') return pcm16ToMulaw(pcm);
  if (format.type === 'audio/pcma') return pcm16ToAlaw(pcm);
  return pcm;
}

/** Converts PCM samples at `rate` (8 or 24 kHz) into the bytes of `format`, resampling if needed. */
export function encodeAt(samples: Int16Array, rate: number, format: RealtimeAudioFormat): Buffer {
  const target = sampleRateOf(format);
  if (rate === target) return encodeFromPcm16(samples, format);
  // The gateway's own 3:1 converters: only 8 kHz <-> 24 kHz occurs between GA formats.
  const converter = rate > target ? new Downsampler() : new Upsampler();
  const pcm = bytesOf(samples);
  return encodeFromPcm16(samplesOf(Buffer.concat([converter.process(pcm), converter.flush()])), format);
}

/** Splits audio into consecutive chunks of `chunkMs` (the last may be shorter). */
export function chunkAudio(audio: Buffer, format: RealtimeAudioFormat, chunkMs: number): Buffer[] {
  const size = Math.max(bytesForMs(format, chunkMs), bytesPerSample(format));
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += size) chunks.push(audio.subarray(offset, offset + size));
  return chunks;
}
