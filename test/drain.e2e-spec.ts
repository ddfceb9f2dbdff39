import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../src/audio/wav/wav.js';
import { startFakeAmi } from '../src/tools/testing/tools-test-kit.js';
import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient } from './support/avr-client.js';
import { ServiceProcess } from '../scripts/service-process.js';
import { openWsCall } from './support/open-ws-call.js';
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
      const { client: live, upstream } = await openWsCall(service, fake, 'drain-live');

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
      const { client: live } = await openWsCall(service, fake, 'drain-grace');
      service.child.kill('SIGTERM');
      const closed = await live.closed;
      expect(closed.code).toBe(1001);
      expect(live.messages.filter((m) => m.type === 'error').map((m) => m.message)).toContain('service is shutting down');
      expect(await service.exited).toBe(0);
    } finally {
      service.kill();
    }
  });

  it('with a failure action, a call still live near the end of the grace hears the announcement and is hung up through AMI, within the grace', async () => {
    const ami = await startFakeAmi(() => ({ status: 200, body: '{"message":"ok"}' }));
    const announcement = join(mkdtempSync(join(tmpdir(), 'avr-drain-')), 'sorry.wav');
    // 0.5 s at 8 kHz: 25 frames of 20 ms.
    writeFileSync(
      announcement,
      writeWav(
        Int16Array.from({ length: 4000 }, (_, i) => Math.round(6000 * Math.sin(i / 3))),
        8000,
      ),
    );
    const service = await ServiceProcess.start({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-drain',
      AMI_URL: ami.url,
      AMI_TIMEOUT_MS: '1000',
      FAILURE_ANNOUNCEMENT: announcement,
      // Wind-down: 500 ms of announcement + 1000 ms AMI timeout + 500 ms margin = 2 s before the grace ends.
      SHUTDOWN_GRACE_MS: '4000',
    });
    try {
      const { client: live } = await openWsCall(service, fake, 'drain-announced');
      const sigtermAt = Date.now();
      service.child.kill('SIGTERM');
      await waitUntil(() => ami.requests.length > 0, 6000, 'the AMI hangup');
      const handedOverMs = Date.now() - sigtermAt;
      // The call had its grace up to the wind-down, and was handed over before the grace ran out.
      expect(handedOverMs).toBeGreaterThanOrEqual(1900);
      expect(handedOverMs).toBeLessThan(4000);
      expect(ami.requests).toEqual([expect.objectContaining({ path: '/hangup', body: { uuid: 'drain-announced' } })]);
      const closed = await live.closed;
      expect(live.agentAudio().frameSizes).toEqual(Array(25).fill(320));
      expect(live.count('error')).toBe(0);
      expect(closed.code).not.toBe(1011);
      expect(await service.exited).toBe(0);
      const ended = service.logs().find((l) => l.uuid === 'drain-announced' && String(l.msg).startsWith('call ended'));
      expect(ended).toMatchObject({ outcome: 'drained', handling: 'announced_hangup' });
    } finally {
      service.kill();
      await ami.close();
    }
  });
});
