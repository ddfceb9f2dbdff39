/**
 * Soak test: the built service (`node dist/main.js`, its own process) under a steady load of
 * calls for minutes, against a fault-injecting upstream (the product's RealtimeSimulator behind a
 * proxy that refuses, hangs, drops, expires sessions and sends malformed events):
 *   npm run soak -- --minutes 10 --calls 20
 * Prints every 30 s and at the end: calls completed, failed by cause (close codes, HTTP statuses,
 * error messages), faults injected, and the service's RSS over time. Exits 0 when the soak ran
 * (failures caused by injected faults are expected and reported); 1 when the service could not
 * start or died during the run.
 */
import { RollingCallers } from './soak/callers.js';
import { FaultyUpstream, faultRates } from './soak/fault-upstream.js';
import { mb, rssKb, type RssSample } from './soak/rss.js';
import { Counter, Tally } from './soak/tally.js';
import { ServiceProcess } from './service-process.js';
import { cli } from './cli.js';

const USAGE = `usage: npm run soak -- [--minutes M] [--calls N] [options]
  --minutes <m>        how long new calls are started (default 2)
  --calls <n>          concurrent calls kept going (default 20)
  --http-share <0-1>   share of calls over HTTP POST /speech-to-speech-stream (default 0.2)
  --fault-scale <x>    multiplies every fault rate; 0 turns faults off (default 1)
  --min-call-s <s>     shortest call (default 3)
  --max-call-s <s>     longest call (default 8)
  --report-s <s>       seconds between progress reports (default 30)`;

const tool = cli('soak', USAGE);
// Annotated so the compiler knows it never returns.
const fail: (message: string) => never = tool.fail;
const args = tool.parse({
  minutes: { type: 'string' },
  calls: { type: 'string' },
  'http-share': { type: 'string' },
  'fault-scale': { type: 'string' },
  'min-call-s': { type: 'string' },
  'max-call-s': { type: 'string' },
  'report-s': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
});
const minutes = tool.number(args.minutes, 'minutes', 2, 0.05, 24 * 60);
const concurrency = Math.round(tool.number(args.calls, 'calls', 20, 1, 2000));
const httpShare = tool.number(args['http-share'], 'http-share', 0.2, 0, 1);
const faultScale = tool.number(args['fault-scale'], 'fault-scale', 1, 0, 20);
const minCallMs = tool.number(args['min-call-s'], 'min-call-s', 3, 0.5, 3600) * 1000;
const maxCallMs = Math.max(minCallMs, tool.number(args['max-call-s'], 'max-call-s', 8, 0.5, 3600) * 1000);
const reportMs = tool.number(args['report-s'], 'report-s', 30, 1, 3600) * 1000;

const tally = new Tally();
const upstream = new FaultyUpstream(faultRates(faultScale), tally);
const upstreamUrl = await upstream.start();
let service: ServiceProcess;
try {
  service = await ServiceProcess.start({
    OPENAI_REALTIME_URL: upstreamUrl,
    OPENAI_API_KEY: 'sk-soak-not-a-real-key',
    LOG_LEVEL: 'warn',
    UPSTREAM_RECONNECT_BASE_MS: '100',
    OPENAI_CONNECT_TIMEOUT_MS: '2000',
    HTTP_END_GRACE_MS: '2000',
    SHUTDOWN_GRACE_MS: '10000',
  });
} catch (err) {
  await upstream.close();
  fail((err as Error).message);
}
const pid = service.child.pid!;

