import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvrWsClient } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { FakeLiveServer } from './support/fake-live-server.js';

type Json = Record<string, any>;

/**
 * Per-call agent profiles on a GPT-Live deployment: the real app with OPENAI_INTERFACE=live and a
 * profile directory, over real WebSockets, against the strict GPT-Live stand-in. What a call's
 * profile chooses reaches that call's session.start; the neighbour call keeps the env's settings.
 */
describe('agent profiles on GPT-Live', () => {
  let dir: string;
  let fake: FakeLiveServer;
  let app: TestApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'live-profiles-'));
    await writeFile(join(dir, 'sales.yaml'), 'voice: vesper\ninstructions: You sell parcels.\n');
    await writeFile(join(dir, 'odd.yaml'), 'voice: nova-not-live\n');
    fake = await FakeLiveServer.start();
    app = await startTestApp({
      OPENAI_INTERFACE: 'live',
      OPENAI_LIVE_URL: fake.url,
      OPENAI_API_KEY: 'sk-live-test',
      OPENAI_VOICE: 'marin',
      OPENAI_INSTRUCTIONS: 'You are the support line.',
      PROFILES_DIR: dir,
    });
  });

  afterEach(() => expect(fake.invalidEvents).toEqual([]));

  afterAll(async () => {
    await app.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens a call to extension `to` and returns its session.start, once the session has started. */
  async function sessionStartFor(uuid: string, to: string): Promise<{ client: AvrWsClient; start: Json }> {
    const client = await AvrWsClient.connect(`${app.wsUrl}/?from=2000&to=${to}`);
    const next = fake.connections.length;
    client.init(uuid);
    const conn = await fake.waitForConnection(next);
    const start = (await conn.waitFor('session.start')) as Json;
    return { client, start };
  }

  it("two concurrent calls: the profile's voice and instructions reach its session.start, the neighbour's stay the env's", async () => {
    // Both calls up at once (connected one after the other, so each session is known for sure).
    const sales = await sessionStartFor('live-profile-sales', 'sales');
    const plain = await sessionStartFor('live-profile-plain', '5001');
    expect(sales.start.session.audio.output.voice).toBe('vesper');
    expect(sales.start.session.instructions).toContain('You sell parcels.');
    expect(plain.start.session.audio.output.voice).toBe('marin');
    expect(plain.start.session.instructions).toContain('You are the support line.');
    sales.client.close();
    plain.client.close();
  });

  it("a profile voice GPT-Live does not have: the call starts on the deployment's voice, and the log says why", async () => {
    const { client, start } = await sessionStartFor('live-profile-odd', 'odd');
    expect(start.session.audio.output.voice).toBe('marin');
    const warning = app.logs.find((l) => l.uuid === 'live-profile-odd' && /not a GPT-Live voice/.test(String(l.msg)));
    expect(warning).toMatchObject({ voice: 'nova-not-live', kept: 'marin' });
    client.close();
  });
});
