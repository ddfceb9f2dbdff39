/**
 * GPT-Live server events, each typed by its `openai` 7.59.0 declaration, for the simulator's
 * GPT-Live mode and the test fake. Meant to be imported as a namespace
 * (`import * as liveEvent from './live-server-events.js'`): `liveEvent.error(...)`.
 */
import type {
  ErrorEvent,
  InputTranscriptDeltaEvent,
  OutputAudioDeltaEvent,
  OutputTranscriptDeltaEvent,
  ResponseEvent,
  SessionClosedEvent,
  SessionConfig,
  SessionStartedEvent,
  SessionUsageUpdatedEvent,
} from '../live/live-events.js';
import type { DelegationCreatedEvent, SessionResource } from 'openai-live-types/resources/live/live';
import { newId } from './ids.js';

export type LiveSessionResource = SessionResource;

/** The resolved session the server returns for a `session.start` it accepted. */
export function sessionResource(config: SessionConfig, expiresAtSec: number): SessionResource {
  const resource: SessionResource = {
    id: newId('live'),
    expires_at: expiresAtSec,
    model: config.model,
    status: 'active',
    audio: {
      format: config.audio?.format ?? { type: 'audio/pcm', rate: 24000 },
      output: { voice: config.audio?.output?.voice ?? 'marin' },
    },
    delegation: config.delegation ?? { type: 'client' },
  };
  if (config.instructions) resource.instructions = config.instructions;
  if (config.input) resource.input = config.input;
  return resource;
}

export function sessionStarted(session: SessionResource, clientEventId?: string | null): SessionStartedEvent {
  return { type: 'session.started', event_id: newId('event'), session, ...(clientEventId ? { client_event_id: clientEventId } : {}) };
}

export function outputAudio(audio: Buffer): OutputAudioDeltaEvent {
  return { type: 'session.output_audio.delta', delta: audio.toString('base64') };
}

export function inputTranscript(delta: string, startMs: number, endMs: number): InputTranscriptDeltaEvent {
  return { type: 'session.input_transcript.delta', event_id: newId('event'), delta, start_ms: startMs, end_ms: endMs };
}

export function outputTranscript(delta: string, startMs: number, endMs: number): OutputTranscriptDeltaEvent {
  return { type: 'session.output_transcript.delta', event_id: newId('event'), delta, start_ms: startMs, end_ms: endMs };
}

function responseEvent(delegationId: string, event: Record<string, unknown>): ResponseEvent {
  return { type: 'response.event', event_id: newId('event'), delegation_id: delegationId, event };
}

export function usageUpdated(seconds: number, usageRatio?: number): SessionUsageUpdatedEvent {
  return {
    type: 'session.usage.updated',
    event_id: newId('event'),
    usage: { seconds },
    ...(usageRatio !== undefined ? { context_window: { usage_ratio: usageRatio } } : {}),
  };
}

export function sessionClosed(
  session: SessionResource,
  reason: SessionClosedEvent['reason'],
  seconds: number,
  clientEventId?: string | null,
): SessionClosedEvent {
  return {
    type: 'session.closed',
    event_id: newId('event'),
    reason,
    session,
    usage: { seconds },
    ...(clientEventId ? { client_event_id: clientEventId } : {}),
  };
}

export function error(opts: { code: string; message: string; type?: string; param?: string; clientEventId?: string | null }): ErrorEvent {
  const error: ErrorEvent['error'] = { type: opts.type ?? 'invalid_request_error', code: opts.code, message: opts.message };
  if (opts.param) error.param = opts.param;
  if (opts.clientEventId) error.client_event_id = opts.clientEventId;
  return { type: 'error', event_id: newId('event'), error, ...(opts.clientEventId ? { client_event_id: opts.clientEventId } : {}) };
}

/** The ack of an append (`session.instructions.appended` and its two siblings). */
export function appended(
  type: 'session.instructions.appended' | 'session.thinking.appended' | 'session.commentary.appended',
  atMs: number,
  clientEventId?: string | null,
) {
  return { type, event_id: newId('event'), start_ms: atMs, end_ms: atMs, ...(clientEventId ? { client_event_id: clientEventId } : {}) };
}

/** The nested events of one delegated function call (created, output_item.done completed). */
function functionCallEvents(
  delegationId: string,
  responseId: string,
  call: { callId: string; name: string; arguments: string },
): ResponseEvent[] {
  return [
    responseEvent(delegationId, {
      type: 'response.created',
      response: { id: responseId, object: 'response', status: 'in_progress', output: [] },
    }),
    responseEvent(delegationId, {
      type: 'response.output_item.done',
      output_index: 0,
      item: {
        type: 'function_call',
        id: newId('fc'),
        call_id: call.callId,
        name: call.name,
        arguments: call.arguments,
        status: 'completed',
      },
    }),
  ];
}

/** A delegated backend function call: `session.delegation.created`, then its nested events. */
export function delegatedFunctionCall(
  offsetMs: number,
  call: { name: string; arguments: string },
): { events: Array<DelegationCreatedEvent | ResponseEvent>; callId: string; delegationId: string; responseId: string } {
  const delegationId = newId('item_delegation');
  const responseId = newId('resp');
  const callId = newId('call');
  const created: DelegationCreatedEvent = {
    type: 'session.delegation.created',
    event_id: newId('event'),
    offset_ms: offsetMs,
    delegation: { id: delegationId, type: 'delegation', target: 'responses', response_id: responseId },
  };
  return { events: [created, ...functionCallEvents(delegationId, responseId, { callId, ...call })], callId, delegationId, responseId };
}

/** The nested `response.completed` that ends a delegation, with the backend's token usage. */
export function responseCompleted(delegationId: string, responseId: string, usage: Record<string, unknown>): ResponseEvent {
  return responseEvent(delegationId, {
    type: 'response.completed',
    response: { id: responseId, object: 'response', status: 'completed', output: [], usage },
  });
}
