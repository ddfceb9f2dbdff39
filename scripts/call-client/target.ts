import type { TransportKind } from './types.js';

export interface CallTarget {
  transport: TransportKind;
  url: URL;
}

const HTTP_PATH = '/speech-to-speech-stream';

/** Picks the transport from the URL scheme, as AVR core's STS_URL does, and adds metadata and token. */
export function resolveTarget(url: string, query?: string, token?: string): CallTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid URL "${url}": expected ws://host:port or http://host:port${HTTP_PATH}`);
  }
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') {
    for (const [key, value] of new URLSearchParams(query ?? '')) parsed.searchParams.append(key, value);
    if (token) parsed.searchParams.set('token', token);
    return { transport: 'ws', url: parsed };
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    if (parsed.pathname === '/') parsed.pathname = HTTP_PATH;
    return { transport: 'http', url: parsed };
  }
  throw new Error(`unsupported URL scheme "${parsed.protocol}" in ${url}: use ws://, wss://, http:// or https://`);
}

/** The URL for messages and logs: a token in it is masked. */
export function displayUrl(url: URL): string {
  if (!url.searchParams.has('token')) return url.toString();
  const copy = new URL(url);
  copy.searchParams.set('token', '***');
  return copy.toString();
}
