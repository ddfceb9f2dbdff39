import type { IncomingMessage } from 'node:http';
import { bearerToken, tokenMatches } from '../common/bearer-token.js';
import { queryParam } from './call-metadata.js';

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
