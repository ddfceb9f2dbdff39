import { mulawToPcm16, type Downsampler, type Framer } from '../audio/index.js';

/** 8 kHz 16-bit: bytes per millisecond. */
const BYTES_PER_MS = 16;

/** The agent item whose audio is being sent, for truncation at what the caller can have heard. */
interface ItemPlayout {
  itemId: string;
  bytesSent: number;
  firstFrameAt: number;
  /** Audio the upstream sent for the item, ms: the most it can be truncated to. */
  upstreamMs: number;
}

/** Upstream bytes per millisecond: 24 kHz 16-bit, or 8 kHz G.711. */
const UPSTREAM_BYTES_PER_MS = { pcm16: 48, pcmu: 8 } as const;

/**
 * The agent's road to the caller: decode upstream deltas, downsample to 8 kHz, cut exact 20 ms
 * frames, flush the tail at the end of a response, and track what was sent per item.
 */
export class AgentAudioPath {
  private item: ItemPlayout | undefined;
  /** Wall-clock estimate of when AVR core finishes playing what it was sent. */
  private playoutEndsAt = 0;
  framesOut = 0;

  constructor(
    private readonly format: 'pcm16' | 'pcmu',
    private readonly downsampler: Downsampler | undefined,
    private readonly framer: Framer,
    private readonly emit: (frame: Buffer) => void,
    /** The first frame of an agent item is being sent: when the caller starts hearing it. */
    private readonly onItemStart: (itemId: string) => void,
  ) {}

  private readonly emitFrame = (frame: Buffer): void => {
    const now = Date.now();
    if (this.item) {
      if (this.item.bytesSent === 0) {
        this.item.firstFrameAt = now;
        this.onItemStart(this.item.itemId);
      }
      this.item.bytesSent += frame.length;
    }
    this.playoutEndsAt = Math.max(this.playoutEndsAt, now) + frame.length / BYTES_PER_MS;
    this.framesOut++;
    this.emit(frame);
  };

  delta(itemId: string | undefined, base64: string): void {
    if (itemId && this.item?.itemId !== itemId) this.item = { itemId, bytesSent: 0, firstFrameAt: 0, upstreamMs: 0 };
    const upstream = Buffer.from(base64, 'base64');
    if (this.item) this.item.upstreamMs += upstream.length / UPSTREAM_BYTES_PER_MS[this.format];
    const pcm8k = this.format === 'pcmu' ? mulawToPcm16(upstream) : this.downsampler!.process(upstream);
    if (pcm8k.length > 0) this.framer.push(pcm8k, this.emitFrame);
  }

  /** The response's audio is complete: send the filter tail and the last partial frame. */
  finish(): void {
    if (this.downsampler) {
      const tail = this.downsampler.flush();
      this.downsampler.reset();
      if (tail.length > 0) this.framer.push(tail, this.emitFrame);
    }
    this.framer.flush(this.emitFrame);
  }

  /**
   * Barge-in: drop what was not sent and say how much of the current item the caller can have
   * heard: the lesser of the audio sent and the time since its first frame.
   */
  interrupt(): { itemId: string; audioEndMs: number; sentMs: number; itemMs: number } | undefined {
    this.framer.clear();
    this.downsampler?.reset();
    const now = Date.now();
    this.playoutEndsAt = now;
    const item = this.item;
    this.item = undefined;
    if (!item || item.bytesSent === 0) return undefined;
    const sentMs = item.bytesSent / BYTES_PER_MS;
    // What was sent includes the resampler's tail and the last frame's padding (up to ~22 ms more
    // than the item holds): the upstream refuses an audio_end_ms past the item's own audio.
    const audioEndMs = Math.floor(Math.min(sentMs, now - item.firstFrameAt, item.upstreamMs));
    return { itemId: item.itemId, sentMs, audioEndMs, itemMs: item.upstreamMs };
  }

  /** Milliseconds until AVR core has played everything sent so far (0 when quiet). */
  playoutRemainingMs(): number {
    return Math.max(0, this.playoutEndsAt - Date.now());
  }
}
