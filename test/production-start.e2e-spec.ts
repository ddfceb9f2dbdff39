/**
 * The production start path of the Docker image, replayed without Docker (none runs in CI here).
 *
 * The Dockerfile itself is read: its build stage's COPY and RUN steps run in a temporary folder (npm ci,
 * build, prune, from the npm cache), the runtime stage's `COPY --from=build` steps make a second folder
 * holding only what the image holds, and the CMD starts there with the runtime stage's ENV. The service
 * must answer /health/live and /health/ready, pass the HEALTHCHECK command, and exit 0 on SIGTERM.
 *
 * Not replayed: the base image (Node 24 there, this machine's Node here), the runtime stage's RUN steps
 * (installing tini, making /app/tools), USER and ENTRYPOINT (tini forwarding SIGTERM).
 *
 * The one slow test of the suite (about a minute): it installs the dependencies once more.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../scripts/ports.js';

const run = promisify(execFile);
const REPO = process.cwd();

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  steps: Instruction[];
}

/** Dockerfile -> stages of instructions (comments dropped, continuation lines joined). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const [, op, args] = /^(\S+)\s+(.*)$/s.exec(l) ?? [];
    const instruction = { op: op.toUpperCase(), args: args.trim() };
    if (instruction.op === 'FROM') {
      stages.push({ name: /\sAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? String(stages.length), steps: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].steps.push(instruction);
    }
  }
  return stages;
}

/** COPY arguments: flags (--from=...), sources, destination. */
function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** Docker COPY semantics: a folder's contents go into dest; files go into dest/ or become dest. */
function copyInto(sources: string[], dest: string): void {
  const intoDir = dest.endsWith('/') || sources.length > 1;
  for (const src of sources) {
    if (statSync(src).isDirectory()) cpSync(src, dest, { recursive: true });
    else {
      const target = intoDir ? join(dest, basename(src)) : dest;
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(src, target);
    }
  }
}

/** WORKDIR-relative or absolute image path -> folder on this machine standing for the stage's /. */
function hostPath(root: string, workdir: string, path: string): string {
  const absolute = path.startsWith('/') ? path : join(workdir, path);
  return join(root, absolute) + (path.endsWith('/') ? '/' : '');
}

