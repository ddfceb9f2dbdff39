import type { PostResult } from './post-json.js';

export type AttemptVerdict = { delivered: true; status: number } | { delivered: false; retryable: boolean; reason: string };

/**
 * Whether a delivery attempt worked and, if not, whether trying again could help: the network,
 * a timeout, 429 and 5xx are passing troubles; any other status means the receiver will refuse
 * this record every time (redirects are not followed: the URL is the operator's to correct).
 */
export function judgeAttempt(result: PostResult): AttemptVerdict {
  if ('failure' in result) return { delivered: false, retryable: true, reason: result.failure };
  const { status } = result;
  if (status >= 200 && status <= 299) return { delivered: true, status };
  return { delivered: false, retryable: status === 429 || status >= 500, reason: `HTTP ${status}` };
}
