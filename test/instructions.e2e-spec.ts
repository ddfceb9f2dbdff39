import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp } from './support/app.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** Instructions from the web service, resolved while the upstream connects, with caller audio kept meanwhile. */
describe('instructions on a WebSocket call', () => {
  it('sends the web service instructions in session.update and keeps the caller audio that arrived while waiting', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(String(req.headers['x-avr-uuid']));
      void released.then(() => res.end(JSON.stringify({ system: 'You are the bakery assistant.' })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const fake = await upstream.start();
    const app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-instr',
      OPENAI_URL_INSTRUCTIONS: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      INSTRUCTIONS_TIMEOUT_MS: '5000',
    });
    try {
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('instr-call');
      const upstream = await fake.waitForConnection(0);
      // The upstream is open while the instructions service is still thinking: nothing is configured yet.
      await new Promise((r) => setTimeout(r, 100));
      expect(upstream.count('session.update')).toBe(0);
      for (let i = 0; i < 10; i++) client.sendAudio(sineFrame(300, 5000, i * 160));
      await new Promise((r) => setTimeout(r, 50));
      release();
      const update = await upstream.waitFor('session.update');
      expect(update.session.instructions).toBe('You are the bakery assistant.');
      expect(seen).toEqual(['instr-call']);
      await upstream.waitFor('input_audio_buffer.append', () => upstream.audioBytesReceived() >= 9600);
      expect(upstream.audioBytesReceived()).toBe(9600);
      // Audio only after the session is configured.
      expect(upstream.received.findIndex((e) => e.type === 'session.update')).toBeLessThan(
        upstream.received.findIndex((e) => e.type === 'input_audio_buffer.append'),
      );
      const started = app.logs.find((l) => l.uuid === 'instr-call' && l.msg === 'upstream session configured');
      expect(started).toMatchObject({ instructionsSource: 'url' });
      expect(app.rawLogs()).not.toContain('You are the bakery assistant.');
      client.close();
    } finally {
      await app.close();
      await fake.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('lets the agent speak first when OPENAI_GREETING is set', async () => {
    const fake = await upstream.start();
    const app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-greet',
      OPENAI_INSTRUCTIONS: 'You are the bakery assistant.',
      OPENAI_GREETING: 'Welcome to the bakery, how can I help?',
    });
    try {
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('greeting-call');
      const upstream = await fake.waitForConnection(0);
      const create = await upstream.waitFor('response.create');
      expect(upstream.received.findIndex((e) => e.type === 'session.update')).toBeLessThan(upstream.received.indexOf(create));
      expect(create.response.instructions).toContain('You are the bakery assistant.');
      expect(create.response.instructions).toContain('Welcome to the bakery, how can I help?');
      expect(fake.invalidEvents).toEqual([]);
      client.close();
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
