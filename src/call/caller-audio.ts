import type { Logger } from 'pino';
import { pcm16ToMulaw, type AudioFactory, type Upsampler } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';

/** Bytes of upstream audio per millisecond for each upstream format. */
const UPSTREAM_BYTES_PER_MS = { pcm16: 48, pcmu: 8 } as const;
/** 8 kHz 16-bit: bytes per millisecond. */
const CALLER_BYTES_PER_MS = 16;

/**
 * The caller's road to the upstream: re-align odd byte counts to whole samples, keep audio that
 * arrives before the upstream is ready (bounded: the oldest goes), convert to the upstream format
 * and batch appends so each one carries at least `batchMs` of audio.
 */
export class CallerAudioPath {
  private carry = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;
  private droppedBytes = 0;
  private readonly batch: Buffer;
  private batchLen = 0;
  private readonly batchBytes: number;
  private send: ((audio: Uint8Array) => void) | undefined;

  /** For a call on the deployment's upstream format and audio settings. */
  static forCall(config: AppConfig, audio: AudioFactory, log: Logger): CallerAudioPath {
    const format = config.openai.audioFormat;
    const { prebufferMs, appendBatchMs } = config.audio;
    return new CallerAudioPath(format, format === 'pcm16' ? audio.createUpsampler() : undefined, prebufferMs, appendBatchMs, (keptMs) =>
      log.warn({ keptMs }, 'upstream not ready: dropping the oldest caller audio beyond the prebuffer'),
    );
  }

  constructor(
    private readonly format: 'pcm16' | 'pcmu',
    private readonly upsampler: Upsampler | undefined,
    prebufferMs: number,
    batchMs: number,
    private readonly onFirstDrop: (droppedMs: number) => void,
  ) {
    this.maxPendingBytes = prebufferMs * CALLER_BYTES_PER_MS;
    this.batchBytes = batchMs * UPSTREAM_BYTES_PER_MS[format];
    this.batch = Buffer.allocUnsafe(this.batchBytes * 2);
  }

  /** Caller audio from the transport: 8 kHz 16-bit little-endian, any byte count. */
  push(chunk: Uint8Array): void {
    const aligned = this.align(chunk);
    if (aligned.length === 0) return;
    if (this.send) this.forward(aligned);
    else this.keep(aligned);
  }

  /** The upstream is ready: replay what was kept, then forward as it comes. */
  attach(send: (audio: Uint8Array) => void): void {
    this.send = send;
    const kept = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const c of kept) this.forward(c);
  }

  /** The upstream is gone (for now): keep audio again until the next attach. */
  detach(): void {
    this.send = undefined;
    this.batchLen = 0;
  }

  get keptBytes(): number {
    return this.pendingBytes;
  }

  private align(chunk: Uint8Array): Uint8Array {
    let data = chunk;
    if (this.carry >= 0) {
      const joined = Buffer.allocUnsafe(chunk.length + 1);
      joined[0] = this.carry;
      joined.set(chunk, 1);
      data = joined;
      this.carry = -1;
    }
    if (data.length & 1) {
      this.carry = data[data.length - 1];
      data = data.subarray(0, data.length - 1);
    }
    return data;
  }

  private keep(chunk: Uint8Array): void {
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    while (this.pendingBytes > this.maxPendingBytes && this.pending.length > 0) {
      const oldest = this.pending.shift()!;
      this.pendingBytes -= oldest.length;
      if (this.droppedBytes === 0) this.onFirstDrop(this.maxPendingBytes / CALLER_BYTES_PER_MS);
      this.droppedBytes += oldest.length;
    }
  }

  private forward(pcm8k: Uint8Array): void {
    const converted = this.format === 'pcmu' ? pcm16ToMulaw(pcm8k) : this.upsampler!.process(pcm8k);
    if (converted.length === 0) return;
    if (this.batchLen === 0 && converted.length >= this.batchBytes) {
      this.send!(converted);
      return;
    }
    converted.copy(this.batch, this.batchLen, 0, Math.min(converted.length, this.batch.length - this.batchLen));
    if (this.batchLen + converted.length > this.batch.length) {
      // Larger than the batch can hold: send what is batched, then the rest of this chunk as is.
      const fitted = this.batch.length - this.batchLen;
      this.send!(this.batch);
      this.batchLen = 0;
      this.send!(converted.subarray(fitted));
      return;
    }
    this.batchLen += converted.length;
    if (this.batchLen >= this.batchBytes) {
      this.send!(this.batch.subarray(0, this.batchLen));
      this.batchLen = 0;
    }
  }
}
