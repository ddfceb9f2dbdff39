import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_PROFILES, startProfileService, type RunningProfileService } from '../scripts/profile-service/server.js';
import { RecordReceiver } from '../src/records/testing/record-receiver.js';
import { startTestApp, type TestApp } from './support/app.js';
import { AvrWsClient } from './support/avr-client.js';
import type { FakeConnection, FakeRealtimeServer } from './support/fake-realtime-server.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

type Json = Record<string, any>;

/** Two callers dialling two numbers at the same moment, as AVR core passes them (query parameters). */
const CALLERS = [
  { uuid: 'prof-call-a', query: '?from=%2B33611&to=5001', from: '+33611', to: '5001' },
  { uuid: 'prof-call-b', query: '?from=%2B33622&to=5002', from: '+33622', to: '5002' },
] as const;

/** What a call's upstream was configured with, read off the wire the fake upstream received. */
interface UpstreamView {
  connection: FakeConnection;
  update: Json;
  voice: string;
  instructions: string | undefined;
  tools: string[];
  /** The instructions of the greeting response.create. */
  greeting: string;
}

/**
 * The fake's connection (of this test: from index `since` on) whose session.update holds `marker`
 * (the call uuid through {{uuid}}, the caller's number, or a voice).
 */
async function upstreamOf(fake: FakeRealtimeServer, since: number, marker: string): Promise<UpstreamView> {
  const find = () =>
    fake.connections.slice(since).find((c) => c.received.some((e) => e.type === 'session.update' && JSON.stringify(e).includes(marker)));
  await waitUntil(() => find() !== undefined, 5000, `the upstream of ${marker}`);
  const connection = find()!;
  const update = connection.received.find((e) => e.type === 'session.update');
  const greeting = await connection.waitFor('response.create');
  return {
    connection,
    update,
    voice: update.session.audio.output.voice,
    instructions: update.session.instructions,
    tools: (update.session.tools ?? []).map((t: Json) => t.name ?? t.server_label),
    greeting: greeting.response?.instructions ?? '',
  };
}

/** Both calls at once; each waits until its upstream is configured and greeted. */
async function twoCalls(app: TestApp, extra: (c: (typeof CALLERS)[number]) => object = () => ({})): Promise<AvrWsClient[]> {
  return Promise.all(
    CALLERS.map(async (c) => {
      const client = await AvrWsClient.connect(`${app.wsUrl}/${c.query}`);
      client.init(c.uuid, extra(c));
      return client;
    }),
  );
}

async function hangUp(clients: AvrWsClient[], receiver: RecordReceiver): Promise<Json[]> {
  for (const c of clients) c.close();
  await waitUntil(() => CALLERS.every((c) => receiver.received.some((r) => r.headers['x-avr-uuid'] === c.uuid)), 5000, 'both call records');
  return CALLERS.map((c) => JSON.parse(receiver.received.find((r) => r.headers['x-avr-uuid'] === c.uuid)!.body) as Json);
}

