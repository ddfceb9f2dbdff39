import type { Env } from '../../src/config/index.js';
import { startTestApp, type TestApp } from './app.js';
import type { AvrWsClient } from './avr-client.js';
import type { FakeConnection, FakeRealtimeServer } from './fake-realtime-server.js';
import { openWsCall } from './open-ws-call.js';
import type { FakeUpstreamFixture } from './with-fake-upstream.js';

export interface AppOverFakeUpstream {
  /** The real app (started in beforeAll). */
  readonly app: TestApp;
  /** The fake OpenAI upstream the app talks to (started in beforeAll). */
  readonly fake: FakeRealtimeServer;
  /** Opens a WebSocket call as AVR core does, closed after the test, once its upstream has had session.update. */
  call(uuid: string, query?: string): Promise<{ client: AvrWsClient; upstream: FakeConnection }>;
}

/**
 * The usual e2e suite around one app: before it, a fake from `upstream` (so its client-event checks
 * apply) and the real app with OPENAI_REALTIME_URL pointed at it plus `env`; after each test, the
 * calls it opened are closed; after the suite, the app closes before the fake, so the service never
 * sees its upstream vanish during teardown. Call it inside the describe.
 */
export function appOverFakeUpstream(upstream: FakeUpstreamFixture, env: Env): AppOverFakeUpstream {
  let app: TestApp | undefined;
  let fake: FakeRealtimeServer | undefined;
  const clients: AvrWsClient[] = [];
  beforeAll(async () => {
    fake = await upstream.start();
    app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, ...env });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });
  const started = () => {
    if (!app || !fake) throw new Error('appOverFakeUpstream: the app and the fake start in beforeAll');
    return { app, fake };
  };
  return {
    get app() {
      return started().app;
    },
    get fake() {
      return started().fake;
    },
    async call(uuid, query = '') {
      const opened = await openWsCall(started().app, started().fake, uuid, query);
      clients.push(opened.client);
      return opened;
    },
  };
}
