/**
 * The whole pipeline in one command, with no API key and no network (npm run demo): starts the
 * built service on its simulated upstream, plays the bundled caller recording into it over the
 * WebSocket transport in real time, prints what happens, writes reply.wav and stops everything.
 * `npm run demo -- --live` does the same on the simulator's GPT-Live mode (OPENAI_INTERFACE=live,
 * OPENAI_LIVE_URL=simulator): μ-law at 8 kHz both ways, no resampling.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatEvent, formatSummary, readWav, runCall, writeWav } from './call-client/index.js';
import { ServiceProcess } from './service-process.js';

const CALLER = fileURLToPath(new URL('../../assets/caller.wav', import.meta.url));
const REPLY = 'reply.wav';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--live');
if (unknown.length > 0) {
  console.error(`unknown option ${unknown[0]} (npm run demo [-- --live])`);
  process.exit(2);
}
const live = args.includes('--live');
const upstreamEnv: Record<string, string> = live
  ? { OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator' }
  : { OPENAI_REALTIME_URL: 'simulator' };
const service = await ServiceProcess.start({ ...upstreamEnv, LOG_LEVEL: 'warn' });
let exitCode: number;
try {
  const selected = Object.entries(upstreamEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`service: ${service.wsUrl} on the built-in simulated ${live ? 'GPT-Live' : 'Realtime'} upstream (${selected})`);
  const caller = readWav(readFileSync(CALLER));
  console.log(`caller: assets/caller.wav, ${(caller.samples.length / 8000).toFixed(1)} s, streamed in real time as 20 ms frames\n`);
  const summary = await runCall({
    url: service.wsUrl,
    input: caller.samples,
    uuid: 'demo-call',
    query: 'from=2000&to=5001',
    tailMs: 6000,
    onEvent: (event) => {
      const line = formatEvent(event);
      if (line !== undefined) console.log(line);
    },
  });
  writeFileSync(REPLY, writeWav(summary.agentAudio));
  console.log(`\nsaved ${REPLY}: ${(summary.agentAudio.length / 8000).toFixed(2)} s of agent audio (the simulator echoes the caller)`);
  for (const line of formatSummary(summary)) console.log(line);
  exitCode = summary.errors.length === 0 && summary.bytesReceived > 0 ? 0 : 1;
} finally {
  const code = await service.stop();
  console.log(`service stopped (exit code ${code})`);
  if (service.stderr.trim()) console.error(service.stderr.trim());
}
process.exit(exitCode);
