import pino from 'pino';
import { loadConfig } from '../config/index.js';
import { FakeRealtimeServer } from '../../test/support/fake-realtime-server.js';
import { RealtimeClient } from './realtime-client.js';
import { RealtimeUpstreamSession } from './realtime-upstream-session.js';
import { upstreamTarget } from './upstream-target.js';
import { UpstreamFailure, type UpstreamEvent } from './upstream-session.js';

const logger = pino({ level: 'silent' });

describe('RealtimeUpstreamSession against the fake upstream', () => {
  let fake: FakeRealtimeServer;
  beforeAll(async () => {
    fake = await FakeRealtimeServer.start({ autoSessionUpdated: false });
  });
  afterAll(() => fake.close());

  function session(env: Record<string, string> = {}, onEvent?: (e: UpstreamEvent) => void) {
    const { openai } = loadConfig({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-test', OPENAI_CONNECT_TIMEOUT_MS: '2000', ...env });
    const events: UpstreamEvent[] = [];
    const lost: Error[] = [];
    const s = new RealtimeUpstreamSession(
      openai,
      (handlers) => new RealtimeClient(upstreamTarget(fake.url, openai), openai.connectTimeoutMs, openai.heartbeatMs, logger, handlers),
      logger,
      { event: onEvent ?? ((e) => events.push(e)), lost: (f) => lost.push(f) },
    );
    return { s, events, lost };
  }

  it('is ready only once session.updated answers its session.update (which carries an event_id)', async () => {
    const { s } = session();
    const opening = s.open({ instructions: 'hi', tools: [], replay: [{ role: 'user', text: 'earlier' }] }, new AbortController().signal);
    const upstream = await fake.waitForConnection();
    const update = await upstream.waitFor('session.update');
    expect(typeof update.event_id).toBe('string');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.isReady).toBe(false);
    expect(upstream.count('conversation.item.create')).toBe(0);
    upstream.send({ type: 'session.updated', event_id: 'e1', session: upstream.session });
    await opening;
    expect(s.isReady).toBe(true);
    const replay = await upstream.waitFor('conversation.item.create');
    expect(replay.item).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'earlier' }] });
    s.close();
  });

  it("configures with the call's profile settings, and refuses (retryably, sending nothing) a profile that needs another model than the connection's", async () => {
    const { s } = session();
    const { openai } = loadConfig({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-test' });
    const opening = s.open(
      { instructions: 'hi', tools: [], replay: [], call: { openai: { ...openai, voice: 'ash' }, outputSpeed: 1.1 } },
      new AbortController().signal,
    );
    const upstream = await fake.waitForConnection();
    const update = await upstream.waitFor('session.update');
    expect(update.session.audio.output).toMatchObject({ voice: 'ash', speed: 1.1 });
    upstream.send({ type: 'session.updated', event_id: 'e0', session: upstream.session });
    await opening;
    s.close();

    const other = session();
    const refused = other.s.open(
      { instructions: 'hi', tools: [], replay: [], call: { openai: { ...openai, model: 'gpt-realtime-1.5' } } },
      new AbortController().signal,
    );
    const second = await fake.waitForConnection();
    const failure = await refused.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ kind: 'configuration', retryable: true });
    await second.closed;
    expect(second.count('session.update')).toBe(0);
  });

  it('rejects open() with a non-retryable failure when the upstream refuses its session.update', async () => {
    const { s, events } = session();
    const opening = s.open({ instructions: 'hi', tools: [], replay: [] }, new AbortController().signal);
    const upstream = await fake.waitForConnection();
    const update = await upstream.waitFor('session.update');
    upstream.unknownParameter('session.temperature', update);
    const failure = await opening.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(UpstreamFailure);
    expect(failure).toMatchObject({ kind: 'configuration', retryable: false, code: 'unknown_parameter' });
    expect((failure as Error).message).toMatch(
      /refused the session configuration \(unknown_parameter\): Unknown parameter: 'session.temperature'/,
    );
    expect(events).toEqual([]);
    await upstream.closed;
  });

  it('reads a refused truncation as benign and bounds unknown error codes', async () => {
    const { s, events } = session();
    const opening = s.open({ instructions: 'hi', tools: [], replay: [] }, new AbortController().signal);
    const upstream = await fake.waitForConnection();
    await upstream.waitFor('session.update');
    upstream.send({ type: 'session.updated', event_id: 'e1', session: upstream.session });
    await opening;
    s.heard('item_1', 2535);
    const truncate = await upstream.waitFor('conversation.item.truncate');
    upstream.send({
      type: 'error',
      event_id: 'e3',
      error: {
        type: 'invalid_request_error',
        code: 'invalid_value',
        message: 'Audio content of 2450ms is already shorter than 2535ms',
        event_id: truncate.event_id,
      },
    });
    upstream.send({
      type: 'error',
      event_id: 'e4',
      error: { type: 'invalid_request_error', code: 'made_up_code_123', message: 'x'.repeat(5000) },
    });
    await new Promise((r) => setTimeout(r, 100));
    // The fake itself refuses the truncation of an item it does not know: benign as well.
    const errors = events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
    expect(errors.find((e) => e.code === 'invalid_value')).toMatchObject({ benign: true, fatal: false });
    const notBenign = errors.filter((e) => !e.benign);
    expect(notBenign).toHaveLength(1);
    expect(notBenign[0].code).toBe('other');
    expect(notBenign[0].message.length).toBeLessThan(600);
    s.close();
  });

  it('sends response.cancel only when turn detection does not interrupt by itself', async () => {
    for (const [turn, expected] of [
      ['server_vad', 0],
      ['none', 1],
    ] as const) {
      const { s } = session({ OPENAI_TURN_DETECTION: turn });
      const opening = s.open({ instructions: 'hi', tools: [], replay: [] }, new AbortController().signal);
      const upstream = await fake.waitForConnection();
      await upstream.waitFor('session.update');
      upstream.send({ type: 'session.updated', event_id: 'e1', session: upstream.session });
      await opening;
      s.cancel();
      s.respond();
      await upstream.waitFor('response.create');
      expect(upstream.count('response.cancel')).toBe(expected);
      s.close();
    }
  });

  it('an abort during open closes the connection and rejects', async () => {
    const { s } = session();
    const abort = new AbortController();
    const opening = s.open({ instructions: 'hi', tools: [], replay: [] }, abort.signal);
    const upstream = await fake.waitForConnection();
    await upstream.waitFor('session.update');
    abort.abort();
    await expect(opening).rejects.toMatchObject({ kind: 'aborted' });
    await upstream.closed;
  });

  it('a fault while the call handles an event ends this session as lost (not retryable), never the process', async () => {
    const { s, lost } = session({}, () => {
      throw new Error('bug in a handler');
    });
    const opening = s.open({ instructions: 'hi', tools: [], replay: [] }, new AbortController().signal);
    const upstream = await fake.waitForConnection();
    await upstream.waitFor('session.update');
    upstream.send({ type: 'session.updated', event_id: 'e1', session: upstream.session });
    await opening;
    upstream.send({ type: 'input_audio_buffer.speech_stopped', event_id: 'e5', audio_end_ms: 100, item_id: 'i1' });
    await upstream.closed;
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ kind: 'internal', retryable: false });
  });
});
