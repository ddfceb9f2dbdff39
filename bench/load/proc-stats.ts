import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (almost always 100). */
const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** User and system CPU time of a process so far, in ms (resolution 1000/CLK_TCK ms). */
export function processCpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3, "state".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return { user: (utime * 1000) / CLK_TCK, system: (stime * 1000) / CLK_TCK };
}

/** CPU ms (user + system) of a process's main thread and of all its other threads (GC helpers, libuv, profiler). */
export function threadCpuMs(pid: number): { main: number; others: number } {
  const result = { main: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
      if (Number(tid) === pid) result.main += ms;
      else result.others += ms;
    } catch {
      // the thread ended meanwhile
    }
  }
  return result;
}

/** Resident memory of a process, KiB. */
export function residentKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Whole-machine CPU counters (all cores), ms: busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already in user/nice)
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

/**
 * Waits until the machine is quiet (other processes below `maxBusyCores` over a 2 s sample), at
 * most `maxWaitMs`; returns the busy cores of the last sample.
 */
export async function waitForQuiet(maxBusyCores: number, maxWaitMs: number, note: (line: string) => void): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const a = machineCpuMs();
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const busy = (machineCpuMs().busy - a.busy) / (performance.now() - t);
    if (busy <= maxBusyCores || Date.now() >= deadline) {
      if (busy > maxBusyCores) note(`  the machine is still busy (${busy.toFixed(2)} cores used by others): measuring anyway`);
      return busy;
    }
    if (!warned) note(`  waiting for other load to stop (${busy.toFixed(2)} cores busy)`);
    warned = true;
  }
}
