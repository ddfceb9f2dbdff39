/**
 * The whole pipeline in one command, with no API key and no network (npm run demo): starts the
 * built service on its simulated upstream, plays the bundled caller recording into it over the
 * WebSocket transport in real time, prints what happens, writes reply.wav and stops everything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatEvent, formatSummary, readWav, runCall, writeWav } from './call-client/index.js';
import { ServiceProcess } from './service-process.js';

const CALLER = fileURLToPath(new URL('../../assets/caller.wav', import.meta.url));
const REPLY = 'reply.wav';

const service = await ServiceProcess.start({ OPENAI_REALTIME_URL: 'simulator', LOG_LEVEL: 'warn' });
let exitCode: number;
try {
  console.log(`service: ${service.wsUrl} on the built-in simulated upstream (OPENAI_REALTIME_URL=simulator)`);
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
