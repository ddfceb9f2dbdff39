import { MetricsService } from '../metrics/metrics.service.js';
import { AGENT_RUN_GAP_MS, TurnLatency } from './turn-latency.js';

/** A TurnLatency on a clock the test moves, with the real metrics registry. */
function latencyOnClock() {
  let now = 1_000_000;
  const metrics = new MetricsService();
  const latency = new TurnLatency(metrics, () => now);
  const advance = (ms: number) => (now += ms);
  /** `count` 20 ms frames sent at once, as one 100 ms GPT-Live delta goes out. */
  const frames = (count: number) => {
    for (let i = 0; i < count; i++) latency.agentFrame();
  };
  const observed = async () => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'avr_sts_response_latency_seconds');
    const values = (metric as unknown as { values: Array<{ metricName: string; value: number }> }).values;
    return {
      count: values.find((v) => v.metricName === 'avr_sts_response_latency_seconds_count')!.value,
      sum: values.find((v) => v.metricName === 'avr_sts_response_latency_seconds_sum')!.value,
    };
  };
  return { latency, advance, frames, observed, at: () => now };
}

describe('TurnLatency', () => {
  it('Realtime: measures from caller_speech_stopped to the next agent frame, into the record and the histogram', async () => {
    const { latency, advance, frames, observed } = latencyOnClock();
    latency.callerStopped();
    advance(640);
    frames(5);
    expect(latency.perTurnMs).toEqual([640]);
    expect(await observed()).toEqual({ count: 1, sum: 0.64 });
  });

  it('GPT-Live, end known before the answer: from the caller end in the event, not from its arrival', () => {
    const { latency, advance, frames, at } = latencyOnClock();
    // The transcript says the caller stopped 700 ms before the event arrived.
    latency.callerTurnEnded(at() - 700);
    advance(250);
    frames(5);
    expect(latency.perTurnMs).toEqual([950]);
  });

  it('GPT-Live, end learnt after the answer began: from the caller end to the first frame of that answer', () => {
    const { latency, advance, frames, at } = latencyOnClock();
    const callerEnd = at();
    advance(480);
    frames(5); // the answer begins
    advance(100);
    frames(5);
    advance(600);
    latency.callerTurnEnded(callerEnd);
    expect(latency.perTurnMs).toEqual([480]);
    // The same answer is not measured twice (another, earlier caller end reported late).
    latency.callerTurnEnded(callerEnd - 300);
    expect(latency.perTurnMs).toEqual([480]);
  });

  it('a barge-in is no turn: cancel() drops the pending measure, and the overlap reported whole does not start one', () => {
    const { latency, advance, frames, at } = latencyOnClock();
    latency.callerTurnEnded(at() - 100);
    latency.cancel();
    advance(400);
    frames(5);
    expect(latency.perTurnMs).toEqual([]);

    // GPT-Live's overlap: caller_speech_started (cancel) then caller_speech_stopped in one go, while
    // the agent's audio is going out; the agent's next frames answer nothing.
    advance(100);
    frames(5);
    latency.cancel();
    latency.callerStopped();
    advance(100);
    frames(5);
    advance(AGENT_RUN_GAP_MS + 500);
    frames(5); // the next agent turn, before its caller end is known
    expect(latency.perTurnMs).toEqual([]);
  });

  it('a caller end mapped into agent audio already going out (clock skew, talking over) gives no sample, never a negative one', () => {
    const { latency, advance, frames, at } = latencyOnClock();
    frames(5);
    advance(100);
    frames(5);
    // 50 ms after the answer's first frame: skipped, not clamped.
    latency.callerTurnEnded(at() - 50);
    // Later than the last frame but within the same stretch of audio: the next frame continues it.
    latency.callerTurnEnded(at() + 40);
    advance(100);
    frames(5);
    // Mapped into the future, before a new stretch: the frame precedes the end, skipped.
    advance(AGENT_RUN_GAP_MS + 200);
    latency.callerTurnEnded(at() + 30);
    frames(5);
    expect(latency.perTurnMs).toEqual([]);
  });

  it('Realtime: a stop while the agent audio is still going out (not cut short) is no turn either', () => {
    const { latency, advance, frames } = latencyOnClock();
    frames(5);
    advance(20);
    latency.callerStopped();
    advance(20);
    frames(5);
    expect(latency.perTurnMs).toEqual([]);
    // After a real gap it measures again.
    advance(AGENT_RUN_GAP_MS);
    latency.callerStopped();
    advance(300);
    frames(1);
    expect(latency.perTurnMs).toEqual([300]);
  });
});
