import { randomBytes } from 'node:crypto';

/** OpenAI-style opaque ids (`event_…`, `resp_…`, `item_…`): unique per process, meaningless inside. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
