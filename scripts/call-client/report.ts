import { BYTES_PER_SECOND } from './frames.js';
import type { CallEvent, CallSummary } from './types.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One line for an event worth showing as it happens, or undefined for progress and audio. */
export function formatEvent(event: CallEvent): string | undefined {
  switch (event.type) {
    case 'connected':
      return `[connected] ${event.transport === 'ws' ? 'WebSocket' : 'HTTP'} call ${event.uuid}`;
    case 'transcript':
      return `[${transcriptLabel(event.role)}] ${event.text}`;
    case 'interruption':
      return '[interruption]';
    case 'latency':
      return `[latency] turn ${event.turn}: ${Math.round(event.latencyMs)} ms`;
    case 'error':
      return `[error] ${event.message}`;
    case 'closed':
      if (event.code !== undefined) return `[closed] code ${event.code}${event.reason ? ` (${event.reason})` : ''}`;
      return event.httpStatus !== undefined ? `[closed] HTTP ${event.httpStatus}` : '[closed]';
    default:
      return undefined;
  }
}

/** AVR's roles are "user" and "agent"; on a phone line the user is the caller. */
function transcriptLabel(role: string): string {
  return role === 'user' ? 'caller' : role;
}

export function formatProgress(sentMs: number, receivedMs: number): string {
  return `sent ${seconds(sentMs)} | received ${seconds(receivedMs)}`;
}

/** The end-of-call report, one line each. */
export function formatSummary(summary: CallSummary): string[] {
  const receivedMs = (summary.bytesReceived / BYTES_PER_SECOND) * 1000;
  const lines = [
    `transport: ${summary.transport}, call ${summary.uuid}, ${seconds(summary.durationMs)}`,
    `sent: ${summary.framesSent} frames (${seconds(summary.framesSent * 20)})`,
    `received: ${summary.framesReceived} frames, ${summary.bytesReceived} bytes (${seconds(receivedMs)}), ${summary.transcripts.length} transcripts, ${summary.interruptions} interruptions`,
  ];
  if (summary.turns.length === 0) lines.push('latency: no caller speech found in the input');
  summary.turns.forEach((turn, i) => {
    const answer = turn.latencyMs === null ? 'no answer' : `${Math.round(turn.latencyMs)} ms`;
    lines.push(`latency turn ${i + 1} (caller stops at ${seconds(turn.speechEndMs)}): ${answer}`);
  });
  if (summary.closeCode !== undefined)
    lines.push(`close code: ${summary.closeCode}${summary.closeReason ? ` (${summary.closeReason})` : ''}`);
  if (summary.httpStatus !== undefined) lines.push(`HTTP status: ${summary.httpStatus}`);
  lines.push(summary.errors.length === 0 ? 'errors: none' : `errors: ${summary.errors.length}`);
  for (const error of summary.errors) lines.push(`  - ${error}`);
  return lines;
}
