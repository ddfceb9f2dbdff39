import type { RealtimeServerEvent, ServerEventObserver } from '../../src/simulator/index.js';
import { INSTRUCTIONS_PREFIX } from './instructions-server.js';
import { toCommonMs } from './now.js';

/** One agent response as the simulator sent it. */
export interface SentResponse {
  id: string;
  createdAt: number;
  /** Per audio delta: cumulative samples of the response after it (24 kHz pcm16 or 8 kHz pcmu)... */
  cumulative: number[];
  /** ...and when the simulator had written it (common clock, nowMs). */
  sentAt: number[];
  /** When response.output_audio.done went out (the service flushes its resampler and framer then). */
  audioDoneAt?: number;
  status?: string;
}

/** What the simulator sent one call's upstream session. */
export interface UpstreamCall {
  responses: SentResponse[];
  speechStarted: number;
  speechStopped: number;
  errors: Map<string, number>;
}

function base64Bytes(b64: string): number {
  const len = b64.length;
  const pad = len > 0 && b64[len - 1] === '=' ? (len > 1 && b64[len - 2] === '=' ? 2 : 1) : 0;
  return (len / 4) * 3 - pad;
}

/**
 * The simulator's observer: sorts every event a simulated session sends by call (the session's
 * instructions are "bench call <uuid>") and timestamps the response audio.
 */
export class UpstreamLog {
  readonly calls = new Map<string, UpstreamCall>();
  /** Events of sessions not (yet) configured with a bench call's instructions. */
  unattributed = 0;
  private readonly bytesPerSample: number;

  constructor(format: 'pcm16' | 'pcmu') {
    this.bytesPerSample = format === 'pcm16' ? 2 : 1;
  }

  readonly observer: ServerEventObserver = (info, event, sentAt) => {
    if (!info.instructions.startsWith(INSTRUCTIONS_PREFIX)) {
      this.unattributed++;
      return;
    }
    const uuid = info.instructions.slice(INSTRUCTIONS_PREFIX.length);
    let call = this.calls.get(uuid);
    if (!call) {
      call = { responses: [], speechStarted: 0, speechStopped: 0, errors: new Map() };
      this.calls.set(uuid, call);
    }
    this.record(call, event, toCommonMs(sentAt));
  };

  private record(call: UpstreamCall, event: RealtimeServerEvent, sentAt: number): void {
    switch (event.type) {
      case 'response.created':
        call.responses.push({ id: event.response.id ?? '', createdAt: sentAt, cumulative: [], sentAt: [] });
        return;
      case 'response.output_audio.delta': {
        const r = this.response(call, event.response_id);
        if (!r) return;
        const total = (r.cumulative.length ? r.cumulative[r.cumulative.length - 1] : 0) + base64Bytes(event.delta) / this.bytesPerSample;
        r.cumulative.push(total);
        r.sentAt.push(sentAt);
        return;
      }
      case 'response.output_audio.done': {
        const r = this.response(call, event.response_id);
        if (r) r.audioDoneAt = sentAt;
        return;
      }
      case 'response.done': {
        const r = this.response(call, event.response.id);
        if (r) r.status = event.response.status;
        return;
      }
      case 'input_audio_buffer.speech_started':
        call.speechStarted++;
        return;
      case 'input_audio_buffer.speech_stopped':
        call.speechStopped++;
        return;
      case 'error': {
        const code = event.error.code ?? event.error.type ?? 'unknown';
        call.errors.set(code, (call.errors.get(code) ?? 0) + 1);
        return;
      }
      default:
    }
  }

  private response(call: UpstreamCall, id: string | undefined): SentResponse | undefined {
    for (let i = call.responses.length - 1; i >= 0; i--) if (call.responses[i].id === id) return call.responses[i];
    return undefined;
  }
}
