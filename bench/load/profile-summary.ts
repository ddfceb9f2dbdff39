import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  top: HotSpot[];
  /** Self time grouped by where the code lives (service module, package, node internals, GC). */
  byArea: HotSpot[];
}

/** The newest .cpuprofile in dir. */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0)
    return url
      .slice(dist + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  return url;
}

/**
 * Self time per function of a V8 CPU profile, limited to the samples taken between `startUs` and
 * `endUs` before the profile's end (the benchmark's window, placed from the process's exit), if given.
 */
export function summariseProfile(file: string, beforeEnd?: { startUs: number; endUs: number }, topN = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const span = profile.endTime - profile.startTime;
  const window = beforeEnd && { fromUs: span - beforeEnd.startUs, toUs: span - beforeEnd.endUs };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample's time is the gap to the next one (the last sample: none).
    const dt = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    const rel = t - profile.startTime;
    if (window && (rel < window.fromUs || rel > window.toUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const fns = new Map<string, HotSpot>();
  const areas = new Map<string, HotSpot>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') continue;
    total += us;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const spot = fns.get(key) ?? { name, where, selfMs: 0, share: 0 };
    spot.selfMs += us / 1000;
    fns.set(key, spot);
    const a = area(url, name);
    const group = areas.get(a) ?? { name: a, where: '', selfMs: 0, share: 0 };
    group.selfMs += us / 1000;
    areas.set(a, group);
  }
  const rank = (m: Map<string, HotSpot>, n: number) =>
    [...m.values()]
      .map((s) => ({ ...s, share: total > 0 ? (s.selfMs * 1000) / total : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, n);
  return { file, sampledMs: total / 1000, top: rank(fns, topN), byArea: rank(areas, 20) };
}
