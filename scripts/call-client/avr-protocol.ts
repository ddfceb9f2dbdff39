/**
 * The caller's side of the AVR core STS WebSocket protocol (../shared/reference/avr-core-protocol.md),
 * the one implementation the call CLI, the soak, the load bench and the test clients share: the
 * messages a caller sends, and the service's messages read back into a typed shape.
 */

/** The service's audio message is exactly this prefix, base64 PCM, this suffix (what a hot client can test for). */
const AUDIO_MESSAGE_PREFIX = '{"type":"audio","audio":"';
const AUDIO_MESSAGE_SUFFIX = '"}';

/** Close codes of a call that ended normally: 1000 normal, 1001 going away, 1005 no code given. */
export const CLEAN_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

/** The first message of a call: {"type":"init","uuid"} (with any extra fields a test wants to send). */
export function initMessage(uuid: string, extra: object = {}): string {
  return JSON.stringify({ type: 'init', uuid, ...extra });
}

/** One caller frame: 8 kHz 16-bit mono PCM, base64 in a JSON text message. */
export function audioMessage(pcm: Buffer): string {
  return `${AUDIO_MESSAGE_PREFIX}${pcm.toString('base64')}${AUDIO_MESSAGE_SUFFIX}`;
}

/** The base64 audio of a message in the service's usual audio shape, without parsing JSON; else undefined. */
export function plainAudioPayload(text: string): string | undefined {
  if (!text.startsWith(AUDIO_MESSAGE_PREFIX) || !text.endsWith(AUDIO_MESSAGE_SUFFIX)) return undefined;
  return text.slice(AUDIO_MESSAGE_PREFIX.length, text.length - AUDIO_MESSAGE_SUFFIX.length);
}

export type ServiceMessage =
  | { type: 'audio'; audio: Buffer }
  | { type: 'transcript'; role: string; text: string }
  | { type: 'interruption' }
  /** `message` is the top-level text; `coreMessage` is `error.message`, the field AVR core's handler reads. */
  | { type: 'error'; message: string; coreMessage?: string }
  /** A type newer services may send; a caller ignores it. */
  | { type: 'other'; name: string };

export type DecodedMessage = { ok: true; message: ServiceMessage } | { ok: false; problem: string; type?: string };

/** A WebSocket message from the service, checked against the protocol. */
export function decodeServiceMessage(data: Buffer | string, isBinary = false): DecodedMessage {
  if (isBinary) return { ok: false, problem: `received a binary message (${data.length} bytes); the protocol is JSON text` };
  const text = data.toString();
  let raw: { type?: unknown; audio?: unknown; role?: unknown; text?: unknown; message?: unknown; error?: { message?: unknown } };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return { ok: false, problem: `received a message that is not JSON: ${text.slice(0, 80)}` };
  }
  switch (raw?.type) {
    case 'audio':
      if (typeof raw.audio !== 'string') return { ok: false, problem: 'received an audio message without base64 "audio"', type: 'audio' };
      return { ok: true, message: { type: 'audio', audio: Buffer.from(raw.audio, 'base64') } };
    case 'transcript':
      return { ok: true, message: { type: 'transcript', role: textOf(raw.role, '?'), text: textOf(raw.text, '') } };
    case 'interruption':
      return { ok: true, message: { type: 'interruption' } };
    case 'error': {
      const coreMessage = raw.error?.message === undefined ? undefined : textOf(raw.error.message, '');
      return { ok: true, message: { type: 'error', message: textOf(raw.message, JSON.stringify(raw)), coreMessage } };
    }
    default:
      return { ok: true, message: { type: 'other', name: String(raw?.type) } };
  }
}

/** A field meant to be text: as is when it is a string, JSON when it is something else, the fallback when absent. */
function textOf(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