describe('per-call profiles configure each call upstream (real calls, fake upstream)', () => {
  const upstream = withFakeUpstream();
  let fake: FakeRealtimeServer;
  let receiver: RecordReceiver;
  let receiverUrl: string;
  let app: TestApp | undefined;
  /** The fake's connections before this test's app started (the fake serves every test). */
  let since = 0;

  beforeAll(async () => {
    fake = await upstream.start();
    receiver = new RecordReceiver();
    receiverUrl = await receiver.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    receiver.reset();
  });
  afterAll(async () => {
    await receiver.stop();
    await fake.close();
  });

  const start = async (env: Record<string, string>) => {
    since = fake.connections.length;
    app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-profile-calls', CALL_SUMMARY_URL: receiverUrl, ...env });
    return app;
  };

  it('from the profile web service (the sample, npm run profile-service), which gets each call uuid and metadata', async () => {
    let sample: RunningProfileService | undefined;
    try {
      sample = await startProfileService({ port: 0, host: '127.0.0.1', profiles: SAMPLE_PROFILES });
      const running = await start({ AGENT_PROFILE_URL: sample.url });
      const clients = await twoCalls(running);
      // Sales' instructions name the caller; support's have no placeholder, so it is found by its voice.
      const a = await upstreamOf(fake, since, 'The caller is +33611');
      const b = await upstreamOf(fake, since, '"voice":"ash"');

      expect(a.voice).toBe('cedar');
      expect(a.instructions).toMatch(/^You are the sales agent of Acme\. The caller is \+33611; today is \w+ \d{4}-\d{2}-\d{2}\. /);
      expect(a.tools).toEqual(['avr_transfer']);
      expect(a.greeting).toContain('Start the call now by greeting the caller: Thank you for calling Acme sales. How can I help?');
      expect(b.voice).toBe('ash');
      expect(b.instructions).toBe('You are the support agent of Acme. Be brief. End the call when the caller is done.');
      expect(b.tools).toEqual(['avr_hangup']);
      expect(b.greeting).toContain('Acme support, what is the problem?');
      expect(b.update.session.audio.input.turn_detection.silence_duration_ms).toBe(700);

      const asked = sample.requests
        .map((r) => ({ header: r.uuid, uuid: r.body.uuid, transport: r.body.transport, metadata: r.body.metadata }))
        .sort((x, y) => String(x.uuid).localeCompare(String(y.uuid)));
      expect(asked).toEqual(
        CALLERS.map((c) => ({
          header: c.uuid,
          uuid: c.uuid,
          transport: 'ws',
          metadata: expect.objectContaining({ from: c.from, to: c.to }),
        })),
      );

      const [ra, rb] = await hangUp(clients, receiver);
      expect(ra).toMatchObject({ profile: { name: 'sales', version: '1', source: 'url' }, voice: 'cedar' });
      expect(rb).toMatchObject({ profile: { name: 'support', version: '1', source: 'url' }, voice: 'ash' });
      // The call's log line names the profile, never its instructions.
      const configured = running.logs.filter((l) => l.msg === 'upstream session configured');
      expect(configured.map((l) => [l.uuid, l.profile, l.profileSource]).sort()).toEqual([
        ['prof-call-a', 'sales', 'url'],
        ['prof-call-b', 'support', 'url'],
      ]);
      expect(running.rawLogs()).not.toContain('You are the sales agent');
    } finally {
      await sample?.close();
    }
  });

  it("from profile files chosen by the called number; a profile without instructions gets the instructions sources' text, filled", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-calls-'));
    try {
      await writeFile(
        join(dir, 'sales.yaml'),
        'version: "3"\nmatch: ["5001"]\nvoice: cedar\ngreeting: Sales here for {{called_number}}\ninstructions: Sell to {{caller_number}} on call {{uuid}}.\ntools: [avr_transfer]\noutput_speed: 1.2\n' +
          'mcp_servers:\n  - server_label: crm\n    server_url: https://mcp.example.com/sse\n    headers: { X-Call: "{{uuid}}" }\n',
      );
      await writeFile(
        join(dir, 'support.json'),
        JSON.stringify({ match: ['5002'], voice: 'ash', greeting: 'Support here', tools: ['avr_hangup'] }),
      );
      await writeFile(join(dir, 'default.yaml'), 'voice: sage\n');
      const running = await start({ PROFILES_DIR: dir, OPENAI_INSTRUCTIONS: 'Help the caller of {{called_number}} on call {{uuid}}.' });
      const clients = await twoCalls(running);
      const a = await upstreamOf(fake, since, 'call prof-call-a');
      const b = await upstreamOf(fake, since, 'call prof-call-b');

      expect([a.voice, a.instructions, a.tools]).toEqual(['cedar', 'Sell to +33611 on call prof-call-a.', ['avr_transfer', 'crm']]);
      expect(a.update.session.tools[1]).toMatchObject({
        type: 'mcp',
        server_url: 'https://mcp.example.com/sse',
        headers: { 'X-Call': 'prof-call-a' },
      });
      expect(a.greeting).toContain('greeting the caller: Sales here for 5001');
      expect(a.update.session.audio.output.speed).toBe(1.2);
      expect([b.voice, b.instructions, b.tools]).toEqual(['ash', 'Help the caller of 5002 on call prof-call-b.', ['avr_hangup']]);
      expect(b.greeting).toContain('greeting the caller: Support here');
      expect(b.update.session.audio.output.speed).toBeUndefined();

      // A tool outside the call's allow-list is not run, even when the model calls it by name.
      const { callId } = await a.connection.toolCall('avr_hangup', {});
      const output = await a.connection.waitFor(
        'conversation.item.create',
        (e) => e.item?.type === 'function_call_output' && e.item.call_id === callId,
      );
      expect(output.item.output).toBe('Error: there is no tool named "avr_hangup". The available tools are: avr_transfer.');

      const [ra, rb] = await hangUp(clients, receiver);
      expect(ra.profile).toEqual({ name: 'sales', version: '3', source: 'file' });
      expect(rb.profile).toEqual({ name: 'support', source: 'file' });
      expect(ra.instructionsSource).toBe('profile');
      expect(rb.instructionsSource).toBe('env');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('from init.provider_config: allow-listed fields only; other fields and secrets reach no upstream event, log line or record', async () => {
    const agents: Record<string, object> = {
      '5001': {
        voice: 'cedar',
        greeting: 'Sales here',
        instructions: 'Sell to {{caller_number}} on call {{uuid}}.',
        tools: ['avr_transfer'],
        api_key: 'sk-pc-s3cr3t',
        openai_token: 'pc-s3cr3t-token',
        model: 'gpt-realtime-leaked-model',
        internal_note: 'NOT-ALLOWED-sentinel',
      },
      '5002': {
        voice: 'ash',
        greeting: 'Support here',
        instructions: 'Help {{caller_number}} on call {{uuid}}.',
        tools: ['avr_hangup'],
        password: 'pc-s3cr3t-pw',
        vad_threshold: 0.9,
      },
    };
    const running = await start({ PROVIDER_CONFIG_FIELDS: 'voice,greeting,instructions,tools' });
    const clients = await twoCalls(running, (c) => ({ provider_config: agents[c.to] }));
    const a = await upstreamOf(fake, since, 'call prof-call-a');
    const b = await upstreamOf(fake, since, 'call prof-call-b');

    expect([a.voice, a.instructions, a.tools]).toEqual(['cedar', 'Sell to +33611 on call prof-call-a.', ['avr_transfer']]);
    expect(a.greeting).toContain('greeting the caller: Sales here');
    expect([b.voice, b.instructions, b.tools]).toEqual(['ash', 'Help +33622 on call prof-call-b.', ['avr_hangup']]);
    // vad_threshold is a profile field, but not allow-listed: the env's applies.
    expect(b.update.session.audio.input.turn_detection.threshold).toBe(0.5);
    expect(a.connection.url).toContain('model=gpt-realtime-2.1');

    const records = await hangUp(clients, receiver);
    expect(records.map((r) => r.profile)).toEqual([
      { name: 'provider_config', source: 'provider_config' },
      { name: 'provider_config', source: 'provider_config' },
    ]);
    expect(records[0].metadata.provider_config).toEqual({
      voice: 'cedar',
      greeting: 'Sales here',
      instructions: 'Sell to {{caller_number}} on call {{uuid}}.',
      tools: ['avr_transfer'],
    });

    const leaks = /s3cr3t|NOT-ALLOWED|leaked-model|0\.9\b/;
    const ours = [a.connection, b.connection];
    expect(JSON.stringify(ours.map((c) => [c.url, c.received]))).not.toMatch(leaks);
    expect(running.rawLogs()).not.toMatch(/s3cr3t|NOT-ALLOWED|leaked-model/);
    expect(receiver.received.map((r) => r.body).join('\n')).not.toMatch(/s3cr3t|NOT-ALLOWED|leaked-model/);
  });

  it('a profile that changes the model connects with it: the upstream is opened for that model, and the connect time shows the cost', async () => {
    const running = await start({ PROVIDER_CONFIG_FIELDS: 'model,voice,instructions,greeting' });
    const client = await AvrWsClient.connect(`${running.wsUrl}/?to=5009`);
    client.init('prof-model', {
      provider_config: { model: 'gpt-realtime-1.5', voice: 'verse', instructions: 'Model call {{uuid}}.', greeting: 'Hello' },
    });
    const view = await upstreamOf(fake, since, 'Model call prof-model');
    expect(view.connection.url).toContain('model=gpt-realtime-1.5');
    expect(view.voice).toBe('verse');
    // Opened once: the connect waited for the profile instead of opening a connection it would drop.
    expect(fake.upgrades.filter((u) => u.url.includes('gpt-realtime-1.5')).length).toBe(1);
    const configured = running.logs.find((l) => l.msg === 'upstream session configured' && l.uuid === 'prof-model');
    expect(configured).toMatchObject({ profile: 'provider_config', profileSource: 'provider_config', connectMs: expect.any(Number) });
    client.close();
    await waitUntil(() => receiver.received.length === 1, 5000, 'the call record');
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({
      model: 'gpt-realtime-1.5',
      voice: 'verse',
      profile: { source: 'provider_config' },
    });
  });
});
