/**
 * npm run bench:audio
 *
 * The audio hot path: 8 kHz <-> 24 kHz conversion per 20 ms chunk (what every call runs for its
 * whole length), against @alexanderolsen/libsamplerate-js used the historical way, in the same
 * run; plus the G.711 codecs and the Float64-vs-Float32 kernel choice. Prints tables only.
 */
import { cpus } from 'node:os';
import { Downsampler } from '../src/audio/downsampler.js';
import { alawToPcm16, mulawToPcm16, pcm16ToAlaw, pcm16ToMulaw } from '../src/audio/g711.js';
import { FILTER_TAPS, GROUP_DELAY, KAISER_BETA } from '../src/audio/third-band-filter.js';
import { Upsampler } from '../src/audio/upsampler.js';
import { fromBytes, seededRandom, toBytes } from '../src/audio/testing/signals.js';
import { nsPerUnit } from './bench-timing.js';
import { measureStorageVariants } from './kernel-storage-variants.js';
import { HistoricalLibsamplerate, type ConverterName } from './libsamplerate-historical.js';
import { measureQuality } from './resampler-quality.js';

const CHUNK_8K = 160; // 20 ms
const CHUNK_24K = 480; // 20 ms

interface Chunked {
  process(chunk: Buffer): Buffer;
}

interface Contender {
  name: string;
  /** Streaming converters for the speed runs. */
  up: Chunked;
  down: Chunked;
  /** Whole signals from a clean state, for the quality runs. */
  wholeUp: (x: Int16Array) => Int16Array;
  wholeDown: (x: Int16Array) => Int16Array;
}

function oursWhole(make: () => Upsampler | Downsampler): (x: Int16Array) => Int16Array {
  return (x) => {
    const conv = make();
    return fromBytes(Buffer.concat([conv.process(toBytes(x)), conv.flush()]));
  };
}

const libsamplerateTypes: Array<{ type: ConverterName; why: string }> = [
  { type: 'SRC_SINC_BEST_QUALITY', why: 'what the historical gateway code configured' },
  { type: 'SRC_SINC_FASTEST', why: "the library's default and its cheapest sinc" },
];

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** An infinite ratio means nothing survived rounding to int16: the leak is under one step. */
function dbOrBelowLsb(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '< 1 LSB left';
}

