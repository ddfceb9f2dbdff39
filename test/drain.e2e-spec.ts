import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient } from './support/avr-client.js';
import { ServiceProcess } from '../scripts/service-process.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** SIGTERM during live calls, on the compiled service as Kubernetes would send it. */
describe('graceful drain on SIGTERM', () => {
  let fake: FakeRealtimeServer;
  beforeAll(async () => {
    fake = await upstream.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('refuses new calls, keeps the live call working, and exits 0 when it ends', async () => {
    const service = await ServiceProcess.start({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-drain', SHUTDOWN_GRACE_MS: '20000' });
    try {
      const live = await AvrWsClient.connect(service.wsUrl);
      live.init('drain-live');
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');

      service.child.kill('SIGTERM');
      await waitUntil(async () => (await fetch(`${service.httpUrl}/health/ready`)).status === 503);
      expect((await fetch(`${service.httpUrl}/health/live`)).status).toBe(200);

      const refused = await AvrWsClient.connect(service.wsUrl);
      const refusal = await refused.closed;
      expect(refusal.code).toBe(1013);
      expect(refusal.reason).toMatch(/shutting down/);

      await upstream.sendResponse({ audioMs: 400 });
      await live.until(() => live.agentAudio().bytes.length >= 6400, 5000, 'agent audio during the drain');
      expect(service.child.exitCode).toBeNull();

      live.close();
      expect(await service.exited).toBe(0);
    } finally {
      service.kill();
    }
  });

  it('closes calls still live when the grace runs out, telling them why, and exits 0', async () => {
    const service = await ServiceProcess.start({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-drain', SHUTDOWN_GRACE_MS: '500' });
    try {
      const live = await AvrWsClient.connect(service.wsUrl);
      live.init('drain-grace');
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');
      service.child.kill('SIGTERM');
      const closed = await live.closed;
      expect(closed.code).toBe(1001);
      expect(live.messages.filter((m) => m.type === 'error').map((m) => m.message)).toContain('service is shutting down');
      expect(await service.exited).toBe(0);
    } finally {
      service.kill();
    }
  });
});