const startedAt = Date.now();
const clock = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}`;
const rss: RssSample[] = [];
const sampleRss = () => {
  const kb = rssKb(pid);
  if (kb !== undefined) rss.push({ atMs: Date.now() - startedAt, kb });
  return kb;
};
sampleRss();

// The service's own warn/error lines, by message (long numbers folded), read as they come.
const serviceLines = new Counter();
let logOffset = 0;
function readServiceLog(): void {
  const text = service.stdout;
  const end = text.lastIndexOf('\n') + 1;
  if (end <= logOffset) return;
  for (const line of text.slice(logOffset, end).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as { level?: string; msg?: string };
      if (l.level === 'warn' || l.level === 'error' || l.level === 'fatal') {
        serviceLines.add(
          `${l.level} ${String(l.msg)
            .replace(/\d{5,}/g, 'N')
            .slice(0, 80)}`,
        );
      }
    } catch {
      serviceLines.add('unparsable log line');
    }
  }
  logOffset = end;
}

const fleet = new RollingCallers({ wsUrl: service.wsUrl, httpUrl: service.httpUrl, concurrency, httpShare, minCallMs, maxCallMs }, tally);

console.log(
  `soak: ${minutes} min, ${concurrency} concurrent calls (${Math.round(httpShare * 100)}% HTTP), calls of ${minCallMs / 1000}-${maxCallMs / 1000} s, ` +
    `fault scale ${faultScale}; service pid ${pid} on ${service.wsUrl}, upstream ${upstreamUrl} (simulator behind a fault proxy)`,
);

function progress(): void {
  readServiceLog();
  const kb = sampleRss();
  const a = fleet.active;
  console.log(
    `[${clock(Date.now() - startedAt)}] active ${a.ws + a.http} (ws ${a.ws}, http ${a.http}) | started ${tally.started} ` +
      `completed ${tally.completed} failed ${tally.failed} | faults ${tally.faults.total} | client error messages ${tally.clientErrors.total} | ` +
      `service RSS ${kb === undefined ? '?' : `${mb(kb)} MB`} | service warn/error lines ${serviceLines.total}`,
  );
  if (tally.failed > 0) console.log(`    failed by cause: ${tally.failedBy.format(6)}`);
}

let serviceDied = false;
let stopping = false;
void service.exited.then((code) => {
  if (!stopping) {
    serviceDied = true;
    console.error(`soak: the service exited during the run (code ${code})\n${service.stderr.slice(-2000)}`);
  }
});

const rssTimer = setInterval(sampleRss, 5000);
const reportTimer = setInterval(progress, reportMs);
fleet.start(startedAt + minutes * 60_000);
await fleet.finished();
clearInterval(reportTimer);
clearInterval(rssTimer);
const ranMs = Date.now() - startedAt;

// After the last call: the service should hold no call and no upstream session.
async function serviceActiveCalls(): Promise<number | undefined> {
  try {
    const body = (await (await fetch(`${service.httpUrl}/health/ready`)).json()) as {
      info?: { calls?: { active?: number } };
      error?: { calls?: { active?: number } };
    };
    return body.info?.calls?.active ?? body.error?.calls?.active;
  } catch {
    return undefined;
  }
}
let activeAfter = await serviceActiveCalls();
for (let i = 0; i < 50 && (activeAfter !== 0 || upstream.openSessions !== 0); i++) {
  await new Promise((r) => setTimeout(r, 100));
  activeAfter = await serviceActiveCalls();
}
readServiceLog();
sampleRss();

const sessionsAfter = upstream.openSessions;
stopping = true;
const exitCode = serviceDied ? null : await service.stop();
await upstream.close();

const rate = (n: number) => (tally.started ? `${((100 * n) / tally.started).toFixed(1)}%` : '-');
const series: string[] = [];
for (let t = 0; t <= ranMs + 1; t += reportMs) {
  const s = rss.reduce((best, x) => (Math.abs(x.atMs - t) < Math.abs(best.atMs - t) ? x : best), rss[0]);
  series.push(`${clock(t)} ${mb(s.kb)}`);
}
const kbs = rss.map((s) => s.kb);
console.log(`\nsoak finished after ${clock(ranMs)} (new calls for ${minutes} min, then the last ones ended)`);
console.log(
  `calls: started ${tally.started} (${tally.startedBy.format()}), completed ${tally.completed} (${rate(tally.completed)}), failed ${tally.failed} (${rate(tally.failed)})`,
);
console.log(`  completed and heard the agent: ${tally.completedWithAudio}; agent audio heard in all: ${tally.agentSeconds.toFixed(0)} s`);
console.log(`  failed by cause: ${tally.failedBy.format()}`);
console.log(`  error messages on calls that went on: ${tally.clientErrors.format()}`);
console.log(`faults injected: ${tally.faults.format()}`);
console.log(`service RSS (MB) every ${reportMs / 1000} s: ${series.join(', ')}`);
console.log(
  `  min ${mb(Math.min(...kbs))}, max ${mb(Math.max(...kbs))}, first ${mb(kbs[0])}, last ${mb(kbs[kbs.length - 1])} (${kbs.length} samples)`,
);
console.log(`service warn/error log lines: ${serviceLines.total}: ${serviceLines.format(12)}`);
console.log(
  `service after the last call: ${activeAfter ?? '?'} active calls, ${sessionsAfter} upstream sessions open; exit code on SIGTERM: ${exitCode}`,
);
process.exit(serviceDied ? 1 : 0);
