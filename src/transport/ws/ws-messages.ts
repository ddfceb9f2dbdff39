import { callUuid } from '../call-uuid.js';

/** AVR core's WebSocket messages (client -> service), validated. */
export type ClientMessage =
  | { type: 'init'; uuid: string; uuidProblem?: string; extra: Record<string, unknown> }
  | { type: 'audio'; audio: Buffer }
  | { type: 'dtmf_digit'; digit: string };

/** What kind of mistake a bad message is: the kinds are a fixed, small set (a metric label). */
export type MessageErrorKind = 'not_json' | 'not_object' | 'no_type' | 'unknown_type' | 'bad_audio' | 'bad_dtmf';

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; kind: MessageErrorKind; error: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF = /^[0-9*#A-D]$/;
/** The shape AVR core sends 50 times a second per call: read without a JSON parse. */
const AUDIO_PREFIX = '{"type":"audio","audio":"';
const AUDIO_SUFFIX = '"}';

/**
 * Total: returns a message or a classified error for any text, and never throws (a value's own
 * toString, getters or nesting never run: only JSON.parse output is read, by typeof).
 */
export function parseClientMessage(text: string): ParseResult {
  if (text.startsWith(AUDIO_PREFIX) && text.endsWith(AUDIO_SUFFIX)) {
    const b64 = text.slice(AUDIO_PREFIX.length, text.length - AUDIO_SUFFIX.length);
    // Only pure base64 between the quotes takes the fast path: `..."," extra":"x"}` is JSON.
    if (BASE64.test(b64)) return audioMessage(b64);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, kind: 'not_json', error: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'not_object', error: 'message must be a JSON object with a "type"' };
  }
  const msg = value as Record<string, unknown>;
  switch (msg.type) {
    case 'audio':
      return typeof msg.audio === 'string'
        ? audioMessage(msg.audio)
        : { ok: false, kind: 'bad_audio', error: 'audio message needs "audio" as a base64 string' };
    case 'init': {
      const { type: _type, uuid, ...extra } = msg;
      const settled = callUuid(uuid);
      return {
        ok: true,
        message: { type: 'init', uuid: settled.uuid, ...(settled.problem ? { uuidProblem: settled.problem } : {}), extra },
      };
    }
    case 'dtmf_digit':
      return typeof msg.digit === 'string' && DTMF.test(msg.digit)
        ? { ok: true, message: { type: 'dtmf_digit', digit: msg.digit } }
        : { ok: false, kind: 'bad_dtmf', error: 'dtmf_digit needs "digit" as one key: 0-9, *, #, A-D' };
    case undefined:
      return { ok: false, kind: 'no_type', error: 'message has no "type"' };
    default:
      return { ok: false, kind: 'unknown_type', error: `unknown message type ${describeType(msg.type)}` };
  }
}

/** A printable name for a type that is not one we know, whatever JSON value it is. */
function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.slice(0, 40));
  if (typeof type === 'number' || typeof type === 'boolean') return JSON.stringify(String(type));
  return `(a JSON ${type === null ? 'null' : Array.isArray(type) ? 'array' : typeof type})`;
}

function audioMessage(b64: string): ParseResult {
  if (b64.length === 0) return { ok: false, kind: 'bad_audio', error: 'audio is empty' };
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return { ok: false, kind: 'bad_audio', error: 'audio is not valid base64' };
  return { ok: true, message: { type: 'audio', audio: Buffer.from(b64, 'base64') } };
}
