import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../src/audio/wav/wav.js';
import { CHECK_IN, GOODBYE_SILENT } from '../src/guards/call-guards.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { AvrHttpCall } from './support/http-call.js';
import { startTestApp, type TestApp } from './support/app.js';
import { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { openWsCall } from './support/open-ws-call.js';
import { waitUntil } from './support/wait.js';
import { startFakeAmi, type FakeAmi } from '../src/tools/testing/tools-test-kit.js';

function callEnded(app: TestApp, uuid: string): Record<string, unknown> | undefined {
  return app.logs.find((l) => l.uuid === uuid && typeof l.msg === 'string' && l.msg.startsWith('call ended'));
}

describe('call guards', () => {
  let fake: FakeRealtimeServer;
  let ami: FakeAmi;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    fake = await FakeRealtimeServer.start();
    // AVR's AMI service, recording what it is asked to do and when.
    ami = await startFakeAmi(() => ({ status: 200, body: JSON.stringify({ message: 'ok' }) }));
  });

  afterEach(async () => {
    expect(fake.invalidEvents).toEqual([]);
    fake.setMode('accept');
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await fake.close();
    await ami.close();
  });

  async function app(env: Record<string, string>): Promise<TestApp> {
    const started = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-guards', AMI_URL: ami.url, ...env });
    apps.push(started);
    return started;
  }

  describe('silent caller', () => {
    it('is checked in on after the idle time and hung up after the configured check-ins (no_input)', async () => {
      const a = await app({ IDLE_PROMPT_MS: '400', IDLE_MAX_PROMPTS: '2', CLOSING_WORDS_MAX_MS: '3000' });
      const callStartedAt = Date.now();
      const { client, upstream } = await openWsCall(a, fake, 'silent-1');
      const first = await upstream.waitFor('response.create', undefined, 3000);
      expect(Date.now() - callStartedAt).toBeGreaterThanOrEqual(400);
      expect(first.response.instructions).toContain(CHECK_IN);
      await upstream.sendResponse({ audioMs: 300 });
      const second = await upstream.waitFor('response.create', (e) => e !== first, 3000);
      expect(second.response.instructions).toContain(CHECK_IN);
      await upstream.sendResponse({ audioMs: 300 });
      const goodbye = await upstream.waitFor('response.create', (e) => e !== first && e !== second, 3000);
      expect(goodbye.response.instructions).toContain(GOODBYE_SILENT);
      const bye = await upstream.sendResponse({ audioMs: 500 });
      const byeSentAt = Date.now();
      await waitUntil(() => ami.forCall('silent-1').length > 0, 5000);
      const hangup = ami.forCall('silent-1')[0];
      expect(hangup.path).toBe('/hangup');
      // The goodbye (500 ms of audio) has played at the caller's end before the hangup.
      expect(hangup.at - byeSentAt).toBeGreaterThanOrEqual(400);
      expect(client.agentAudio().bytes.length).toBeGreaterThanOrEqual((bye.audio.length / 3) * 0.9);
      await client.closed;
      expect(callEnded(a, 'silent-1')).toMatchObject({ outcome: 'no_input' });
      expect(client.count('error')).toBe(0);
    });

    it('counts again from zero when the caller speaks', async () => {
      const a = await app({ IDLE_PROMPT_MS: '400', IDLE_MAX_PROMPTS: '1' });
      const { client, upstream } = await openWsCall(a, fake, 'silent-2');
      const first = await upstream.waitFor('response.create', undefined, 3000);
      expect(first.response.instructions).toContain(CHECK_IN);
      await upstream.sendResponse({ audioMs: 200 });
      // The caller answers: with one check-in allowed, the next quiet spell is a check-in again, not a goodbye.
      upstream.speechStarted();
      upstream.speechStopped();
      const next = await upstream.waitFor('response.create', (e) => e !== first, 3000);
      expect(next.response.instructions).toContain(CHECK_IN);
      expect(ami.forCall('silent-2')).toEqual([]);
      client.close();
    });
  });

  it('wraps up before MAX_CALL_SECONDS, then hangs up after the last words (max_duration)', async () => {
    const a = await app({ MAX_CALL_SECONDS: '3', MAX_CALL_WRAPUP_SECONDS: '2', IDLE_PROMPT_MS: '0' });
    const started = Date.now();
    const { client, upstream } = await openWsCall(a, fake, 'long-1');
    const wrap = await upstream.waitFor('conversation.item.create', (e) => e.item?.role === 'system', 3000);
    expect(wrap.item.content[0].text).toMatch(/end in about 2 seconds/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // The agent's closing words run across the limit: 2.5 s of audio, sent well before it.
    const closingSentAt = Date.now();
    const closing = upstream.startResponse();
    closing.sendAudio(2500);
    closing.finish();
    await waitUntil(() => ami.forCall('long-1').length > 0, 6000);
    const hangup = ami.forCall('long-1')[0];
    expect(hangup.path).toBe('/hangup');
    expect(hangup.at - started).toBeGreaterThanOrEqual(3000);
    // Not before those words have played at the caller's end.
    expect(hangup.at - closingSentAt).toBeGreaterThanOrEqual(2300);
    await client.closed;
    expect(callEnded(a, 'long-1')).toMatchObject({ outcome: 'max_duration' });
  });

  describe('greeting', () => {
    const GREETING = 'This call is recorded for quality purposes.';

    it('a non-interruptible verbatim greeting plays whole while the caller talks over it', async () => {
      const a = await app({ OPENAI_GREETING: GREETING, GREETING_MODE: 'verbatim', GREETING_INTERRUPTIBLE: 'false', IDLE_PROMPT_MS: '0' });
      const { client, upstream } = await openWsCall(a, fake, 'greet-1');
      const request = await upstream.waitFor('response.create');
      expect(request.response.instructions).toContain(`word for word, adding nothing before or after them:\n${GREETING}`);
      const greeting = upstream.startResponse({ transcript: GREETING });
      greeting.sendAudio(1000);
      greeting.finish();
      const appendsBefore = upstream.count('input_audio_buffer.append');
      // The caller talks over it, loudly, and the server's VAD would call it speech.
      for (let i = 0; i < 10; i++) client.sendAudio(sineFrame(300, 12000, i * 160));
      upstream.speechStarted();
      await client.until(() => client.agentAudio().frameSizes.length >= 50, 3000, 'the whole greeting');
      await new Promise((r) => setTimeout(r, 200));
      // 1 s of greeting: 50 whole frames (a 51st carries the resampler's tail), none cut.
      const sizes = client.agentAudio().frameSizes;
      expect(sizes.length).toBeGreaterThanOrEqual(50);
      expect(sizes.length).toBeLessThanOrEqual(51);
      expect(sizes.every((n) => n === 320)).toBe(true);
      expect(client.count('interruption')).toBe(0);
      expect(upstream.count('response.cancel')).toBe(0);
      expect(upstream.count('conversation.item.truncate')).toBe(0);
      // What the upstream heard of the caller during the greeting is silence.
      const during = upstream.received.filter((e: any) => e.type === 'input_audio_buffer.append').slice(appendsBefore);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((e: any) => Buffer.from(e.audio, 'base64').every((b: number) => b === 0))).toBe(true);
      // Once it has played out, the caller is heard again.
      await new Promise((r) => setTimeout(r, 1000));
      const after = upstream.count('input_audio_buffer.append');
      client.sendAudio(sineFrame(300, 12000));
      await waitUntil(() => upstream.count('input_audio_buffer.append') > after, 2000);
      const heard = upstream.received.filter((e: any) => e.type === 'input_audio_buffer.append').slice(after);
      expect(heard.some((e: any) => Buffer.from(e.audio, 'base64').some((b: number) => b !== 0))).toBe(true);
      client.close();
    });

    it('a generated, interruptible greeting is barged in on as before', async () => {
      const a = await app({ OPENAI_GREETING: GREETING, IDLE_PROMPT_MS: '0' });
      const { client, upstream } = await openWsCall(a, fake, 'greet-2');
      const request = await upstream.waitFor('response.create');
      expect(request.response.instructions).toContain(`Start the call now by greeting the caller: ${GREETING}`);
      const greeting = upstream.startResponse({ transcript: GREETING });
      greeting.sendAudio(1000);
      await client.until(() => client.agentAudio().frameSizes.length > 0, 2000, 'greeting audio');
      upstream.speechStarted();
      await client.waitFor('interruption', 2000);
      client.close();
    });
  });

  describe('tool wait sound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avr-wait-tools-'));
    writeFileSync(
      join(dir, 'slow_lookup.cjs'),
      `module.exports = { name: 'slow_lookup', description: 'Slow', input_schema: { type: 'object', properties: { ms: { type: 'number' } } },
        handler: (uuid, args) => new Promise((r) => setTimeout(() => r('found it'), args.ms)) };`,
    );

    it.each([
      ['a slow tool (3 s) gets the wait sound after the delay, stopped when the result arrives', 3000, true],
      ['a fast tool gets none', 150, false],
    ])('%s', async (_title, ms, expectSound) => {
      const a = await app({ TOOLS_DIR: dir, TOOL_WAIT_SOUND_AFTER_MS: '1200', IDLE_PROMPT_MS: '0' });
      const { client, upstream } = await openWsCall(a, fake, `wait-${ms}`);
      const calledAt = Date.now();
      const call = await upstream.toolCall('slow_lookup', { ms });
      const output = await upstream.waitFor(
        'conversation.item.create',
        (e) => e.item?.type === 'function_call_output' && e.item.call_id === call.callId,
        6000,
      );
      expect(output.item.output).toBe('found it');
      const atResult = client.agentAudio().frameSizes.length;
      await new Promise((r) => setTimeout(r, 300));
      const frames = client.agentAudio().frameSizes.length;
      if (expectSound) {
        // 1.2 s of quiet, then ~1.8 s of sound in real time (fed at most 100 ms ahead).
        expect(Date.now() - calledAt).toBeGreaterThanOrEqual(3000);
        expect(atResult).toBeGreaterThanOrEqual(80);
        expect(atResult).toBeLessThanOrEqual(100);
        expect(frames).toBe(atResult); // nothing more after the result
      } else {
        expect(frames).toBe(0);
      }
      client.close();
    });
  });

  describe('failing upstream', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avr-guards-'));
    const announcement = join(dir, 'sorry.wav');
    // 0.5 s at 16 kHz: 25 frames of 20 ms once converted to 8 kHz.
    writeFileSync(
      announcement,
      writeWav(
        Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 500 * i) / 16000))),
        16000,
      ),
    );

    it.each([
      ['hangup', '/hangup', {}],
      ['transfer:600@support', '/transfer', { exten: '600', context: 'support' }],
    ])('FAILURE_ACTION=%s: the caller hears the announcement, then AMI acts, with no error message', async (action, path, fields) => {
      const a = await app({ FAILURE_ACTION: action, FAILURE_ANNOUNCEMENT: announcement, FAILED_CALL_HOLD_MS: '5000' });
      fake.setMode({ refuseStatus: 401 });
      const uuid = `fail-${path.slice(1)}`;
      const upgradesBefore = fake.upgrades.length;
      const client = await AvrWsClient.connect(a.wsUrl);
      client.init(uuid);
      await waitUntil(() => ami.forCall(uuid).length > 0, 5000);
      const request = ami.forCall(uuid)[0];
      expect(request).toMatchObject({ path, body: { uuid, ...fields } });
      const { frameSizes } = client.agentAudio();
      expect(frameSizes).toEqual(Array(25).fill(320));
      expect(client.count('error')).toBe(0);
      expect(fake.upgrades.length - upgradesBefore).toBe(1); // 401 is not retried
      await client.closed;
      expect(callEnded(a, uuid)).toMatchObject({
        outcome: 'upstream_failed',
        handling: path === '/hangup' ? 'announced_hangup' : 'announced_transfer',
      });

      // AVR core comes straight back with the same uuid: held, no new upstream, no error.
      const again = await AvrWsClient.connect(a.wsUrl);
      again.init(uuid);
      again.sendAudio(Buffer.alloc(320));
      await new Promise((r) => setTimeout(r, 400));
      expect(fake.upgrades.length - upgradesBefore).toBe(1);
      expect(again.messages).toEqual([]);
      expect(ami.forCall(uuid)).toHaveLength(1);
      again.close();
    });

    it('with FAILURE_ACTION=none, AVR core coming back after the failure cannot drive a connect loop on either transport', async () => {
      const a = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-guards', FAILED_CALL_HOLD_MS: '1500' });
      apps.push(a);
      fake.setMode({ refuseStatus: 401 });
      const upgradesBefore = fake.upgrades.length;
      const first = await AvrWsClient.connect(a.wsUrl);
      first.init('loop-1');
      await first.waitFor('error', 3000);
      expect((await first.closed).code).toBe(1011);
      // AVR core reconnects on its next caller frame, over and over: none of it reaches the upstream.
      for (let i = 0; i < 5; i++) {
        const again = await AvrWsClient.connect(a.wsUrl);
        again.init('loop-1');
        again.sendAudio(Buffer.alloc(320));
        await new Promise((r) => setTimeout(r, 50));
        expect(again.messages).toEqual([]);
        again.close();
      }
      const post = new AvrHttpCall(a.httpUrl, { 'X-UUID': 'loop-1' });
      post.write(Buffer.alloc(3200));
      await new Promise((r) => setTimeout(r, 300));
      expect(fake.upgrades.length - upgradesBefore).toBe(1);
      // The hold runs out: the held request ends, and a later call of that uuid is tried afresh.
      // (the held request is answered with an empty 200 that ends with the hold: no audio, no error)
      expect((await post.response).statusCode).toBe(200);
      expect((await post.finished).length).toBe(0);
      const later = await AvrWsClient.connect(a.wsUrl);
      later.init('loop-1');
      await later.waitFor('error', 3000);
      expect(fake.upgrades.length - upgradesBefore).toBe(2);
    });
  });
});