function jsonArray(args: string, what: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${what} is not in JSON form`);
  return parsed;
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages[stages.length - 1];
const runtimeCopies = runtime.steps.filter((s) => s.op === 'COPY').map((s) => parseCopy(s.args));
const buildName = runtimeCopies.find((c) => c.from)?.from ?? '';
const build = stages.find((s) => s.name === buildName);
const last = (stage: Stage, op: string) => [...stage.steps].reverse().find((s) => s.op === op);

describe('production start path of the Docker image (replayed without Docker)', () => {
  let work = '';
  let buildRoot = '';
  let runtimeRoot = '';
  let runtimeWorkdir = '';
  const runtimeEnv: Record<string, string> = {};

  beforeAll(async () => {
    if (!build) throw new Error(`no build stage named ${buildName} in the Dockerfile`);
    work = mkdtempSync(join(tmpdir(), 'avr-sts-image-'));
    buildRoot = join(work, 'build');
    runtimeRoot = join(work, 'runtime');

    // Build stage: COPY from the repository, RUN in the stage's WORKDIR, npm answered from its cache.
    // As in the image's build stage, NODE_ENV is unset (jest sets it to "test").
    const { NODE_ENV: _unset, ...buildEnv } = process.env;
    let workdir = '/';
    for (const step of build.steps) {
      if (step.op === 'WORKDIR') {
        workdir = step.args;
        mkdirSync(hostPath(buildRoot, '/', workdir), { recursive: true });
      } else if (step.op === 'COPY') {
        const { from, sources, dest } = parseCopy(step.args);
        if (from) throw new Error(`build stage COPY --from is not replayed: ${step.args}`);
        copyInto(
          sources.map((s) => join(REPO, s)),
          hostPath(buildRoot, workdir, dest),
        );
      } else if (step.op === 'RUN') {
        const command = step.args.replace(/^(--\S+\s+)+/, '');
        await run('sh', ['-c', command], {
          cwd: hostPath(buildRoot, '/', workdir),
          env: {
            ...buildEnv,
            npm_config_prefer_offline: 'true',
            npm_config_audit: 'false',
            npm_config_fund: 'false',
            npm_config_update_notifier: 'false',
          },
          maxBuffer: 64 * 1024 * 1024,
        });
      } else if (!['ARG', 'ENV', 'LABEL'].includes(step.op)) {
        throw new Error(`build stage ${step.op} is not replayed by this test`);
      }
    }

    // Runtime stage: only what it copies from the build stage, and its ENV.
    runtimeWorkdir = '/';
    for (const step of runtime.steps) {
      if (step.op === 'WORKDIR') runtimeWorkdir = step.args;
      if (step.op === 'ENV') {
        for (const m of step.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) runtimeEnv[m[1]] = m[2].replace(/^"|"$/g, '');
      }
      if (step.op === 'COPY') {
        const { from, sources, dest } = parseCopy(step.args);
        if (from !== buildName) throw new Error(`runtime COPY without --from=${buildName} is not replayed: ${step.args}`);
        copyInto(
          sources.map((s) => hostPath(buildRoot, '/', s)),
          hostPath(runtimeRoot, runtimeWorkdir, dest),
        );
      }
    }
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies into the build context only what .dockerignore lets through', () => {
    const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = build!.steps.filter((s) => s.op === 'COPY').flatMap((s) => parseCopy(s.args).sources);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => !allowed.includes(s.replace(/\/$/, '')))).toEqual([]);
  });

  it('the image holds no dev-only package (pruned before the runtime stage copies node_modules)', () => {
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, meta]) => meta.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/jest', 'node_modules/typescript']));
    const modules = join(runtimeRoot, runtimeWorkdir);
    expect(existsSync(join(modules, 'node_modules/@nestjs/core/package.json'))).toBe(true);
    expect(devOnly.filter((p) => existsSync(join(modules, p)))).toEqual([]);
  });

  it('every compiled module in the image finds the packages it imports (no test kit ships in dist/)', () => {
    const app = join(runtimeRoot, runtimeWorkdir);
    const files = (readdirSync(join(app, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    expect(files).toContain('main.js');
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(app, 'dist', file), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
        const specifier = m[1];
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (!existsSync(join(app, 'node_modules', name, 'package.json'))) missing.push(`${file} imports ${specifier}`);
      }
    }
    expect(missing).toEqual([]);
    expect(files.filter((f) => /(^|\/)testing\//.test(f))).toEqual([]);
  });

  it('starts with the CMD, is live and ready, passes the HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const cmd = jsonArray(last(runtime, 'CMD')!.args, 'CMD');
    const healthcheck = jsonArray(/CMD\s+(\[.*\])$/s.exec(last(runtime, 'HEALTHCHECK')!.args)![1], 'HEALTHCHECK');
    expect(cmd[0]).toBe('node');
    expect(healthcheck[0]).toBe('node');
    expect(runtimeEnv.NODE_ENV).toBe('production');

    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      ...runtimeEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENAI_REALTIME_URL: 'simulator',
    };
    const cwd = join(runtimeRoot, runtimeWorkdir);
    let output = '';
    const child: ChildProcess = spawn(process.execPath, cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const healthcheckExit = async () => {
      try {
        await run(process.execPath, healthcheck.slice(1), { cwd, env, timeout: 10_000 });
        return 0;
      } catch (err) {
        return (err as { code?: number }).code ?? -1;
      }
    };

    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await status(`${base}/health/live`)) === 200, 30_000, `/health/live (output: ${output})`);
      expect(await status(`${base}/health/ready`)).toBe(200);
      expect(await healthcheckExit()).toBe(0);
      expect(output).toContain('avr-sts-openai listening');
    } finally {
      child.kill('SIGTERM');
    }
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 20_000))),
    ]);
    clearTimeout(timer);
    if (result === 'timeout') child.kill('SIGKILL');
    expect(result).toEqual({ code: 0, signal: null });
    // The HEALTHCHECK fails once nothing answers, so the passing run above meant something.
    expect(await healthcheckExit()).not.toBe(0);
  }, 60_000);
});
