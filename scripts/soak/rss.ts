import { readFileSync } from 'node:fs';

/** Resident set size of a process in kB (Linux /proc), or undefined when it cannot be read. */
export function rssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSample {
  atMs: number;
  kb: number;
}

export function mb(kb: number): string {
  return (kb / 1024).toFixed(1);
}
