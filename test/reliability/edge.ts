/**
 * Raw clients for the hardening suites: request targets and frames no well-behaved client
 * library would send, and /metrics and /proc readings.
 */
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';

/** Targets that make `new URL(target, base)` throw. */
export const ODD_TARGETS = ['//[', '//:99999/', '//%zz', '//@', '//[::1', '/?token=%zz', '/?%', '//a:b@[', '/\\\\x'];

export interface RawExchange {
  /** Everything the server sent, latin1. */
  received: () => string;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  socket: net.Socket;
}

/** Sends `head` (and optional body) over a fresh TCP connection and records the answer. */
export function rawExchange(port: number, head: string, body?: Buffer): RawExchange {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(head, 'latin1');
  if (body) socket.write(body);
  return { received: () => received, closed, socket };
}

/** A WebSocket upgrade request for a raw target (a masked client would follow it with frames). */
export function upgradeHead(target: string, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return (
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** The close code of the first close frame after a 101, or undefined. */
export function closeCodeOf(received: string): number | undefined {
  const head = received.indexOf('\r\n\r\n');
  if (!received.startsWith('HTTP/1.1 101') || head < 0) return undefined;
  const frames = Buffer.from(received.slice(head + 4), 'latin1');
  let at = 0;
  while (at + 2 <= frames.length) {
    const opcode = frames[at] & 0x0f;
    let len = frames[at + 1] & 0x7f;
    let start = at + 2;
    if (len === 126) {
      len = frames.readUInt16BE(at + 2);
      start = at + 4;
    }
    if (opcode === 0x8) return len >= 2 ? frames.readUInt16BE(start) : 1005;
    at = start + len;
  }
  return undefined;
}

/** One sample of a Prometheus counter (labels as written, e.g. `kind="bad_audio"`), 0 when absent. */
export async function metricValue(httpUrl: string, name: string, labels = '', headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`, { headers })).text();
  const prefix = labels ? `${name}{${labels}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Open file descriptors of a process (Linux /proc), or -1 elsewhere. */
export function openDescriptors(pid: number | 'self' = 'self'): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** Resident memory of a process (Linux /proc), in MB, or -1 elsewhere. */
export function rssMb(pid: number | 'self' = 'self'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return -1;
  }
}
