/**
 * npm run bench:load -- --calls N[,N...] --seconds S [--format pcm16|pcmu] [--batch-ms 20|40] [--profile]
 *
 * The service under real-time load: the built service (node dist/main.js) runs as its own
 * process against the simulated OpenAI Realtime upstream, which runs here, in the bench process,
 * with real-time pacing. N AVR core calls over WebSocket send 20 ms frames on one steady clock:
 * a speech-like burst, then silence, repeating; the simulator echoes each burst back. An
 * instructions web service (also here) names each call in its upstream session's instructions,
 * so the simulator's observer can timestamp every audio delta per call.
 *
 * Printed per run, over the measured window after the warm-up: service CPU per call-second
 * (/proc/<pid>/stat), resident memory per call (/proc/<pid>/status), agent-frame latency through
 * the service (each frame received against the send of the delta that completed it), lost and
 * malformed frames, errors and close codes, and the load generator's own CPU.
 *
 * The callers run in a worker thread, apart from the simulator, so the simulator's work does not
 * delay when a caller sees a frame. --pin puts the service on CPU 1 and the bench on CPU 0.
 * Digging: LOAD_BENCH_DEBUG=1 prints the window start and every frame over 20 ms (time, latency);
 * LOAD_BENCH_SERVICE_LOG=<file> keeps the service's output (with e.g. --node-arg=--trace-gc).
 */
import { parseOptions } from './load/options.js';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { waitForQuiet } from './load/proc-stats.js';
import { formatRun, formatTable } from './load/report.js';
import { runLoad, type RunResult } from './load/run-load.js';

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  console.log(
    `load bench: calls ${opts.calls.join(', ')}; warm-up ${opts.warmupSeconds} s, window ${opts.seconds} s; ${opts.interface}, ${opts.format}, APPEND_BATCH_MS=${opts.batchMs}; ` +
      `caller ${opts.speechMs} ms burst + ${opts.silenceMs} ms silence; node ${process.version}`,
  );
  if (opts.pin) {
    if (availableParallelism() < 2) throw new Error('--pin needs at least 2 CPUs');
    // Every thread of the bench (simulator, callers, libuv) on CPU 0; the service gets CPU 1.
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  }
  const results: RunResult[] = [];
  const runs = opts.calls.flatMap((calls) => Array<number>(opts.repeat).fill(calls));
  for (const calls of runs) {
    if (opts.quietWaitSeconds > 0) await waitForQuiet(0.25, opts.quietWaitSeconds * 1000, (line) => console.error(line));
    const result = await runLoad(opts, calls, (line) => console.error(line));
    results.push(result);
    console.log(formatRun(result));
    if (opts.json) console.log(JSON.stringify(result));
  }
  console.log('');
  console.log(formatTable(results));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
