/**
 * ITU-T G.711 mu-law and A-law, bit-exact with the ITU-T G.191 reference (STL g711.c):
 * mu-law uses the 14 most significant bits of a 16-bit sample, A-law the 13 most significant,
 * negative values by one's complement. Both directions are table lookups: the decode tables
 * hold 256 entries, the encode tables one byte per 16-bit value (64 KiB each), all built once
 * at load and never written again.
 *
 * PCM is 16-bit little-endian bytes; an odd PCM length is a caller bug and throws.
 */

function ulawCompress(sample: number): number {
  // G.191 ulaw_compress: 33 is the bias that aligns the mu-law segments with A-law's.
  let magnitude = (sample < 0 ? ~sample >> 2 : sample >> 2) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const high = 8 - segment;
  const low = 0x0f - ((magnitude >> segment) & 0x0f);
  const code = (high << 4) | low;
  return sample >= 0 ? code | 0x80 : code;
}

function ulawExpand(code: number): number {
  // G.191 ulaw_expand.
  const sign = code < 0x80 ? -1 : 1;
  const inverted = ~code;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function alawCompress(sample: number): number {
  // G.191 alaw_compress.
  let ix = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix -= 16;
    ix += exponent << 4;
  }
  if (sample >= 0) ix |= 0x80;
  return ix ^ 0x55; // even bits inverted, as transmitted
}

function alawExpand(code: number): number {
  // G.191 alaw_expand.
  const ix = (code ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 127 ? mantissa : -mantissa;
}

function decodeTable(expand: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = expand(code);
  return table;
}

/**
 * Indexed by the sample's two bytes read as an unsigned 16-bit number (lo | hi << 8). The
 * encoders ignore the low `ignoredBits` (one's complement keeps each aligned run of
 * 2^ignoredBits values together, on both sides of zero), so one compress call fills a run:
 * a few milliseconds less at start-up than computing all 65536.
 */
function encodeTable(compress: (sample: number) => number, ignoredBits: number): Uint8Array {
  const table = new Uint8Array(65536);
  const run = 1 << ignoredBits;
  for (let sample = -32768; sample < 32768; sample += run) {
    const index = sample & 0xffff;
    table.fill(compress(sample), index, index + run);
  }
  return table;
}

const MULAW_DECODE = decodeTable(ulawExpand);
const ALAW_DECODE = decodeTable(alawExpand);
const MULAW_ENCODE = encodeTable(ulawCompress, 2); // mu-law uses the top 14 bits
const ALAW_ENCODE = encodeTable(alawCompress, 4); // A-law the top 12 bits of magnitude

function encode(pcm: Uint8Array, table: Uint8Array): Buffer {
  if ((pcm.length & 1) !== 0) throw new RangeError(`PCM16 needs an even byte count, got ${pcm.length}`);
  const n = pcm.length >> 1;
  const out = Buffer.allocUnsafe(n);
  for (let i = 0, b = 0; i < n; i++, b += 2) out[i] = table[pcm[b] | (pcm[b + 1] << 8)];
  return out;
}

function decode(bytes: Uint8Array, table: Int16Array): Buffer {
  const n = bytes.length;
  const out = Buffer.allocUnsafe(n * 2);
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    const v = table[bytes[i]];
    out[b] = v & 0xff;
    out[b + 1] = (v >> 8) & 0xff;
  }
  return out;
}

/** 16-bit LE PCM -> G.711 mu-law, one byte per sample. */
export function pcm16ToMulaw(pcm: Uint8Array): Buffer {
  return encode(pcm, MULAW_ENCODE);
}

/** G.711 mu-law -> 16-bit LE PCM. */
export function mulawToPcm16(bytes: Uint8Array): Buffer {
  return decode(bytes, MULAW_DECODE);
}

/** 16-bit LE PCM -> G.711 A-law, one byte per sample. */
export function pcm16ToAlaw(pcm: Uint8Array): Buffer {
  return encode(pcm, ALAW_ENCODE);
}

/** G.711 A-law -> 16-bit LE PCM. */
export function alawToPcm16(bytes: Uint8Array): Buffer {
  return decode(bytes, ALAW_DECODE);
}
