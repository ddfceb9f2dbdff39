import { randomUUID } from 'node:crypto';
import type { CallConnection, ServiceHandlers } from './connection.js';
import { BYTES_PER_SECOND, FRAME_BYTES, FRAME_MS, bytesToSamples, frameBytes, frameCount } from './frames.js';
import { connectHttp } from './http-transport.js';
import { LatencyTracker } from './latency.js';
import { paceFrames } from './pacing.js';
import { findSpeechTurns } from './speech-turns.js';
import { displayUrl, resolveTarget, type CallTarget } from './target.js';
import type { CallEvent, CallOptions, CallSummary } from './types.js';
import { connectWs } from './ws-transport.js';

/** A CallEvent before its time is stamped (Omit on each member of the union, not on the union). */
type EventWithoutTime = CallEvent extends infer E ? (E extends unknown ? Omit<E, 'atMs'> : never) : never;

/**
 * Plays a recorded caller to an STS service the way AVR core does (20 ms frames in real time,
 * then silence while the caller stays on the line), records what comes back and times the
 * answers. Invalid options reject; everything that goes wrong with the service, including not
 * reaching it, ends up in the summary's errors.
 */
export async function runCall(opts: CallOptions): Promise<CallSummary> {
  const target = resolveTarget(opts.url, opts.query, opts.token);
  const realtimeFactor = opts.realtimeFactor ?? 1;
  const tailMs = opts.tailMs ?? 4000;
  if (!(realtimeFactor > 0)) throw new RangeError(`realtimeFactor must be > 0, got ${realtimeFactor}`);
  if (!(tailMs >= 0)) throw new RangeError(`tailMs must be >= 0, got ${tailMs}`);
  const uuid = opts.uuid ?? randomUUID();
  const callStart = performance.now();
  let audioStart = callStart;
  const elapsed = () => performance.now() - audioStart;
  const emit = (event: EventWithoutTime) => opts.onEvent?.({ ...event, atMs: elapsed() });

  const latency = new LatencyTracker(findSpeechTurns(opts.input, opts.speechDetector));
  const agentChunks: Buffer[] = [];
  const summary: CallSummary = {
    transport: target.transport,
    uuid,
    framesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    agentAudio: new Int16Array(0),
    transcripts: [],
    interruptions: 0,
    latenciesMs: [],
    turns: [],
    errors: [],
    durationMs: 0,
  };
  const handlers: ServiceHandlers = {
    audio(bytes) {
      agentChunks.push(bytes);
      summary.bytesReceived += bytes.length;
      if (target.transport === 'ws') summary.framesReceived++;
      emit({ type: 'agent-audio', bytes: bytes.length });
      const answer = latency.agentAudio(elapsed());
      if (answer) emit({ type: 'latency', turn: answer.turn + 1, latencyMs: answer.latencyMs });
    },
    transcript(role, text) {
      summary.transcripts.push({ role, text, atMs: elapsed() });
      emit({ type: 'transcript', role, text });
    },
    interruption() {
      summary.interruptions++;
      emit({ type: 'interruption' });
    },
    error(message) {
      summary.errors.push(message);
      emit({ type: 'error', message });
    },
  };

  const finish = (): CallSummary => {
    const agentBytes = Buffer.concat(agentChunks);
    summary.agentAudio = bytesToSamples(agentBytes);
    if (target.transport === 'http') summary.framesReceived = Math.floor(agentBytes.length / FRAME_BYTES);
    summary.turns = latency.summary();
    summary.latenciesMs = summary.turns.flatMap((t) => (t.latencyMs === null ? [] : [t.latencyMs]));
    summary.durationMs = performance.now() - callStart;
    return summary;
  };

  let connection: CallConnection;
  try {
    connection = await connect(target, uuid, opts.token, handlers);
  } catch (err) {
    handlers.error(`could not connect to ${displayUrl(target.url)}: ${errorText(err)}`);
    return finish();
  }
  audioStart = performance.now();
  emit({ type: 'connected', transport: target.transport, uuid });

  const total = frameCount(opts.input.length) + Math.ceil(tailMs / FRAME_MS);
  summary.framesSent = await paceFrames(total, realtimeFactor, (i) => {
    if (connection.ended || opts.signal?.aborted) return false;
    connection.send(frameBytes(opts.input, i));
    latency.frameSent(i, elapsed());
    emit({ type: 'progress', sentMs: (i + 1) * FRAME_MS, receivedMs: (summary.bytesReceived / BYTES_PER_SECOND) * 1000 });
    return true;
  });
  await connection.hangUp(opts.closeTimeoutMs ?? 3000);
  summary.closeCode = connection.closeCode;
  summary.closeReason = connection.closeReason;
  summary.httpStatus = connection.httpStatus;
  emit({ type: 'closed', code: connection.closeCode, reason: connection.closeReason, httpStatus: connection.httpStatus });
  return finish();
}

function connect(target: CallTarget, uuid: string, token: string | undefined, handlers: ServiceHandlers): Promise<CallConnection> {
  return target.transport === 'ws' ? connectWs(target.url, uuid, handlers) : connectHttp(target.url, uuid, token, handlers);
}

function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorText(err.errors[0]);
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
