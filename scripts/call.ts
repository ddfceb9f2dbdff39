/**
 * Plays a recorded caller to a deployed STS service, as AVR core would, and saves the answer:
 *   npm run call -- --url ws://localhost:6030 --in caller.wav --out reply.wav
 *   npm run call -- --url http://localhost:6030/speech-to-speech-stream
 * Exit code 0 for a clean call, 1 when the call had errors or could not be made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatEvent, formatProgress, formatSummary, readWav, runCall, writeWav, type CallEvent } from './call-client/index.js';
import { cli } from './cli.js';

// Resolved from the compiled file, dist-tools/scripts/call.js, so it works from any directory.
const BUNDLED_CALLER = fileURLToPath(new URL('../../assets/caller.wav', import.meta.url));

const USAGE = `usage: npm run call -- --url <ws://host:6030 | http://host:6030/speech-to-speech-stream> [options]
  --in <file.wav>          caller recording, any PCM/float WAV (default: the bundled assets/caller.wav)
  --out <file.wav>         where the agent's audio is saved, 8 kHz mono (default: reply.wav)
  --uuid <id>              call id (default: random)
  --query <a=1&b=2>        call metadata on the WebSocket URL, as AVR core sends it
  --token <secret>         sent as ?token= (WebSocket) or Authorization: Bearer (HTTP)
  --tail-ms <ms>           silence sent after the recording while waiting for the answer (default: 4000)
  --realtime-factor <n>    send n times faster than real time (default: 1)`;

const tool = cli('call', USAGE);
// Annotated so the compiler knows it never returns.
const fail: (message: string) => never = tool.fail;
const args = tool.parse({
  url: { type: 'string' },
  in: { type: 'string', default: BUNDLED_CALLER },
  out: { type: 'string', default: 'reply.wav' },
  uuid: { type: 'string' },
  query: { type: 'string' },
  token: { type: 'string' },
  'tail-ms': { type: 'string' },
  'realtime-factor': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
});
if (!args.url) fail(`--url is required\n${USAGE}`);

let input;
try {
  input = readWav(readFileSync(args.in));
} catch (err) {
  fail(`cannot read ${args.in}: ${(err as Error).message}`);
}
const channels = input.channels === 1 ? 'mono' : `${input.channels} channels`;
console.log(`caller: ${args.in} (${input.sampleRate} Hz ${channels}), ${(input.samples.length / 8000).toFixed(2)} s at 8 kHz`);

const live = Boolean(process.stdout.isTTY);
let progressShown = false;
let lastProgressAt = -Infinity;

function show(event: CallEvent): void {
  if (event.type === 'progress') {
    // On a terminal one line is redrawn in place; in a log, a plain line per second of audio.
    if (live && event.atMs - lastProgressAt >= 100) {
      process.stdout.write(`\r\x1b[K${formatProgress(event.sentMs, event.receivedMs)}`);
      progressShown = true;
      lastProgressAt = event.atMs;
    } else if (!live && event.sentMs % 1000 === 0) {
      console.log(formatProgress(event.sentMs, event.receivedMs));
    }
    return;
  }
  const line = formatEvent(event);
  if (line === undefined) return;
  if (progressShown) process.stdout.write('\r\x1b[K');
  progressShown = false;
  console.log(line);
}

const hangUp = new AbortController();
process.on('SIGINT', () => {
  if (hangUp.signal.aborted) process.exit(130);
  console.log('\n[hanging up] (Ctrl-C again to quit at once)');
  hangUp.abort();
});

try {
  const summary = await runCall({
    url: args.url,
    input: input.samples,
    uuid: args.uuid,
    query: args.query,
    token: args.token,
    tailMs: tool.number(args['tail-ms'], 'tail-ms', 4000, 0),
    realtimeFactor: tool.number(args['realtime-factor'], 'realtime-factor', 1, 0) || fail('--realtime-factor must be > 0'),
    signal: hangUp.signal,
    onEvent: show,
  });
  if (progressShown) process.stdout.write('\n');
  // A call that never started leaves an earlier reply file alone.
  if (summary.framesSent > 0) {
    writeFileSync(args.out, writeWav(summary.agentAudio));
    console.log(`\nsaved ${args.out}: ${(summary.agentAudio.length / 8000).toFixed(2)} s of agent audio`);
    if (summary.bytesReceived === 0) console.log('warning: the service sent no audio');
  }
  for (const line of formatSummary(summary)) console.log(line);
  process.exit(summary.errors.length === 0 ? 0 : 1);
} catch (err) {
  fail((err as Error).message);
}
