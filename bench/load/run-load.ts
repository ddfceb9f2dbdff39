import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RealtimeSimulator } from '../../src/simulator/index.js';
import { LiveSimulator } from '../../src/simulator/live-simulator.js';
import { LoadCallerThread } from './load-caller-thread.js';
import { frameMapping, traceFrames } from './frame-latency.js';
import { InstructionsServer } from './instructions-server.js';
import type { LoadOptions } from './options.js';
import { machineCpuMs, processCpuTimes, residentKiB, threadCpuMs } from './proc-stats.js';
import { newestProfile, summariseProfile, type ProfileSummary } from './profile-summary.js';
import { nowMs, toCommonMs } from './now.js';
import { ServiceMetrics, type ServiceLoopStats } from './service-metrics.js';
import { ServiceProcess } from '../../scripts/service-process.js';
import { percentile, sortedCopy } from './stats.js';
import { LiveUpstreamLog } from './live-upstream-log.js';
import { UpstreamLog, type UpstreamCall } from './upstream-log.js';

/** Calls start spread over this much time. */
const STAGGER_MS = 1000;
/** SIGTERM drains (the calls are gone by then); SIGKILL if the service lingers this long. */
const SERVICE_STOP_MS = 15000;
/** Idle service settles this long before its idle memory is read. */
const IDLE_SETTLE_MS = 3000;
/** After the calls hang up, before the "after" memory reading. */
const AFTER_SETTLE_MS = 2000;
/** Sampling interval of the event-loop delay histograms (what they report beyond it is delay). */
const LOOP_RESOLUTION_MS = 2;
/** The service's metrics are read this long before the window starts (and again after it ends). */
const METRICS_LEAD_MS = 1500;

