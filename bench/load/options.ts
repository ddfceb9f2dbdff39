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

export const USAGE = `npm run bench:load -- --calls N[,N...] --seconds S [options]

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
  --node-arg FLAG       extra node flag for the service (repeatable)
  --service PATH        run this main.js instead of dist/main.js (e.g. a patched copy, for an A/B)
  --repeat K            run each N K times (every run gets its row)
  --pin                 pin the service to CPU 1 and the bench to CPU 0 (taskset; needs 2+ CPUs)
  --quiet-wait S        before each run wait up to S s for other load to stop (default 60; 0: don't)
  --json                also print each run's result as one JSON line`;

function positiveInt(name: string, raw: string | undefined, min = 1): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}, got ${raw ?? 'nothing'}`);
  return n;
}

export function parseOptions(argv: string[]): LoadOptions {
  const opts: LoadOptions = {
    calls: [100],
    seconds: 20,
    warmupSeconds: 6,
    interface: 'realtime',
    format: 'pcm16',
    batchMs: 20,
    speechMs: 1000,
    silenceMs: 2500,
    profile: false,
    serviceEnv: {},
    nodeArgs: [],
    json: false,
    repeat: 1,
    pin: false,
    quietWaitSeconds: 60,
  };
  let formatGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--calls':
        opts.calls = value()
          .split(',')
          .map((v) => positiveInt('--calls', v.trim()));
        break;
      case '--seconds':
        opts.seconds = positiveInt('--seconds', value());
        break;
      case '--warmup':
        opts.warmupSeconds = positiveInt('--warmup', value(), 3);
        break;
      case '--format': {
        const v = value();
        if (v !== 'pcm16' && v !== 'pcmu') throw new Error(`--format is pcm16 or pcmu, got ${v}`);
        opts.format = v;
        formatGiven = true;
        break;
      }
      case '--interface': {
        const v = value();
        if (v !== 'realtime' && v !== 'live') throw new Error(`--interface is realtime or live, got ${v}`);
        opts.interface = v;
        break;
      }
      case '--batch-ms': {
        const v = Number(value());
        if (v !== 20 && v !== 40) throw new Error(`--batch-ms is 20 or 40, got ${v}`);
        opts.batchMs = v;
        break;
      }
      case '--speech-ms':
        opts.speechMs = positiveInt('--speech-ms', value(), 100);
        break;
      case '--silence-ms':
        opts.silenceMs = positiveInt('--silence-ms', value(), 600);
        break;
      case '--profile':
        opts.profile = true;
        break;
      case '--profile-dir':
        opts.profileDir = value();
        opts.profile = true;
        break;
      case '--env': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`--env needs KEY=VALUE, got ${v}`);
        opts.serviceEnv[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '--node-arg':
        opts.nodeArgs.push(value());
        break;
      case '--service':
        opts.serviceMain = value();
        break;
      case '--repeat':
        opts.repeat = positiveInt('--repeat', value());
        break;
      case '--pin':
        opts.pin = true;
        break;
      case '--quiet-wait':
        opts.quietWaitSeconds = positiveInt('--quiet-wait', value(), 0);
        break;
      case '--json':
        opts.json = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  // The service's own default on GPT-Live: μ-law at 8 kHz, no resampling.
  if (opts.interface === 'live' && !formatGiven) opts.format = 'pcmu';
  return opts;
}
