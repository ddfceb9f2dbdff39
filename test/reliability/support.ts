/**
 * Shared pieces of the reliability suites: witness calls that prove the service and the calls
 * next to a fault keep working and lose no audio, and log-line queries by call uuid.
 */
import WebSocket from 'ws';
import { AvrWsClient, sineFrame } from '../support/avr-client.js';
import { AvrHttpCall } from '../support/http-call.js';
import type { FakeConnection, FakeRealtimeServer } from '../support/fake-realtime-server.js';
import type { TestApp } from '../support/app.js';
import { openWsCall } from '../support/open-ws-call.js';
import { waitUntil } from '../support/wait.js';

export { openWsCall, waitUntil };

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 8 kHz caller PCM -> 24 kHz upstream: each 320-byte frame becomes exactly 960 bytes. */
const UPSTREAM_BYTES_PER_CALLER_BYTE = 3;
/** 200 ms of agent audio at 8 kHz, 16-bit. */
const RESPONSE_MS = 200;
const RESPONSE_BYTES = RESPONSE_MS * 16;

/** Log lines naming a call uuid, optionally only at some levels. */
export function linesOf(app: TestApp, uuid: string, levels?: string[]): Array<Record<string, unknown>> {
  return app.logs.filter((l) => l.uuid === uuid && (!levels || levels.includes(String(l.level))));
}

/** One log line whose message matches, or undefined. */
export function findLine(app: TestApp, msg: RegExp, uuid?: string): Record<string, unknown> | undefined {
  return app.logs.find((l) => typeof l.msg === 'string' && msg.test(l.msg) && (uuid === undefined || l.uuid === uuid));
}

/**
 * A good call that runs beside the faults: each check sends it fresh caller frames that must all
 * reach its upstream, and a scripted response that must all reach its client.
 */
export class WsWitness {
  private sample = 0;
  checks = 0;

  private constructor(
    readonly client: AvrWsClient,
    readonly upstream: FakeConnection,
  ) {}

  static async open(app: Pick<TestApp, 'wsUrl'>, fake: FakeRealtimeServer, uuid = 'witness-ws', query = ''): Promise<WsWitness> {
    const { client, upstream } = await openWsCall(app, fake, uuid, query);
    return new WsWitness(client, upstream);
  }

  async check(frames = 5): Promise<void> {
    this.checks++;
    const upBefore = this.upstream.audioBytesReceived();
    const outBefore = this.client.agentAudio().bytes.length;
    const transcriptsBefore = this.client.count('transcript');
    for (let i = 0; i < frames; i++) {
      this.client.sendAudio(sineFrame(300, 6000, this.sample));
      this.sample += 160;
    }
    const expected = upBefore + frames * 320 * UPSTREAM_BYTES_PER_CALLER_BYTE;
    await waitUntil(() => this.upstream.audioBytesReceived() >= expected, 5000, 'the witness caller audio upstream');
    if (this.upstream.audioBytesReceived() !== expected) {
      throw new Error(`witness upstream got ${this.upstream.audioBytesReceived() - upBefore} bytes, expected ${expected - upBefore}`);
    }
    await this.upstream.sendResponse({ audioMs: RESPONSE_MS, transcript: `witness check ${this.checks}` });
    // The transcript follows the response's last audio frame: once it is here, all audio is.
    await this.client.until(() => this.client.count('transcript') > transcriptsBefore, 5000, 'the witness response');
    const got = this.client.agentAudio().bytes.length - outBefore;
    if (got < RESPONSE_BYTES || got > RESPONSE_BYTES + 320)
      throw new Error(`witness client got ${got} bytes of a ${RESPONSE_BYTES}-byte response`);
    const errors = this.client.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new Error(`witness got error messages: ${JSON.stringify(errors)}`);
    if (this.client.ws.readyState !== WebSocket.OPEN) throw new Error('witness WebSocket is not open');
  }

  close(): void {
    this.client.close();
  }
}

/** The HTTP transport's witness: raw PCM up in the request body, raw PCM down in the response. */
export class HttpWitness {
  private sample = 0;

  private constructor(
    readonly call: AvrHttpCall,
    readonly upstream: FakeConnection,
  ) {}

  static async open(
    app: Pick<TestApp, 'httpUrl'>,
    fake: FakeRealtimeServer,
    uuid = 'witness-http',
    headers: Record<string, string> = {},
  ): Promise<HttpWitness> {
    const next = fake.connections.length;
    const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': uuid, ...headers });
    const upstream = await fake.waitForConnection(next);
    await upstream.waitFor('session.update');
    const res = await call.response;
    if (res.statusCode !== 200) throw new Error(`HTTP witness answered ${res.statusCode}`);
    return new HttpWitness(call, upstream);
  }

  async check(frames = 5): Promise<void> {
    const upBefore = this.upstream.audioBytesReceived();
    const outBefore = this.call.received().length;
    for (let i = 0; i < frames; i++) {
      this.call.write(sineFrame(350, 6000, this.sample));
      this.sample += 160;
    }
    const expected = upBefore + frames * 320 * UPSTREAM_BYTES_PER_CALLER_BYTE;
    await waitUntil(() => this.upstream.audioBytesReceived() >= expected, 5000, 'the HTTP witness caller audio upstream');
    if (this.upstream.audioBytesReceived() !== expected) {
      throw new Error(`HTTP witness upstream got ${this.upstream.audioBytesReceived() - upBefore} bytes, expected ${expected - upBefore}`);
    }
    await this.upstream.sendResponse({ audioMs: RESPONSE_MS });
    await waitUntil(() => this.call.received().length >= outBefore + RESPONSE_BYTES, 5000, 'the HTTP witness response');
  }

  close(): void {
    this.call.end();
  }
}
