import { randomUUID } from 'node:crypto';

const UUID_MAX_CHARS = 256;

export interface CallUuid {
  uuid: string;
  /** Set when the uuid was not usable as sent: what was done instead (one warning per call). */
  problem?: string;
}

/** Visible ASCII: what an HTTP header (X-AVR-UUID, call-record webhooks) and a log line carry safely. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The call's uuid, settled once at the edge: AVR core's uuid as sent when it is visible ASCII;
 * any other character (emoji, bidi override, U+2028, DEL, C0/C1 controls, space) percent-encoded
 * as UTF-8, so every header, log line and record carries the same, safe value; a missing, empty,
 * non-string or over-long uuid replaced by a generated one.
 */
export function callUuid(raw: unknown): CallUuid {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return {
      uuid: randomUUID(),
      problem: `no usable uuid (${raw === undefined ? 'none sent' : typeof raw === 'string' ? 'empty' : `a ${raw === null ? 'null' : typeof raw}`}): a generated uuid is used`,
    };
  }
  const trimmed = raw.trim();
  if (HEADER_SAFE.test(trimmed) && trimmed.length <= UUID_MAX_CHARS) return { uuid: trimmed };
  const encoded = encodeUnsafe(trimmed.slice(0, UUID_MAX_CHARS + 1));
  if (encoded.length > UUID_MAX_CHARS) {
    return { uuid: randomUUID(), problem: `uuid over ${UUID_MAX_CHARS} characters: a generated uuid is used` };
  }
  return { uuid: encoded, problem: 'uuid has characters a header cannot carry: they are percent-encoded' };
}

function encodeUnsafe(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
