/** The callers' thread (see LoadCallerThread). */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { BenchCall, SharedClock } from './call-clients.js';
import type { CallerResult, FleetSetup, FromFleet, ToFleet } from './load-caller-thread.js';
import { callerCycle } from './caller-signal.js';

const LOOP_RESOLUTION_MS = 2;

const setup = workerData as FleetSetup;
const port = parentPort!;
const post = (msg: FromFleet, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const calls = setup.uuids.map((uuid, i) => new BenchCall(uuid, setup.offsetsMs[i]));
const cycle = callerCycle(setup.speechMs, setup.silenceMs);
let draining = false;
const clock = new SharedClock(calls, setup.url, (f) => (draining ? cycle.silence : cycle.messages[f % cycle.messages.length]));
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
let lateFrom = 0;

port.on('message', (msg: ToFleet) => {
  switch (msg.type) {
    case 'mark-start':
      lateFrom = clock.stats.lateness.length;
      loopDelay.reset();
      loopDelay.enable();
      return post({ type: 'marked-start' });
    case 'mark-end': {
      loopDelay.disable();
      const sendLateness = Float64Array.from(clock.stats.lateness.slice(lateFrom)).sort();
      // The histogram counts the sampling interval itself; what is beyond it is delay.
      const beyond = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
      return post(
        {
          type: 'marked-end',
          stats: { sendLateness, loopDelayP99Ms: beyond(loopDelay.percentile(99)), loopDelayMaxMs: beyond(loopDelay.max) },
        },
        [sendLateness.buffer],
      );
    }
    case 'drain':
      draining = true;
      return;
    case 'hang-up':
      void hangUp();
      return;
  }
});

async function hangUp(): Promise<void> {
  clock.stop();
  await Promise.all(calls.map((c) => c.hangUp(5000)));
  const results: CallerResult[] = calls.map((c) => ({
    uuid: c.uuid,
    frameTimes: Float64Array.from(c.frameTimes),
    malformedFrames: c.malformedFrames,
    interruptions: c.interruptions,
    transcripts: c.transcripts,
    errors: c.errors,
    closeCode: c.closeCode,
    closedByService: c.closedByService,
    framesSent: c.framesSent,
    framesSkipped: c.framesSkipped,
  }));
  post(
    { type: 'hung-up', calls: results },
    results.map((r) => r.frameTimes.buffer as ArrayBuffer),
  );
}

post({ type: 'started', t0: clock.start() });
