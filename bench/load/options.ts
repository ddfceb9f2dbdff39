import { cli } from '../../scripts/cli.js';

/** Command line of `npm run bench:load`. */
export interface LoadOptions {
  /** Concurrent calls of each run; several values run one after the other, each on a fresh service. */
  calls: number[];
  /** Measured window, seconds (after the warm-up). */
  seconds: number;
  warmupSeconds: number;
  /** The service's OPENAI_INTERFACE, against the simulator of that interface. */
  interface: 'realtime' | 'live';
  format: 'pcm16' | 'pcmu';
  batchMs: 20 | 40;
  /** Caller pattern: a speech-like burst, then silence, repeating. */
  speechMs: number;
  silenceMs: number;
  /** Profile the service (node --cpu-prof) and print its hot functions over the window. */
  profile: boolean;
  profileDir?: string;
  /** Extra environment for the service (KEY=VALUE), e.g. to try a lever. */
  serviceEnv: Record<string, string>;
  /** Extra node flags for the service process. */
  nodeArgs: string[];
  json: boolean;
  /** Another build of the service to run instead of dist/main.js (A/B of a patch). */
  serviceMain?: string;
  /** Runs of each N (the machine is shared: repeats show the noise). */
  repeat: number;
  /** Pin the service to CPU 1 and the bench to CPU 0 (taskset), so they do not share a core. */
  pin: boolean;
  /** Before each run, wait (up to this many seconds) for the machine to be quiet. */
  quietWaitSeconds: number;
}

const USAGE = `npm run bench:load -- --calls N[,N...] --seconds S [options]

  --calls N[,N...]      concurrent calls (default 100); a list runs each on a fresh service
  --seconds S           measured window in seconds (default 20)
  --warmup S            seconds before the window (default 6, at least 3)
  --interface realtime|live  OPENAI_INTERFACE of the service, on that interface's simulator (default realtime)
  --format pcm16|pcmu   upstream audio format (default pcm16: 24 kHz through the resampler; pcmu on live)
  --batch-ms 20|40      APPEND_BATCH_MS of the service (default 20)
  --speech-ms MS        caller burst length (default 1000)
  --silence-ms MS       silence after each burst (default 2500)
  --profile             run the service under node --cpu-prof; print its hot functions in the window
  --profile-dir DIR     where the .cpuprofile files go (default: a temporary folder)
  --env KEY=VALUE       extra service environment (repeatable)
  --node-arg=FLAG       extra node flag for the service (repeatable)
  --service PATH        run this main.js instead of dist/main.js (e.g. a patched copy, for an A/B)
  --repeat K            run each N K times (every run gets its row)
  --pin                 pin the service to CPU 1 and the bench to CPU 0 (taskset; needs 2+ CPUs)
  --quiet-wait S        before each run wait up to S s for other load to stop (default 60; 0: don't)
  --json                also print each run's result as one JSON line`;

/** Parses the bench's arguments; a wrong one stops the bench with a message naming it (exit code 1). */
export function parseOptions(argv: string[]): LoadOptions {
  const tool = cli('bench:load', USAGE);
  const args = tool.parse(
    {
      calls: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      interface: { type: 'string' },
      format: { type: 'string' },
      'batch-ms': { type: 'string' },
      'speech-ms': { type: 'string' },
      'silence-ms': { type: 'string' },
      profile: { type: 'boolean' },
      'profile-dir': { type: 'string' },
      env: { type: 'string', multiple: true },
      'node-arg': { type: 'string', multiple: true },
      service: { type: 'string' },
      repeat: { type: 'string' },
      pin: { type: 'boolean' },
      'quiet-wait': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    argv,
  );
  const serviceEnv: Record<string, string> = {};
  for (const pair of args.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) tool.fail(`--env needs KEY=VALUE, got "${pair}"`);
    serviceEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const iface = tool.oneOf(args.interface, 'interface', ['realtime', 'live'], 'realtime');
  return {
    calls: (args.calls ?? '100').split(',').map((v) => tool.integer(v.trim(), 'calls', 100, 1)),
    seconds: tool.integer(args.seconds, 'seconds', 20, 1),
    warmupSeconds: tool.integer(args.warmup, 'warmup', 6, 3),
    interface: iface,
    // The service's own default on GPT-Live: mu-law at 8 kHz, no resampling.
    format: tool.oneOf(args.format, 'format', ['pcm16', 'pcmu'], iface === 'live' ? 'pcmu' : 'pcm16'),
    batchMs: Number(tool.oneOf(args['batch-ms'], 'batch-ms', ['20', '40'], '20')) as 20 | 40,
    speechMs: tool.integer(args['speech-ms'], 'speech-ms', 1000, 100),
    silenceMs: tool.integer(args['silence-ms'], 'silence-ms', 2500, 600),
    profile: Boolean(args.profile) || args['profile-dir'] !== undefined,
    profileDir: args['profile-dir'],
    serviceEnv,
    nodeArgs: args['node-arg'] ?? [],
    json: Boolean(args.json),
    serviceMain: args.service,
    repeat: tool.integer(args.repeat, 'repeat', 1, 1),
    pin: Boolean(args.pin),
    quietWaitSeconds: tool.integer(args['quiet-wait'], 'quiet-wait', 60, 0),
  };
}
