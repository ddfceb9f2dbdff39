import { AvrWsClient } from '../support/avr-client.js';
import { ServiceProcess } from '../../scripts/service-process.js';
import { FakeRealtimeServer } from '../support/fake-realtime-server.js';
import { waitUntil } from '../support/wait.js';
import { closeCodeOf, ODD_TARGETS, openDescriptors, rawExchange, rssMb, upgradeHead } from './edge.js';
import { WsWitness } from './support.js';

/**
 * The compiled service as its own process (`node dist/main.js`, as production runs it): what
 * killed it on main (one message, one request target) leaves it up, and SIGTERM completes with
 * connections that never sent init open.
 */
const AUTH_TOKEN = 'auth-PROCESS-SECRET-5d1e';

let fake: FakeRealtimeServer;
beforeAll(async () => {
  fake = await FakeRealtimeServer.start();
});
afterAll(async () => {
  await fake.close();
});

describe('the built service under attack', () => {
  it('one hostile message or request target no longer ends the process: the witness keeps its audio, descriptors come back', async () => {
    const service = await ServiceProcess.start({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-process', AUTH_TOKEN });
    const pid = service.child.pid!;
    try {
      const witness = await WsWitness.open(service, fake, 'process-witness', `?token=${AUTH_TOKEN}`);
      await witness.check();
      const fdsBefore = openDescriptors(pid);
      const rssBefore = rssMb(pid);

      // The 23 bytes that ended the process in 16 ms, before init and mid-call.
      const early = await AvrWsClient.connect(`${service.wsUrl}/?token=${AUTH_TOKEN}`);
      early.ws.send('{"type":{"toString":0}}');
      const mid = await AvrWsClient.connect(`${service.wsUrl}/?token=${AUTH_TOKEN}`);
      const next = fake.connections.length;
      mid.init('process-mid');
      await (await fake.waitForConnection(next)).waitFor('session.update');
      mid.ws.send('{"type":{"toString":0}}');
      // The request targets that ended it without credentials, 20 of each.
      for (let round = 0; round < 20; round++) {
        for (const target of ODD_TARGETS) {
          const ex = rawExchange(service.port, upgradeHead(target));
          await waitUntil(
            () => /^HTTP\/1\.1 [^1]/.test(ex.received()) || closeCodeOf(ex.received()) !== undefined,
            3000,
            `an answer to ${target}`,
          );
          ex.socket.destroy();
        }
      }
      await witness.check();
      expect(service.child.exitCode).toBeNull();
      expect(early.count('error') + mid.count('error')).toBe(0);
      early.close();
      mid.close();
      await mid.closed;

      await witness.check();
      await waitUntil(() => openDescriptors(pid) <= fdsBefore + 2, 5000, 'descriptors back to their start');
      process.stdout.write(`hardening-process: fds ${fdsBefore} -> ${openDescriptors(pid)}, RSS ${rssBefore} MB -> ${rssMb(pid)} MB\n`);
      const errors = service.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
      expect(errors).toEqual([]);
      witness.close();
    } finally {
      service.kill();
    }
  });

  it('SIGTERM with 200 connections that never sent init and one live call: the live call drains as before, exit 0 within the grace', async () => {
    const graceMs = 20000;
    const service = await ServiceProcess.start({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-drain',
      SHUTDOWN_GRACE_MS: String(graceMs),
      // Long enough that the init timeout cannot be what closes them.
      INIT_TIMEOUT_MS: '60000',
    });
    try {
      const live = await AvrWsClient.connect(service.wsUrl);
      live.init('drain-live-with-idle');
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');
      // 200: MAX_PENDING_CONNECTIONS at its default, all open at once.
      const idle: AvrWsClient[] = [];
      for (let i = 0; i < 200; i++) idle.push(await AvrWsClient.connect(service.wsUrl));

      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      const idleClosed = await Promise.all(idle.map((c) => c.closed));
      expect(new Set(idleClosed.map((c) => c.code))).toEqual(new Set([1001]));
      expect(idle.every((c) => c.count('error') === 0)).toBe(true);

      // The live call goes on during the drain, as before.
      await upstream.sendResponse({ audioMs: 400 });
      await live.until(() => live.agentAudio().bytes.length >= 6400, 5000, 'agent audio during the drain');
      expect(service.child.exitCode).toBeNull();
      live.close();
      expect(await service.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(graceMs);
    } finally {
      service.kill();
    }
  });
});
