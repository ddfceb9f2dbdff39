import type { AppConfig } from '../config/index.js';

export interface UpstreamTarget {
  url: string;
  headers: Record<string, string>;
  /** The URL without credentials or query, safe to log. */
  display: string;
  /** Bytes queued on this connection beyond which caller audio is dropped (OPENAI_MAX_SEND_BUFFER_BYTES). */
  maxSendBufferBytes?: number;
}

/**
 * Builds the upgrade request for the configured endpoint. Azure OpenAI (an *.openai.azure.com host)
 * authenticates with the `api-key` header; everything else with a bearer token.
 */
export function upstreamTarget(baseUrl: string, openai: AppConfig['openai']): UpstreamTarget {
  const url = new URL(baseUrl);
  url.searchParams.set('model', openai.model);
  const headers: Record<string, string> = {};
  if (openai.apiKey) {
    if (url.hostname.endsWith('.openai.azure.com')) headers['api-key'] = openai.apiKey;
    else headers.Authorization = `Bearer ${openai.apiKey}`;
  }
  return {
    url: url.toString(),
    headers,
    display: `${url.protocol}//${url.host}${url.pathname}`,
    maxSendBufferBytes: openai.maxSendBufferBytes,
  };
}