export interface RunResult {
  interface: 'realtime' | 'live';
  calls: number;
  windowSeconds: number;
  format: 'pcm16' | 'pcmu';
  batchMs: number;
  pinned: boolean;
  /** The service build that ran, when not the default dist/main.js. */
  serviceMain?: string;
  serviceCpuMs: number;
  /** Of which in the kernel (socket writes and reads on loopback mostly). */
  serviceSystemCpuMs: number;
  serviceLoop: ServiceLoopStats;
  /** Of which the main (JavaScript) thread; the rest is GC helper threads, libuv, the profiler. */
  serviceMainThreadCpuMs: number;
  /** The service's CPU use with no call, ms per second (before the calls start). */
  idleCpuMsPerSecond: number;
  cpuMsPerCallSecond: number;
  callsPerCoreAt70: number;
  rssIdleKiB: number;
  rssDuringKiB: number;
  rssMaxKiB: number;
  rssAfterKiB: number;
  kibPerCall: number;
  latency: { frames: number; p50: number; p90: number; p99: number; p999: number; max: number; over20: number; over50: number };
  frames: {
    expected: number;
    received: number;
    lost: number;
    extra: number;
    malformed: number;
    impossible: number;
    sendsSkipped: number;
    framesSent: number;
  };
  responses: { total: number; cancelled: number; unfinished: number };
  callerTurns: number;
  interruptions: number;
  clientErrors: Record<string, number>;
  upstreamErrors: Record<string, number>;
  closeCodes: Record<string, number>;
  closedByService: number;
  callsWithoutUpstream: number;
  benchCpuPercent: number;
  benchLoopDelayP99Ms: number;
  benchLoopDelayMaxMs: number;
  /** The callers' thread: event-loop delay beyond its sampling interval. */
  callerLoopDelayP99Ms: number;
  callerLoopDelayMaxMs: number;
  sendLatenessP99Ms: number;
  sendLatenessMaxMs: number;
  machineBusyCores: number;
  otherBusyCores: number;
  serviceExit: number | null;
  serviceLog: Record<string, number>;
  instructionRequests: number;
  profile?: ProfileSummary;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function count(into: Record<string, number>, key: string, by = 1): void {
  into[key] = (into[key] ?? 0) + by;
}

export async function runLoad(opts: LoadOptions, calls: number, progress: (line: string) => void): Promise<RunResult> {
  const live = opts.interface === 'live';
  const liveLog = live ? new LiveUpstreamLog(opts.format) : undefined;
  const realtimeLog = live ? undefined : new UpstreamLog(opts.format);
  const log: { calls: ReadonlyMap<string, UpstreamCall> } = liveLog ?? realtimeLog!;
  const simulator = liveLog
    ? new LiveSimulator({ realTimePacing: true, onServerEvent: liveLog.observer })
    : new RealtimeSimulator({ realTimePacing: true, onServerEvent: realtimeLog!.observer });
  const instructions = new InstructionsServer();
  const simulatorUrl = await simulator.start();
  const instructionsUrl = await instructions.start();
  const profileDir = opts.profile ? (opts.profileDir ?? mkdtempSync(join(tmpdir(), 'avr-load-prof-'))) : undefined;
  const nodeArgs = [...opts.nodeArgs, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  const service = await ServiceProcess.start(
    {
      LOG_LEVEL: 'warn',
      MAX_CONCURRENT_CALLS: String(calls * 2 + 10),
      ...(live ? { OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: simulatorUrl } : { OPENAI_REALTIME_URL: simulatorUrl }),
      OPENAI_API_KEY: 'sk-bench-dummy',
      OPENAI_URL_INSTRUCTIONS: instructionsUrl,
      OPENAI_AUDIO_FORMAT: opts.format,
      APPEND_BATCH_MS: String(opts.batchMs),
      TOOLS_DIR: join(tmpdir(), `avr-load-no-tools-${randomBytes(4).toString('hex')}`),
      SHUTDOWN_GRACE_MS: '2000',
      ...opts.serviceEnv,
    },
    { nodeArgs, cpus: opts.pin ? '1' : undefined, main: opts.serviceMain },
  );
  let fleet: LoadCallerThread | undefined;
  try {
    // One scrape while idle, so the first one under load does not pay for loading its code.
    await new ServiceMetrics(service.httpUrl).markStart();
    const idleCpu0 = processCpuTimes(service.pid);
    const idleFrom = nowMs();
    await sleep(IDLE_SETTLE_MS);
    const idleCpu1 = processCpuTimes(service.pid);
    const idleCpuMsPerSecond = ((idleCpu1.user + idleCpu1.system - idleCpu0.user - idleCpu0.system) * 1000) / (nowMs() - idleFrom);
    const rssIdleKiB = residentKiB(service.pid);

    const run = randomBytes(3).toString('hex');
    const uuids = Array.from({ length: calls }, (_, i) => `load-${run}-${i}`);
    fleet = new LoadCallerThread({
      url: service.wsUrl,
      uuids,
      offsetsMs: uuids.map((_, i) => (i * STAGGER_MS) / calls),
      speechMs: opts.speechMs,
      silenceMs: opts.silenceMs,
    });
    progress(`  ${calls} calls: warming up ${opts.warmupSeconds} s`);
    const t0 = await fleet.started();

    // The service's /metrics histograms are reset by a scrape, which itself costs the service a
    // few ms: take it a while before the window so its own stall is not measured as frame latency.
    const serviceMetrics = new ServiceMetrics(service.httpUrl);
    await sleep(Math.max(0, t0 + opts.warmupSeconds * 1000 - METRICS_LEAD_MS - nowMs()));
    await serviceMetrics.markStart();
    await sleep(Math.max(0, t0 + opts.warmupSeconds * 1000 - nowMs()));
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loopDelay.enable();
    await fleet.markStart();
    const wStart = nowMs();
    if (process.env.LOAD_BENCH_DEBUG) console.error(`window ${wStart.toFixed(1)}`);
    const svcCpu0 = processCpuTimes(service.pid);
    const svcThreads0 = threadCpuMs(service.pid);
    const benchCpu0 = process.cpuUsage();
    const machine0 = machineCpuMs();
    progress(`  ${calls} calls: measuring ${opts.seconds} s`);
    let rssMaxKiB = 0;
    let rssDuringKiB = 0;
    for (let s = 1; s <= opts.seconds; s++) {
      await sleep(Math.max(0, wStart + s * 1000 - nowMs()));
      rssDuringKiB = residentKiB(service.pid);
      rssMaxKiB = Math.max(rssMaxKiB, rssDuringKiB);
    }
    const wEnd = nowMs();
    const svcCpu1 = processCpuTimes(service.pid);
    const svcThreads1 = threadCpuMs(service.pid);
    const svcCpuMs = svcCpu1.user + svcCpu1.system - svcCpu0.user - svcCpu0.system;
    const benchCpu = process.cpuUsage(benchCpu0);
    const machine1 = machineCpuMs();
    loopDelay.disable();
    const fleetStats = await fleet.markEnd();
    const serviceLoop = await serviceMetrics.markEnd();
    const windowMs = wEnd - wStart;

    // Let every answer in flight finish (callers silent), then hang up.
    progress(`  ${calls} calls: draining`);
    fleet.drain();
    await sleep(opts.speechMs + 2000);
    const callers = await fleet.hangUp();
    await sleep(AFTER_SETTLE_MS);
    const rssAfterKiB = residentKiB(service.pid);
    const serviceExit = await service.stop(SERVICE_STOP_MS);
    const exitedAt = toCommonMs(service.exitedAt);

    let profile: ProfileSummary | undefined;
    if (profileDir) {
      const file = newestProfile(profileDir);
      // The profile ends when the service exits: place the window by its distance from the exit.
      if (file) profile = summariseProfile(file, { startUs: (exitedAt - wStart) * 1000, endUs: (exitedAt - wEnd) * 1000 });
    }

    // --- analysis ---
    const mapping = frameMapping(opts.format);
    const latencies: number[] = [];
    const frames = { expected: 0, received: 0, lost: 0, extra: 0, malformed: 0, impossible: 0, sendsSkipped: 0, framesSent: 0 };
    const responses = { total: 0, cancelled: 0, unfinished: 0 };
    const clientErrors: Record<string, number> = {};
    const upstreamErrors: Record<string, number> = {};
    const closeCodes: Record<string, number> = {};
    let closedByService = 0;
    let callsWithoutUpstream = 0;
    let callerTurns = 0;
    let interruptions = 0;
    for (const call of callers) {
      const upstream = log.calls.get(call.uuid);
      if (!upstream) callsWithoutUpstream++;
      const traced = traceFrames(call.frameTimes, upstream?.responses ?? [], mapping, wStart, wEnd);
      for (const l of traced.latencies) latencies.push(l);
      frames.expected += traced.expected;
      frames.received += traced.received;
      frames.lost += Math.max(0, traced.expected - (traced.received - traced.extra));
      frames.extra += traced.extra;
      frames.impossible += traced.impossible;
      frames.malformed += call.malformedFrames;
      frames.sendsSkipped += call.framesSkipped;
      frames.framesSent += call.framesSent;
      responses.total += upstream?.responses.length ?? 0;
      responses.cancelled += traced.cancelled;
      responses.unfinished += traced.unfinished;
      callerTurns += upstream?.speechStopped ?? 0;
      interruptions += call.interruptions;
      for (const e of call.errors) count(clientErrors, e.slice(0, 120));
      for (const [code, n] of upstream?.errors ?? []) count(upstreamErrors, code, n);
      count(closeCodes, call.closeCode === -1 ? 'ours (1000)' : String(call.closeCode ?? 'none'));
      if (call.closedByService) closedByService++;
    }
    const sorted = sortedCopy(latencies);
    const lateness = fleetStats.sendLateness;
    const beyond = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    const machineBusyCores = (machine1.busy - machine0.busy) / windowMs;
    const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
    const cpuMsPerCallSecond = svcCpuMs / (calls * (windowMs / 1000));
    return {
      calls,
      windowSeconds: windowMs / 1000,
      interface: opts.interface,
      format: opts.format,
      batchMs: opts.batchMs,
      pinned: opts.pin,
      serviceMain: opts.serviceMain,
      serviceCpuMs: svcCpuMs,
      serviceSystemCpuMs: svcCpu1.system - svcCpu0.system,
      idleCpuMsPerSecond,
      serviceMainThreadCpuMs: svcThreads1.main - svcThreads0.main,
      serviceLoop,
      cpuMsPerCallSecond,
      callsPerCoreAt70: 700 / cpuMsPerCallSecond,
      rssIdleKiB,
      rssDuringKiB,
      rssMaxKiB,
      rssAfterKiB,
      kibPerCall: (rssDuringKiB - rssIdleKiB) / calls,
      latency: {
        frames: sorted.length,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        p999: percentile(sorted, 99.9),
        max: sorted.length ? sorted[sorted.length - 1] : NaN,
        over20: latencies.filter((l) => l > 20).length,
        over50: latencies.filter((l) => l > 50).length,
      },
      frames,
      responses,
      callerTurns,
      interruptions,
      clientErrors,
      upstreamErrors,
      closeCodes,
      closedByService,
      callsWithoutUpstream,
      benchCpuPercent: (benchCpuMs / windowMs) * 100,
      benchLoopDelayP99Ms: beyond(loopDelay.percentile(99)),
      benchLoopDelayMaxMs: beyond(loopDelay.max),
      callerLoopDelayP99Ms: fleetStats.loopDelayP99Ms,
      callerLoopDelayMaxMs: fleetStats.loopDelayMaxMs,
      sendLatenessP99Ms: percentile(lateness, 99),
      sendLatenessMaxMs: lateness.length ? lateness[lateness.length - 1] : NaN,
      machineBusyCores,
      otherBusyCores: machineBusyCores - svcCpuMs / windowMs - benchCpuMs / windowMs,
      serviceExit,
      serviceLog: Object.fromEntries(service.logSummary()),
      instructionRequests: instructions.requests,
      profile,
    };
  } finally {
    await fleet?.terminate();
    await service.stop(SERVICE_STOP_MS);
    // For digging: LOAD_BENCH_SERVICE_LOG=<file> keeps what the service wrote (e.g. --node-arg=--trace-gc).
    if (process.env.LOAD_BENCH_SERVICE_LOG) writeFileSync(process.env.LOAD_BENCH_SERVICE_LOG, service.output);
    await simulator.close();
    liveLog?.dispose();
    await instructions.close();
  }
}
