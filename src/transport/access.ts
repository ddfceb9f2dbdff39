import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { queryParam } from './call-metadata.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Whether a call request may proceed: no token configured, or the token presented as a bearer
 * header, or (WebSocket only: AVR core can configure nothing but a URL) as `?token=`.
 */
export function callAuthorised(req: IncomingMessage, expected: string | undefined, allowQueryToken: boolean): boolean {
  if (!expected) return true;
  if (tokenMatches(bearerToken(req), expected)) return true;
  if (!allowQueryToken) return false;
  return tokenMatches(queryParam(req.url, 'token'), expected);
}
