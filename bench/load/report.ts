import type { RunResult } from './run-load.js';
import { fmt } from './stats.js';

const MiB = 1024;

function entries(rec: Record<string, number>, unit?: string): string {
  const list = Object.entries(rec);
  return list.length ? list.map(([k, v]) => (unit ? `${k} ${v}${unit}` : `${k} x${v}`)).join('; ') : 'none';
}

/** The issue's targets (stated for 100 calls with the default format), met or not. */
function targets(r: RunResult): string {
  const check = (ok: boolean, text: string) => `${text} ${ok ? 'met' : 'MISSED'}`;
  return [
    check(r.cpuMsPerCallSecond <= 2, `CPU <= 2 ms/call-s (${fmt(r.cpuMsPerCallSecond, 2)}):`),
    check(r.latency.p99 < 20, `p99 < 20 ms (${fmt(r.latency.p99, 1)}):`),
    check(r.frames.lost === 0 && r.frames.malformed === 0, `no lost/malformed frames (${r.frames.lost}/${r.frames.malformed}):`),
    check(r.kibPerCall < 512, `memory < 512 KiB/call (${fmt(r.kibPerCall, 0)}):`),
  ].join('; ');
}

/** One run in detail. */
export function formatRun(r: RunResult): string {
  const l = r.latency;
  const f = r.frames;
  const lines = [
    `== ${r.calls} calls, ${r.interface === 'live' ? 'GPT-Live, ' : ''}${r.format}, APPEND_BATCH_MS=${r.batchMs}${r.pinned ? ', pinned (service CPU 1, bench CPU 0)' : ''}${r.serviceMain ? `, service ${r.serviceMain}` : ''}, window ${fmt(r.windowSeconds)} s ==`,
    `service CPU        ${fmt(r.serviceCpuMs, 0)} ms (kernel ${fmt(r.serviceSystemCpuMs, 0)}, main thread ${fmt(r.serviceMainThreadCpuMs, 0)}) = ${fmt(r.cpuMsPerCallSecond, 3)} ms per call-second -> ${fmt(r.callsPerCoreAt70, 0)} calls per core at 70 %; idle before the calls: ${fmt(r.idleCpuMsPerSecond, 1)} ms/s`,
    `service loop       event-loop delay p99 ${fmt(r.serviceLoop.loopDelayP99Ms, 1)} ms, max ${fmt(r.serviceLoop.loopDelayMaxMs, 1)} ms (beyond the 10 ms sampling; from 1.5 s before the window); GC ${entries(Object.fromEntries(Object.entries(r.serviceLoop.gcMs).map(([k, v]) => [k, Math.round(v)])), ' ms')}`,
    `service memory     idle ${fmt(r.rssIdleKiB / MiB)} MiB, during ${fmt(r.rssDuringKiB / MiB)} MiB (max ${fmt(r.rssMaxKiB / MiB)}), after hang-up ${fmt(r.rssAfterKiB / MiB)} MiB -> ${fmt(r.kibPerCall, 0)} KiB per call`,
    `frame latency      ${l.frames} frames in the window: p50 ${fmt(l.p50, 2)} ms, p90 ${fmt(l.p90, 2)}, p99 ${fmt(l.p99, 2)}, p99.9 ${fmt(l.p999, 2)}, max ${fmt(l.max, 2)}; >20 ms: ${l.over20}, >50 ms: ${l.over50}`,
    `frames (whole run) expected ${f.expected}, received ${f.received}, lost ${f.lost}, extra ${f.extra}, malformed ${f.malformed}, untraceable ${f.impossible}`,
    `caller frames      sent ${f.framesSent}, not sent (socket not open) ${f.sendsSkipped}; caller turns ${r.callerTurns}, responses ${r.responses.total} (cancelled ${r.responses.cancelled}, unfinished ${r.responses.unfinished}), interruptions ${r.interruptions}`,
    `errors             client: ${entries(r.clientErrors)}; upstream: ${entries(r.upstreamErrors)}; calls without upstream session: ${r.callsWithoutUpstream}`,
    `closes             ${entries(r.closeCodes)}; closed by the service first: ${r.closedByService}; service exit ${r.serviceExit}; instructions requests ${r.instructionRequests}`,
    `service log (warn+) ${entries(r.serviceLog)}`,
    `load generator     bench CPU ${fmt(r.benchCpuPercent, 0)} % of a core (both threads); event-loop delay: simulator thread p99 ${fmt(r.benchLoopDelayP99Ms, 1)} ms (max ${fmt(r.benchLoopDelayMaxMs, 1)}), callers' thread p99 ${fmt(r.callerLoopDelayP99Ms, 1)} ms (max ${fmt(r.callerLoopDelayMaxMs, 1)}); caller frame send lateness p99 ${fmt(r.sendLatenessP99Ms, 1)} ms (max ${fmt(r.sendLatenessMaxMs, 1)}); machine busy ${fmt(r.machineBusyCores, 2)} cores, of which others ${fmt(r.otherBusyCores, 2)}`,
  ];
  lines.push(`targets            ${targets(r)}`);
  if (r.profile) {
    const p = r.profile;
    lines.push(`service CPU profile (window, ${fmt(p.sampledMs, 0)} ms sampled; ${p.file})`);
    lines.push('  by area:');
    for (const a of p.byArea.slice(0, 12))
      lines.push(`    ${fmt(a.share * 100, 1).padStart(5)} %  ${fmt(a.selfMs, 0).padStart(6)} ms  ${a.name}`);
    lines.push('  hottest functions (self time):');
    for (const h of p.top)
      lines.push(`    ${fmt(h.share * 100, 1).padStart(5)} %  ${fmt(h.selfMs, 0).padStart(6)} ms  ${h.name}  ${h.where}`);
  }
  return lines.join('\n');
}

/** All runs, one row each. */
export function formatTable(results: RunResult[]): string {
  const header = [
    'N',
    'format',
    'batch',
    'pin',
    'svc CPU ms/call-s',
    'calls/core@70%',
    'KiB/call',
    'lat p50',
    'p99',
    'max ms',
    '>20ms',
    'expected',
    'received',
    'lost',
    'malformed',
    'errors',
    'bench CPU %',
    'others cores',
  ];
  const rows = results.map((r) => [
    String(r.calls),
    r.format,
    String(r.batchMs),
    r.pinned ? 'yes' : 'no',
    fmt(r.cpuMsPerCallSecond, 3),
    fmt(r.callsPerCoreAt70, 0),
    fmt(r.kibPerCall, 0),
    fmt(r.latency.p50, 2),
    fmt(r.latency.p99, 2),
    fmt(r.latency.max, 1),
    String(r.latency.over20),
    String(r.frames.expected),
    String(r.frames.received),
    String(r.frames.lost),
    String(r.frames.malformed),
    String(
      Object.values(r.clientErrors).reduce((a, b) => a + b, 0) +
        Object.values(r.upstreamErrors).reduce((a, b) => a + b, 0) +
        r.closedByService,
    ),
    fmt(r.benchCpuPercent, 0),
    fmt(r.otherBusyCores, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
