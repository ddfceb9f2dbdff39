import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp } from './support/app.js';
import { CallRegistry } from '../src/call/call-registry.js';
import { Downsampler } from '../src/audio/index.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';
import { appOverFakeUpstream } from './support/app-over-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** The WebSocket transport end to end: real app, real sockets, the fake upstream as the only stand-in. */
describe('WebSocket calls', () => {
  const suite = appOverFakeUpstream(upstream, {
    OPENAI_API_KEY: 'sk-test-key-never-logged',
    OPENAI_INSTRUCTIONS: 'You are the test agent. Be brief.',
    OPENAI_VOICE: 'cedar',
    OPENAI_LANGUAGE: 'it',
    OPENAI_VAD_SILENCE_MS: '700',
    UPSTREAM_RECONNECT_BASE_MS: '20',
  });
  const { call } = suite;

  it('configures the upstream session from settings and the resolved instructions', async () => {
    const { upstream } = await call('call-settings');
    const update = await upstream.waitFor('session.update');
    expect(update.session).toMatchObject({
      type: 'realtime',
      instructions: 'You are the test agent. Be brief.',
      output_modalities: ['audio'],
      reasoning: { effort: 'low' },
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'gpt-realtime-whisper', language: 'it' },
          turn_detection: { type: 'server_vad', silence_duration_ms: 700, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'cedar' },
      },
    });
    // The live GA server refuses the whole update over either field; the model is in the URL.
    expect(update.session.temperature).toBeUndefined();
    expect(update.session.model).toBeUndefined();
    expect(upstream.url).toContain('model=gpt-realtime-2.1');
    expect(upstream.headers.authorization).toBe('Bearer sk-test-key-never-logged');
  });

  it('sends each 20 ms caller frame upstream as exactly 960 bytes of 24 kHz PCM', async () => {
    const { client, upstream } = await call('call-audio-in');
    for (let i = 0; i < 5; i++) client.sendAudio(sineFrame(440, 8000, i * 160));
    await upstream.waitFor('input_audio_buffer.append', () => upstream.count('input_audio_buffer.append') >= 5);
    const appends = upstream.received.filter((e) => e.type === 'input_audio_buffer.append');
    expect(appends.map((e) => Buffer.from(e.audio, 'base64').length)).toEqual([960, 960, 960, 960, 960]);
  });

  it('delivers a scripted response as whole 320-byte frames, in order, nothing lost', async () => {
    const { client, upstream } = await call('call-audio-out');
    const sent = await upstream.sendResponse({ audioMs: 1000, transcript: 'Hello, how can I help?' });
    await client.waitFor('transcript');
    await client.until(() => client.agentAudio().bytes.length >= 16000, 5000, 'one second of agent audio');
    const { bytes, frameSizes } = client.agentAudio();
    expect(new Set(frameSizes)).toEqual(new Set([320]));
    // 1000 ms at 8 kHz is 16000 bytes; the resampler's tail may add at most one more frame.
    expect(bytes.length).toBeGreaterThanOrEqual(16000);
    expect(bytes.length).toBeLessThanOrEqual(16320);
    expect(sent.audio.length).toBe(48000);
    // In order, nothing lost: the frames are the upstream audio through the same 24k -> 8k
    // downsampler, its tail, and zero padding to a whole frame.
    const down = new Downsampler();
    const expected = Buffer.concat([down.process(sent.audio), down.flush()]);
    expect(bytes.subarray(0, expected.length).equals(expected)).toBe(true);
    expect(bytes.subarray(expected.length).every((b) => b === 0)).toBe(true);
    expect(client.messages.find((m) => m.type === 'transcript')).toEqual({
      type: 'transcript',
      role: 'agent',
      text: 'Hello, how can I help?',
    });
  });

  it('forwards the caller transcript', async () => {
    const { client, upstream } = await call('call-user-transcript');
    upstream.userTranscript('I would like to book a table.');
    await client.until(() => client.count('transcript') === 1);
    expect(client.messages.find((m) => m.type === 'transcript')).toEqual({
      type: 'transcript',
      role: 'user',
      text: 'I would like to book a table.',
    });
  });

  it('on barge-in tells the client, stops the agent audio and truncates upstream (the server cancels by itself)', async () => {
    const { client, upstream } = await call('call-barge-in');
    const response = upstream.sendResponse({ audioMs: 3000, chunkMs: 100, paceMs: 50 });
    await client.until(() => client.agentAudio().bytes.length >= 3200, 5000, '100 ms of agent audio');
    upstream.speechStarted();
    await client.waitFor('interruption');
    const framesAtInterruption = client.count('audio');
    const truncate = await upstream.waitFor('conversation.item.truncate');
    await response;
    await new Promise((r) => setTimeout(r, 100));
    // Deltas the upstream sent after the barge-in never reach the caller.
    expect(client.count('audio')).toBe(framesAtInterruption);
    // interrupt_response is on: a response.cancel would only earn response_cancel_not_active (#16).
    expect(upstream.count('response.cancel')).toBe(0);
    const sentMs = framesAtInterruption * 20;
    expect(truncate.content_index).toBe(0);
    expect(truncate.audio_end_ms).toBeGreaterThan(0);
    expect(truncate.audio_end_ms).toBeLessThanOrEqual(sentMs);
  });

  it('turns a DTMF key into a user message the model answers', async () => {
    const { client, upstream } = await call('call-dtmf');
    client.send({ type: 'dtmf_digit', digit: '5' });
    const item = await upstream.waitFor('conversation.item.create');
    expect(item.item).toEqual({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'The caller pressed 5 on the keypad.' }],
    });
    await upstream.waitFor('response.create');
  });

  it('waits for the active response before asking for the next one', async () => {
    const { client, upstream } = await call('call-dtmf-busy');
    const response = upstream.startResponse();
    response.sendAudio(100);
    await client.until(() => client.count('audio') >= 3);
    client.send({ type: 'dtmf_digit', digit: '#' });
    await upstream.waitFor('conversation.item.create');
    await new Promise((r) => setTimeout(r, 100));
    expect(upstream.count('response.create')).toBe(0);
    response.finish();
    await upstream.waitFor('response.create');
  });

  it('sends no interruption when the caller starts speaking while the agent is silent', async () => {
    const { client, upstream } = await call('call-no-barge-in');
    upstream.speechStarted();
    upstream.speechStopped();
    upstream.userTranscript('Hello?');
    await client.until(() => client.count('transcript') === 1);
    expect(client.count('interruption')).toBe(0);
    expect(upstream.count('response.cancel')).toBe(0);
  });

  it('keeps the call going after a non-fatal upstream error event, logged and not sent to the client (AVR core would end the call)', async () => {
    const { client, upstream } = await call('call-error-event');
    upstream.error('invalid_value', 'Invalid value for voice.');
    await waitUntil(() =>
      suite.app.logs.some((l) => l.uuid === 'call-error-event' && /^upstream error: Invalid value for voice\./.test(String(l.msg))),
    );
    await upstream.sendResponse({ audioMs: 200 });
    await client.until(() => client.count('audio') >= 10, 5000, 'audio after the error');
    expect(client.count('error')).toBe(0);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('ends only the affected call when its upstream drops mid-response and cannot be reopened', async () => {
    const a = await call('call-drop-a');
    const b = await call('call-drop-b');
    void a.upstream.sendResponse({ audioMs: 2000, chunkMs: 100, paceMs: 30 }).catch(() => undefined);
    await a.client.until(() => a.client.count('audio') >= 5, 5000, 'audio before the drop');
    const upgradesBefore = suite.fake.upgrades.length;
    suite.fake.setMode({ refuseStatus: 503 });
    a.upstream.drop();
    const closed = await a.client.closed;
    suite.fake.setMode('accept');
    expect(closed.code).toBe(1011);
    // One try at once and three retries with back-off (UPSTREAM_RECONNECT_ATTEMPTS=3), then the call ends.
    expect(suite.fake.upgrades.length - upgradesBefore).toBe(4);
    expect(
      a.client.messages
        .filter((m) => m.type === 'error')
        .map((m) => m.message)
        .join(' '),
    ).toMatch(/HTTP 503/);
    await b.upstream.sendResponse({ audioMs: 400 });
    await b.client.until(() => b.client.agentAudio().bytes.length >= 6400, 5000, 'the other call still answered');
    expect(b.client.ws.readyState).toBe(b.client.ws.OPEN);
  });

  it('closes the upstream within a second of the caller hanging up, leaving no call behind', async () => {
    const { client, upstream } = await call('call-hangup');
    const hungUpAt = Date.now();
    client.close();
    const closed = await upstream.closed;
    expect(closed.code).toBe(1000);
    expect(Date.now() - hungUpAt).toBeLessThan(1000);
    await waitUntil(() => suite.app.app.get(CallRegistry).size === 0);
  });
});

describe('WebSocket calls with a failing upstream', () => {
  it.each([
    ['refuses the connection', async () => 'ws://127.0.0.1:1', /connection refused/],
    ['answers 401', async (fake: FakeRealtimeServer) => (fake.setMode({ refuseStatus: 401 }), fake.url), /HTTP 401/],
  ])('ends the call with an error and close 1011 when the upstream %s', async (_what, url, pattern) => {
    const fake = await upstream.start();
    const app = await startTestApp({ OPENAI_REALTIME_URL: await url(fake), OPENAI_API_KEY: 'sk-x' });
    try {
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('call-upstream-fails');
      const closed = await client.closed;
      expect(closed.code).toBe(1011);
      const errors = client.messages.filter((m) => m.type === 'error');
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0].message).toMatch(pattern);
      const failLine = app.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('upstream connect failed'));
      expect(failLine).toMatchObject({ uuid: 'call-upstream-fails', level: 'error' });
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
