import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';
import { appOverFakeUpstream } from './support/app-over-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** Calls outlive upstream drops, expiry and rotation: real app, real sockets, the fake upstream. */
describe('call continuity', () => {
  const suite = appOverFakeUpstream(upstream, {
    OPENAI_API_KEY: 'sk-continuity',
    OPENAI_INSTRUCTIONS: 'You are the continuity agent.',
    UPSTREAM_RECONNECT_BASE_MS: '300',
    OPENAI_HEARTBEAT_MS: '300',
  });
  const { call } = suite;
  afterEach(() => suite.fake.setMode('accept'));

  it('moves a dropped call to a new session with the same settings and the earlier turns, losing no caller audio', async () => {
    const { client, upstream } = await call('continuity-drop');
    upstream.userTranscript('My order number is A-17.');
    await upstream.sendResponse({ audioMs: 200, transcript: 'Thanks, I found order A-17.' });
    await client.until(() => client.count('transcript') === 2);
    const firstUpdate = upstream.received.find((e) => e.type === 'session.update');

    suite.fake.setMode({ refuseStatus: 503 });
    const next = suite.fake.connections.length;
    upstream.drop();
    // The first reconnect is refused; caller audio keeps coming during the back-off.
    await waitUntil(() => suite.fake.upgrades.some((u, i) => i > 0 && typeof u.mode === 'object'));
    const gapAudio = Buffer.concat(Array.from({ length: 10 }, (_, i) => sineFrame(500, 7000, i * 160)));
    for (let i = 0; i < 10; i++) client.sendAudio(gapAudio.subarray(i * 320, (i + 1) * 320));
    suite.fake.setMode('accept');

    const renewed = await suite.fake.waitForConnection(next, 10000);
    const update = await renewed.waitFor('session.update');
    expect(update.session).toEqual(firstUpdate.session);
    await waitUntil(() => renewed.audioBytesReceived() >= gapAudio.length * 3);
    expect(renewed.audioBytesReceived()).toBe(gapAudio.length * 3);

    const replayed = renewed.received.filter((e) => e.type === 'conversation.item.create');
    expect(replayed.map((e) => [e.item.role, e.item.content[0].text])).toEqual([
      ['user', 'My order number is A-17.'],
      ['assistant', 'Thanks, I found order A-17.'],
    ]);
    expect(renewed.received.findIndex((e) => e.type === 'session.update')).toBeLessThan(
      renewed.received.findIndex((e) => e.type === 'conversation.item.create'),
    );
    await renewed.sendResponse({ audioMs: 200 });
    await client.until(() => client.agentAudio().bytes.length >= 3200 * 2, 5000, 'audio from the new session');
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    const line = suite.app.logs.find((l) => l.uuid === 'continuity-drop' && l.msg === 'upstream session replaced');
    expect(line).toMatchObject({ cause: 'dropped', itemsReplayed: 2, reconnects: 1 });
    expect(typeof line!.gapMs).toBe('number');
  });

  it('rotates an expired session between turns without the client noticing', async () => {
    const { client, upstream } = await call('continuity-expired');
    upstream.userTranscript('Hello?');
    const next = suite.fake.connections.length;
    upstream.expire();
    const renewed = await suite.fake.waitForConnection(next);
    await renewed.waitFor('session.update');
    const replayed = await renewed.waitFor('conversation.item.create');
    expect(replayed.item.content[0].text).toBe('Hello?');
    await renewed.sendResponse({ audioMs: 100 });
    await client.until(() => client.count('audio') >= 5);
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('asks the model to go on when the drop cut the agent off mid-sentence', async () => {
    const { client, upstream } = await call('continuity-mid-sentence');
    const response = upstream.startResponse();
    response.sendAudio(200);
    await client.until(() => client.count('audio') >= 10);
    const next = suite.fake.connections.length;
    upstream.drop();
    const renewed = await suite.fake.waitForConnection(next);
    const resume = await renewed.waitFor('response.create');
    expect(resume.response.instructions).toMatch(/Continue from where you stopped/);
    expect(client.count('error')).toBe(0);
  });

  it('delivers a keypress made while the upstream was being replaced to the new session', async () => {
    const { client, upstream } = await call('continuity-dtmf');
    suite.fake.setMode({ refuseStatus: 503 });
    const next = suite.fake.connections.length;
    const upgrades = suite.fake.upgrades.length;
    upstream.drop();
    await waitUntil(() => suite.fake.upgrades.length > upgrades);
    client.send({ type: 'dtmf_digit', digit: '7' });
    await new Promise((r) => setTimeout(r, 50));
    suite.fake.setMode('accept');
    const renewed = await suite.fake.waitForConnection(next, 10000);
    const item = await renewed.waitFor(
      'conversation.item.create',
      (e) => e.item?.content?.[0]?.text === 'The caller pressed 7 on the keypad.',
    );
    expect(item.item.role).toBe('user');
    await renewed.waitFor('response.create');
    expect(client.count('error')).toBe(0);
  });

  it('treats an upstream that stops answering pings as dropped and moves the call on', async () => {
    const { client, upstream } = await call('continuity-frozen');
    const next = suite.fake.connections.length;
    upstream.freeze();
    const renewed = await suite.fake.waitForConnection(next, 5000);
    await renewed.waitFor('session.update');
    // The call is on the new session once it confirmed the configuration (session.updated).
    await waitUntil(() => suite.app.logs.some((l) => l.uuid === 'continuity-frozen' && l.msg === 'upstream session replaced'));
    expect(client.count('error')).toBe(0);
    const line = suite.app.logs.find((l) => l.uuid === 'continuity-frozen' && l.msg === 'upstream session replaced');
    expect(line).toMatchObject({ cause: 'dropped' });
  });

  it('ends the call after one attempt when the new session is refused with 401', async () => {
    const { client, upstream } = await call('continuity-401');
    suite.fake.setMode({ refuseStatus: 401 });
    const before = suite.fake.upgrades.length;
    upstream.drop();
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    expect(suite.fake.upgrades.length - before).toBe(1);
    expect(
      client.messages
        .filter((m) => m.type === 'error')
        .map((m) => m.message)
        .join(' '),
    ).toMatch(/HTTP 401/);
  });
});

describe('planned session rotation', () => {
  it('opens a fresh upstream session after SESSION_ROTATE_AFTER_MS, between turns', async () => {
    const fake = await upstream.start();
    const app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-x', SESSION_ROTATE_AFTER_MS: '1000' });
    try {
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('rotation');
      const first = await fake.waitForConnection(0);
      await first.waitFor('session.update');
      first.userTranscript('Still there?');
      // Due after 1 s, but the agent is answering: no rotation in the middle of its turn.
      const answer = first.startResponse({ transcript: 'Yes, I am here.' });
      answer.sendAudio(200);
      await new Promise((r) => setTimeout(r, 1600));
      expect(fake.connections).toHaveLength(1);
      const turnEndedAt = Date.now();
      answer.finish();
      const second = await fake.waitForConnection(1, 5000);
      // Taken at the next quiet moment (looked for every 500 ms), not before the turn ended.
      expect(Date.now() - turnEndedAt).toBeLessThan(1500);
      await second.waitFor('session.update');
      await first.closed;
      const replayed = await second.waitFor('conversation.item.create', (e) => e.item?.role === 'assistant');
      expect(second.received.filter((e) => e.type === 'conversation.item.create').map((e) => e.item.content[0].text)).toEqual([
        'Still there?',
        'Yes, I am here.',
      ]);
      expect(replayed.item.content[0].text).toBe('Yes, I am here.');
      expect(client.count('error')).toBe(0);
      expect(app.logs.find((l) => l.uuid === 'rotation' && l.msg === 'upstream session replaced')).toMatchObject({ cause: 'rotation' });
      client.close();
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
