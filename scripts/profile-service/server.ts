import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Two numbers, two agents: what a profile web service answers for AVR's called number `to`. */
export const SAMPLE_PROFILES: Record<string, object> = {
  '5001': {
    name: 'sales',
    version: '1',
    voice: 'cedar',
    greeting: 'Thank you for calling Acme sales. How can I help?',
    instructions:
      'You are the sales agent of Acme. The caller is {{caller_number}}; today is {{today}}. Offer a transfer to a person when asked.',
    tools: ['avr_transfer'],
  },
  '5002': {
    name: 'support',
    version: '1',
    voice: 'ash',
    greeting: 'Acme support, what is the problem?',
    instructions: 'You are the support agent of Acme. Be brief. End the call when the caller is done.',
    tools: ['avr_hangup'],
    vad_silence_ms: 700,
  },
};

export interface ProfileServiceOptions {
  port: number;
  host: string;
  /** Profiles by called number (the call metadata's `to`). */
  profiles: Record<string, object>;
  /** When set, requests must carry exactly this Authorization header (AGENT_PROFILE_AUTH_HEADER). */
  authHeader?: string;
}

export interface ProfileRequest {
  uuid: string | undefined;
  body: { uuid?: string; transport?: string; metadata?: Record<string, unknown> };
}

export interface RunningProfileService {
  url: string;
  /** Every request answered, in order. */
  requests: ProfileRequest[];
  close(): Promise<void>;
}

/** The sample service: POST {uuid, transport, metadata} → 200 profile, 404 for a number it does not know, 401 without the header. */
export async function startProfileService(options: ProfileServiceOptions): Promise<RunningProfileService> {
  const requests: ProfileRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body?: object) => {
        res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
        res.end(body ? JSON.stringify(body) : undefined);
      };
      if (req.method !== 'POST') return answer(405, { error: 'POST only' });
      if (options.authHeader !== undefined && req.headers.authorization !== options.authHeader)
        return answer(401, { error: 'unauthorised' });
      let body: ProfileRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProfileRequest['body'];
      } catch {
        return answer(400, { error: 'not JSON' });
      }
      requests.push({ uuid: req.headers['x-avr-uuid'] as string | undefined, body });
      const to = body.metadata?.to;
      const profile = typeof to === 'string' ? options.profiles[to] : undefined;
      return profile ? answer(200, profile) : answer(404);
    });
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/profile`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