/** Speech-level noise as 20 ms chunks, so the timing does not ride on silence. */
function noiseChunk(samples: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const x = new Int16Array(samples);
  for (let i = 0; i < samples; i++) x[i] = Math.round((rnd() * 2 - 1) * 8000);
  return toBytes(x);
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Audio benchmark: Node ${process.version}, ${cpu}, ${process.arch}`);
  console.log(
    `ours: ${FILTER_TAPS}-tap Kaiser (beta ${KAISER_BETA}) windowed-sinc third-band filter, polyphase, ` +
      `Float64; group delay ${GROUP_DELAY.samples8k} samples at 8 kHz = ${GROUP_DELAY.samples24k} at 24 kHz = ${GROUP_DELAY.ms} ms each way`,
  );
  console.log('libsamplerate-js: per 20 ms chunk Int16 -> new Float32Array -> full() -> new Int16Array, as the historical code did;');
  for (const { type, why } of libsamplerateTypes) console.log(`  ${type}: ${why}`);
  console.log('timings: ns per OUTPUT sample, median of 9 rounds of 150 ms after a 400 ms warm-up\n');

  const made: HistoricalLibsamplerate[] = [];
  const contenders: Contender[] = [
    {
      name: 'ours (src/audio)',
      up: new Upsampler(),
      down: new Downsampler(),
      wholeUp: oursWhole(() => new Upsampler()),
      wholeDown: oursWhole(() => new Downsampler()),
    },
  ];
  for (const { type } of libsamplerateTypes) {
    const up = await HistoricalLibsamplerate.create(8000, 24000, type);
    const down = await HistoricalLibsamplerate.create(24000, 8000, type);
    made.push(up, down);
    contenders.push({
      name: `libsamplerate ${type}`,
      up,
      down,
      wholeUp: (x) => up.convertWhole(x),
      wholeDown: (x) => down.convertWhole(x),
    });
  }

  // Speed first, while the process is fresh.
  const in8k = noiseChunk(CHUNK_8K, 1);
  const in24k = noiseChunk(CHUNK_24K, 2);
  const speed: Array<{ name: string; up: number; down: number; callSecondUs: number; calls: number }> = [];
  for (const { name, up, down } of contenders) {
    const upNs = nsPerUnit(() => up.process(in8k).length >> 1).median;
    const downNs = nsPerUnit(() => down.process(in24k).length >> 1).median;
    // One call-second: 1 s of caller audio up (24000 outputs) and 1 s of agent audio down (8000).
    const callSecondNs = upNs * 24000 + downNs * 8000;
    speed.push({ name, up: upNs, down: downNs, callSecondUs: callSecondNs / 1000, calls: 1e9 / callSecondNs });
  }
  const ours = speed[0];
  console.log('Resampling speed (20 ms chunks; one call = 1 s of 8k->24k plus 1 s of 24k->8k per second)');
  console.log(
    table(
      ['converter', '8k->24k ns/out', '24k->8k ns/out', 'us per call-second', 'real-time calls per core', 'ours faster by'],
      speed.map((s) => [
        s.name,
        s.up.toFixed(2),
        s.down.toFixed(2),
        s.callSecondUs.toFixed(0),
        s.calls.toFixed(0),
        s === ours ? '-' : `${(s.callSecondUs / ours.callSecondUs).toFixed(2)}x`,
      ]),
    ),
  );

  console.log('\nResampling quality (synthetic tones, same method as src/audio/*.spec.ts)');
  const quality: string[][] = [];
  for (const c of contenders) {
    const q = measureQuality(c.wholeUp, c.wholeDown);
    quality.push([
      c.name,
      q.passbandDevDb.toFixed(3),
      dbOrBelowLsb(q.imageRejectionDb),
      dbOrBelowLsb(q.aliasRejectionDb),
      q.roundTripSnrDb.map((v) => (Number.isFinite(v) ? v.toFixed(1) : 'bit-exact')).join(' / '),
    ]);
  }
  for (const m of made) m.destroy();
  console.log(
    table(
      [
        'converter',
        'passband 0.1-3.4 kHz max |dev| dB',
        'images >4.4 kHz below tone dB',
        'aliases 4.6-12 kHz below input dB',
        'round trip SNR 1k / 3.4k dB',
      ],
      quality,
    ),
  );
  console.log('targets: passband <= 0.5 dB, images and aliases >= 60 dB, round trip >= 50 dB');

  console.log('\nG.711 (160-sample / 20 ms frames)');
  const pcm = noiseChunk(CHUNK_8K, 3);
  const mu = pcm16ToMulaw(pcm);
  const al = pcm16ToAlaw(pcm);
  const g711 = [
    { name: 'PCM16 -> mu-law', run: () => pcm16ToMulaw(pcm).length },
    { name: 'mu-law -> PCM16', run: () => mulawToPcm16(mu).length >> 1 },
    { name: 'PCM16 -> A-law', run: () => pcm16ToAlaw(pcm).length },
    { name: 'A-law -> PCM16', run: () => alawToPcm16(al).length >> 1 },
  ].map(({ name, run }) => {
    const ns = nsPerUnit(run).median;
    return [name, ns.toFixed(2), ((ns * 8000) / 1000).toFixed(1)];
  });
  console.log(table(['direction', 'ns/sample', 'us per call-second'], g711));

  console.log('\nDownsampler inner loop by storage type (480-sample chunk of loud noise)');
  console.log(
    table(
      ['storage', 'ns/out', 'max diff vs Float64 (LSB)', 'outputs differing'],
      measureStorageVariants().map((v) => [v.name, v.nsPerOutput.toFixed(2), String(v.maxDiffLsb), `${(v.differing * 100).toFixed(1)}%`]),
    ),
  );
}

await main();
