import type { SentResponse } from './upstream-log.js';

/** Frame size in 8 kHz samples (20 ms). */
const FRAME_SAMPLES = 160;
/** The service's 24 -> 8 kHz downsampler: one output per 3 inputs, and a 15-sample (8 kHz) delay. */
const RATIO = 3;
const RESAMPLER_DELAY_8K = 15;

/**
 * How the service turns one response's upstream audio into 20 ms frames, so each frame can be
 * traced to the delta that completed it.
 *
 * pcm16 (24 kHz): the downsampler keeps input samples 0, 3, 6, ... (output j exists once input
 * sample 3j has arrived, i.e. after 3j+1 samples) and, at response.output_audio.done, flushes its
 * 15-sample delay line, so n input samples give ceil(n/3) + 15 outputs. A frame whose last output
 * sample is beyond ceil(n/3) is completed by that flush.
 * pcmu (8 kHz): one output per input, no resampler delay.
 * Either way the framer pads the last partial frame at done.
 */
export interface FrameMapping {
  /** Frames the service should send for a response of n upstream samples. */
  expectedFrames(n: number): number;
  /** Upstream samples (cumulative within the response) that complete frame k, or Infinity: the flush at done. */
  samplesForFrame(k: number, n: number): number;
}

export function frameMapping(format: 'pcm16' | 'pcmu'): FrameMapping {
  if (format === 'pcmu') {
    return {
      expectedFrames: (n) => Math.ceil(n / FRAME_SAMPLES),
      samplesForFrame: (k, n) => {
        const need = (k + 1) * FRAME_SAMPLES;
        return need <= n ? need : Infinity;
      },
    };
  }
  return {
    expectedFrames: (n) => (n === 0 ? 0 : Math.ceil((Math.ceil(n / RATIO) + RESAMPLER_DELAY_8K) / FRAME_SAMPLES)),
    samplesForFrame: (k, n) => {
      const lastOutput = (k + 1) * FRAME_SAMPLES - 1;
      const need = RATIO * lastOutput + 1;
      return need <= n ? need : Infinity;
    },
  };
}

export interface CallFrameResult {
  expected: number;
  received: number;
  /** Latencies (ms) of the frames received inside the window. */
  latencies: number[];
  /** Frames traced to a delta sent after the frame arrived: the frame/response pairing is off. */
  impossible: number;
  /** Responses the simulator cancelled (barge-in): their frames cannot be counted exactly. */
  cancelled: number;
  /** Responses whose audio was not done when the calls hung up (not counted as expected). */
  unfinished: number;
  /** Frames received beyond what the responses account for. */
  extra: number;
}

/**
 * Pairs a call's received frames, in order, with its responses, in order (each response
 * restarts the count: the service flushes at the end of each), and measures each frame from
 * the send of the delta that completed it. Frames received within [from, to] count in latencies.
 */
export function traceFrames(
  frameTimes: ArrayLike<number>,
  responses: readonly SentResponse[],
  mapping: FrameMapping,
  from: number,
  to: number,
): CallFrameResult {
  const result: CallFrameResult = {
    expected: 0,
    received: frameTimes.length,
    latencies: [],
    impossible: 0,
    cancelled: 0,
    unfinished: 0,
    extra: 0,
  };
  let f = 0;
  for (const r of responses) {
    const n = r.cumulative.length ? r.cumulative[r.cumulative.length - 1] : 0;
    if (n === 0) continue;
    if (r.status === 'cancelled') result.cancelled++;
    const expected = mapping.expectedFrames(n);
    if (r.audioDoneAt === undefined) result.unfinished++;
    else result.expected += expected;
    let d = 0;
    for (let k = 0; k < expected && f < frameTimes.length; k++, f++) {
      const need = mapping.samplesForFrame(k, n);
      let sentAt: number | undefined;
      if (need === Infinity) sentAt = r.audioDoneAt;
      else {
        while (d < r.cumulative.length && r.cumulative[d] < need) d++;
        sentAt = r.sentAt[d];
      }
      if (sentAt === undefined) {
        // A frame of an unfinished response that needs its flush: the flush never came.
        result.impossible++;
        continue;
      }
      const at = frameTimes[f];
      const latency = at - sentAt;
      if (latency < 0) {
        result.impossible++;
        if (process.env.LOAD_BENCH_DEBUG)
          console.error(
            `frame ${k}/${expected} of response ${responses.indexOf(r)} (n=${n}, need=${need}, deltas=${r.cumulative.length}): ${latency.toFixed(2)} ms`,
          );
      }
      if (at >= from && at <= to) {
        result.latencies.push(latency);
        if (latency > 20 && process.env.LOAD_BENCH_DEBUG) console.error(`late ${at.toFixed(1)} ${latency.toFixed(1)} k=${k}`);
      }
    }
  }
  result.extra = frameTimes.length - f;
  return result;
}
