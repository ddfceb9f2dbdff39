import { describeRequestError } from '../http-client/get-json-capped.js';

/** Why a request to the AMI service failed, in words the model can repeat to the caller. */
class AmiError extends Error {
  override readonly name = 'AmiError';
}

export interface AmiTarget {
  /** Base URL of the avr-ami service. */
  amiUrl: string;
  timeoutMs: number;
}

/** Longest reply message passed on: it goes to the model, and an HTML error page is not worth reading out. */
const MAX_MESSAGE_CHARS = 300;

/**
 * POSTs a JSON body to `${amiUrl}/${action}` and returns the reply's `message` (undefined when the
 * reply has none). Non-2xx, network failures and timeouts throw an AmiError. `signal` lets the tool
 * runner abandon the request when the tool as a whole runs out of time.
 */
export async function postToAmi(target: AmiTarget, action: string, body: object, signal?: AbortSignal): Promise<string | undefined> {
  const { url, authorization } = amiEndpoint(target.amiUrl, action);
  const timeout = AbortSignal.timeout(target.timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: authorization ? { 'content-type': 'application/json', authorization } : { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if (timeout.aborted) throw new AmiError(`the AMI service did not answer within ${target.timeoutMs} ms`);
    if (signal?.aborted) throw new AmiError('the request to the AMI service was abandoned');
    // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND...) as its cause.
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new AmiError(`the AMI service is unreachable (${describeRequestError(cause)})`);
  }
  const message = replyMessage(text);
  if (status < 200 || status > 299) throw new AmiError(`AMI answered HTTP ${status}${message ? `: ${message}` : ''}`);
  return message;
}

/**
 * The action's URL without user-info, and that user-info as a Basic Authorization header: fetch
 * refuses a URL with credentials (quoting it whole in its error, which would reach the model, the
 * record and the log), and nothing this module says may carry them.
 */
function amiEndpoint(amiUrl: string, action: string): { url: string; authorization?: string } {
  const url = new URL(`${amiUrl.replace(/\/+$/, '')}/${action}`);
  if (!url.username && !url.password) return { url: url.toString() };
  const credentials = `${decodeLenient(url.username)}:${decodeLenient(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function decodeLenient(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function replyMessage(text: string): string | undefined {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    return undefined;
  }
  const message = (reply as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || !message.trim()) return undefined;
  return message.trim().slice(0, MAX_MESSAGE_CHARS);
}
