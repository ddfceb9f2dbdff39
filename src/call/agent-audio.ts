import { mulawToPcm16, type AudioFactory, type Downsampler, type Framer } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';

/** 8 kHz 16-bit: bytes per millisecond. */
const BYTES_PER_MS = 16;

/** Upstream bytes per millisecond: 24 kHz 16-bit, or 8 kHz G.711. */
const UPSTREAM_BYTES_PER_MS = { pcm16: 48, pcmu: 8 } as const;

/**
 * How far below an item's own audio a truncation stays: the live server's length of an item has
 * been seen ~85 ms shorter than the bytes it sent, and refuses an audio_end_ms past its length.
 */
export const TRUNCATE_MARGIN_MS = 120;

/** Items of the current play-out kept for truncation (a response rarely has more than two). */
const MAX_ITEMS = 8;

/** One agent item on its way to the caller. */
interface ItemPlayout {
  itemId: string;
  bytesSent: number;
  /** When the caller starts hearing its first frame: after whatever was sent before it has played. */
  playStartAt: number;
  /** Audio the upstream sent for the item, ms. */
  upstreamMs: number;
}

/** What the caller heard of an item cut short by a barge-in. */
export interface HeardItem {
  itemId: string;
  /** Milliseconds of the item the caller heard, kept below the item's length. */
  audioEndMs: number;
  sentMs: number;
  itemMs: number;
}

/**
 * The agent's road to the caller: downsample upstream audio to 8 kHz, cut exact 20 ms frames,
 * flush the tail at the end of an item, and keep, per item, when it began to play at the caller's
 * end (the upstream sends faster than real time, so a second item, or a reply queued behind
 * earlier audio, starts playing well after it was sent).
 */
export class AgentAudioPath {
  private items: ItemPlayout[] = [];
  private item: ItemPlayout | undefined;
  /** Wall-clock estimate of when AVR core finishes playing what it was sent. */
  private playoutEndsAt = 0;
  framesOut = 0;

  /** For a call on the deployment's upstream format (pcm16 is resampled, pcmu only re-encoded). */
  static forCall(
    config: AppConfig,
    audio: AudioFactory,
    out: { frame(frame: Buffer): void; itemStarted(itemId: string): void },
  ): AgentAudioPath {
    const format = config.openai.audioFormat;
    const downsampler = format === 'pcm16' ? audio.createDownsampler() : undefined;
    return new AgentAudioPath(
      format,
      downsampler,
      audio.createFramer(),
      (frame) => out.frame(frame),
      (itemId) => out.itemStarted(itemId),
    );
  }

  constructor(
    private readonly format: 'pcm16' | 'pcmu',
    private readonly downsampler: Downsampler | undefined,
    private readonly framer: Framer,
    private readonly emit: (frame: Buffer) => void,
    /** The first frame of an agent item is being sent. */
    private readonly onItemStart: (itemId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly emitFrame = (frame: Buffer): void => {
    const now = this.now();
    const startsAt = Math.max(this.playoutEndsAt, now);
    const item = this.item;
    if (item) {
      if (item.bytesSent === 0) {
        item.playStartAt = startsAt;
        this.onItemStart(item.itemId);
      }
      item.bytesSent += frame.length;
    }
    this.playoutEndsAt = startsAt + frame.length / BYTES_PER_MS;
    this.framesOut++;
    this.emit(frame);
  };

  /** Agent audio in the upstream format. */
  delta(itemId: string | undefined, upstream: Buffer): void {
    if (itemId && this.item?.itemId !== itemId) this.beginItem(itemId);
    if (this.item) this.item.upstreamMs += upstream.length / UPSTREAM_BYTES_PER_MS[this.format];
    const pcm8k = this.format === 'pcmu' ? mulawToPcm16(upstream) : this.downsampler!.process(upstream);
    if (pcm8k.length > 0) this.framer.push(pcm8k, this.emitFrame);
  }

  /** An item's audio is complete: send the filter tail and the last partial frame. */
  finish(): void {
    if (this.downsampler) {
      const tail = this.downsampler.flush();
      this.downsampler.reset();
      if (tail.length > 0) this.framer.push(tail, this.emitFrame);
    }
    this.framer.flush(this.emitFrame);
  }

  /**
   * Barge-in: drop what was not sent, reset the play-out estimate (nothing more will play), and
   * say how much of each item not heard to its end the caller heard: counted from when the item
   * began to play, never more than was sent, and a margin below the item's own audio.
   */
  interrupt(): HeardItem[] {
    this.framer.clear();
    this.downsampler?.reset();
    const now = this.now();
    this.playoutEndsAt = now;
    const heard: HeardItem[] = [];
    for (const item of this.items) {
      if (item.bytesSent === 0) continue;
      const sentMs = item.bytesSent / BYTES_PER_MS;
      const playedMs = Math.min(Math.max(0, now - item.playStartAt), sentMs);
      if (playedMs >= item.upstreamMs) continue;
      const audioEndMs = Math.max(0, Math.floor(Math.min(playedMs, item.upstreamMs - TRUNCATE_MARGIN_MS)));
      heard.push({ itemId: item.itemId, audioEndMs, sentMs, itemMs: item.upstreamMs });
    }
    this.items = [];
    this.item = undefined;
    return heard;
  }

  /** Milliseconds until AVR core has played everything sent so far (0 when quiet). */
  playoutRemainingMs(): number {
    return Math.max(0, this.playoutEndsAt - this.now());
  }

  private beginItem(itemId: string): void {
    const now = this.now();
    // Items already played to their end can no longer be cut short.
    this.items = this.items.filter((i) => i.bytesSent === 0 || i.playStartAt + i.bytesSent / BYTES_PER_MS > now);
    if (this.items.length >= MAX_ITEMS) this.items.shift();
    this.item = { itemId, bytesSent: 0, playStartAt: 0, upstreamMs: 0 };
    this.items.push(this.item);
  }
}
