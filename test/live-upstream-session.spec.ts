/**
 * LiveUpstreamSession against the strict GPT-Live fake, over real sockets: what the call engine
 * would see through the UpstreamSession seam, and what the server receives.
 */
import pino from 'pino';
import { pcm16ToMulaw } from '../src/audio/g711.js';
import { LiveUpstreamSession, type LiveSessionOptions } from '../src/live/live-upstream-session.js';
import { liveTestOptions } from '../src/live/testing/live-test-options.js';
import { BEGIN_PROMPT, CONTINUE_PROMPT, USER_TEXT_PREFIX } from '../src/live/live-upstream-session.js';
import type { SessionStartEvent } from '../src/live/live-events.js';
import { sineWave } from '../src/simulator/tones.js';
import type { UpstreamEvent, UpstreamSessionSettings } from '../src/realtime/upstream-session.js';
import { FakeLiveServer, type FakeLiveConnection } from './support/fake-live-server.js';

const logger = pino({ level: 'silent' });

class Recorder {
  readonly events: UpstreamEvent[] = [];
  /** When each event reached the listener (epoch ms). */
  readonly times: number[] = [];
  readonly lost: Array<Error & { retryable: boolean }> = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  readonly listener = {
    event: (e: UpstreamEvent) => {
      this.events.push(e);
      this.times.push(Date.now());
      this.check();
    },
    lost: (f: Error & { retryable: boolean }) => {
      this.lost.push(f);
      this.check();
    },
  };

  of<T extends UpstreamEvent['type']>(type: T): Array<Extract<UpstreamEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<Extract<UpstreamEvent, { type: T }>>;
  }

  until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; events: ${this.events.map((e) => e.type).join(', ')}`)),
        timeoutMs,
      );
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.test());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

const SETTINGS: UpstreamSessionSettings = {
  instructions: 'You answer the phone for Example Ltd.',
  tools: [
    {
      name: 'avr_hangup',
      description: 'End the call',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  ],
  replay: [],
};

describe('LiveUpstreamSession over a strict fake GPT-Live', () => {
  let fake: FakeLiveServer;
  const sessions: LiveUpstreamSession[] = [];

  beforeEach(async () => {
    fake = await FakeLiveServer.start();
  });

  afterEach(async () => {
    for (const s of sessions) s.close();
    sessions.length = 0;
    await fake.close();
    // Whatever the session sent must have been accepted by the strict fake.
    expect(fake.invalidEvents).toEqual([]);
  });

  function makeSession(overrides: Partial<LiveSessionOptions> = {}) {
    const rec = new Recorder();
    const options = liveTestOptions(fake.url, {
      apiKey: 'sk-live-test',
      closeTimeoutMs: 1000,
      agentTurns: { hangoverMs: 300, transcriptQuietMs: 100 },
      turnGapMs: 300,
      ...overrides,
    });
    const session = new LiveUpstreamSession(options, logger, rec.listener);
    sessions.push(session);
    return { session, rec };
  }

  async function openSession(overrides: Partial<LiveSessionOptions> = {}, settings = SETTINGS) {
    const made = makeSession(overrides);
    await made.session.open(settings, new AbortController().signal);
    const conn = await fake.waitForConnection(fake.connections.length - 1);
    return { ...made, conn };
  }

  it('connects with a bearer key and no query, sends a valid session.start first, and is ready on session.started', async () => {
    const { session, conn } = await openSession();
    expect(session.isReady).toBe(true);
    expect(conn.url).toBe('/v1/live/sessions');
    expect(conn.headers.authorization).toBe('Bearer sk-live-test');
    expect(conn.headers['openai-alpha']).toBeUndefined();
    expect(conn.received[0].type).toBe('session.start');
    const start = conn.received[0] as SessionStartEvent;
    expect(start.session).toEqual({
      model: 'gpt-live-1',
      instructions: SETTINGS.instructions,
      audio: { format: { type: 'audio/pcmu', rate: 8000 }, output: { voice: 'marin' } },
      delegation: {
        type: 'responses',
        responses: {
          model: 'gpt-5.6-terra',
          instructions: SETTINGS.instructions,
          tools: [{ type: 'function', name: 'avr_hangup', description: 'End the call', parameters: SETTINGS.tools[0].parameters }],
          tool_choice: 'auto',
          parallel_tool_calls: false,
          reasoning: { effort: 'low' },
        },
      },
    });
    expect(session.id).toMatch(/^live_/);
    expect(session.expiresAt).toBeGreaterThan(Date.now());
  });

  it('asks for 24 kHz PCM when the session is pcm16', async () => {
    const { conn } = await openSession({ audioFormat: 'pcm16' });
    expect(conn.received[0].session.audio.format).toEqual({ type: 'audio/pcm', rate: 24000 });
  });

  it('seeds a replacement session with the conversation so far as input', async () => {
    const replay = [
      { role: 'user' as const, text: 'My order is late.' },
      { role: 'agent' as const, text: 'Let me check that for you.' },
      { role: 'tool' as const, text: '{"status":"shipped"}' },
    ];
    const { conn } = await openSession({}, { ...SETTINGS, replay });
    expect(conn.received[0].session.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'My order is late.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check that for you.' }] },
      {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: 'Tool result earlier in this call: {"status":"shipped"}' }],
      },
    ]);
  });

  it('sends no audio before session.started, then each 160-byte mu-law frame untouched', async () => {
    const fakeManual = await FakeLiveServer.start({ autoStart: false });
    try {
      const { session } = makeSession({ url: fakeManual.url });
      const opening = session.open(SETTINGS, new AbortController().signal);
      const conn = await fakeManual.waitForConnection(0);
      await conn.waitFor('session.start');
      const early = Buffer.alloc(160, 0x7f);
      session.appendAudio(early);
      expect(session.isReady).toBe(false);
      conn.start();
      await opening;
      const frames = [0, 1, 2].map((i) => pcm16ToMulaw(Buffer.from(sineWave(8000, 160, 300 + i * 100).buffer)));
      for (const f of frames) session.appendAudio(f);
      await conn.waitFor('session.input_audio.append', undefined, 2000);
      await new Promise((r) => setTimeout(r, 50));
      expect(conn.beforeStart).toEqual([]);
      expect(conn.audioAppends()).toEqual(frames);
      expect(session.droppedAudioBytes).toBe(160);
      expect(fakeManual.invalidEvents).toEqual([]);
      session.close();
    } finally {
      await fakeManual.close();
    }
  });

  it('rejects open() without retry when the server refuses session.start', async () => {
    fake.setRefuseStart({ code: 'invalid_value', message: "Invalid value: 'nobody'. Unknown voice.", param: 'session.audio.output.voice' });
    const { session } = makeSession({ voice: 'nobody' });
    await expect(session.open(SETTINGS, new AbortController().signal)).rejects.toMatchObject({
      retryable: false,
      kind: 'configuration',
      code: 'invalid_value',
      message: expect.stringContaining('Unknown voice'),
    });
    expect(session.isReady).toBe(false);
  });

  it('rejects open() as retryable when the upgrade is refused with a 503, and not for a 401', async () => {
    fake.setMode({ refuseStatus: 503 });
    await expect(makeSession().session.open(SETTINGS, new AbortController().signal)).rejects.toMatchObject({
      retryable: true,
      status: 503,
    });
    fake.setMode({ refuseStatus: 401 });
    await expect(makeSession().session.open(SETTINGS, new AbortController().signal)).rejects.toMatchObject({
      retryable: false,
      status: 401,
    });
  });

  it('derives one agent turn from the audio stream: started, the audio, transcript, audio done, response done', async () => {
    const { conn, rec } = await openSession();
    await conn.silence(300);
    const speech = await conn.agentSpeech(600);
    conn.outputTranscript('Hello, ', 100, 400);
    conn.outputTranscript('how can I help?', 400, 700);
    await conn.silence(500);
    await rec.until(() => rec.of('response_done').length === 1, 'response_done');
    const types = rec.events.filter((e) => e.type !== 'usage').map((e) => e.type);
    expect(types[0]).toBe('response_started');
    expect(types.slice(-3)).toEqual(['transcript', 'agent_audio_done', 'response_done']);
    const audio = Buffer.concat(rec.of('agent_audio').map((e) => e.audio));
    // The silence before the turn is not passed on; the turn's audio is, byte for byte, first.
    expect(audio.subarray(0, speech.length)).toEqual(speech);
    expect(rec.of('transcript')).toEqual([expect.objectContaining({ role: 'agent', text: 'Hello, how can I help?' })]);
    const turnId = rec.of('response_started')[0].responseId;
    expect(rec.of('response_done')[0]).toMatchObject({ responseId: turnId, status: 'completed' });
  });

  it('ends an agent turn when the server stops sending audio altogether', async () => {
    const { conn, rec } = await openSession();
    await conn.agentSpeech(400);
    await rec.until(() => rec.of('response_done').length === 1, 'response_done after no audio');
    expect(rec.of('agent_audio_done')).toHaveLength(1);
  });

  it('groups caller transcript fragments into turns at gaps', async () => {
    const { conn, rec } = await openSession();
    conn.inputTranscript('I would ', 1000, 1200);
    conn.inputTranscript('like a refund.', 1200, 1400);
    conn.inputTranscript('Order 42.', 3000, 3200);
    await rec.until(() => rec.of('transcript').length === 2, 'two caller turns');
    expect(rec.of('transcript').map((t) => [t.role, t.text])).toEqual([
      ['user', 'I would like a refund.'],
      ['user', 'Order 42.'],
    ]);
  });

  it('reports caller speech over agent audio still playing, once per turn, and not before the agent spoke', async () => {
    const { session, conn, rec } = await openSession();
    conn.inputTranscript('Hi.', 0, 100);
    await rec.until(() => rec.of('transcript').length === 1, 'caller turn');
    expect(rec.of('caller_speech_started')).toHaveLength(0);
    await conn.agentSpeech(300);
    await rec.until(() => rec.of('response_started').length === 1, 'agent turn');
    // expires_at is in whole seconds, so this reads up to 1 s late: 'Wait' starts a second earlier,
    // while the agent's 300 ms were still playing.
    const now = Date.now() - (session.expiresAt! - 7200 * 1000);
    conn.inputTranscript('Wait', now - 1000, now + 200);
    conn.inputTranscript(' no', now + 200, now + 400);
    await rec.until(() => rec.of('caller_speech_started').length === 1, 'caller_speech_started');
    await conn.agentSpeech(100);
    await rec.until(() => rec.of('response_done').length === 1, 'agent turn end');
    expect(rec.of('caller_speech_started')).toHaveLength(1);
  });

  it('does not take a late transcript of words said before the agent began for talking over it', async () => {
    const { conn, rec } = await openSession();
    await new Promise((r) => setTimeout(r, 700));
    await conn.agentSpeech(300);
    await rec.until(() => rec.of('response_started').length === 1, 'agent turn');
    // Transcripts trail speech: these words ended at 100 ms on the session timeline, long before the agent.
    conn.inputTranscript('Thanks.', 0, 100);
    await rec.until(() => rec.of('response_done').length === 1, 'agent turn end');
    expect(rec.of('caller_speech_started')).toHaveLength(0);
    await rec.until(() => rec.of('transcript').some((t) => t.role === 'user'), 'the caller turn');
  });

  describe('the caller end of speech each agent turn answers (caller_turn_ended)', () => {
    /** Opens a session and notes when session.started arrived: 0 on its timeline, as the session maps it. */
    async function openTimed(overrides: Partial<LiveSessionOptions> = {}) {
      const made = makeSession(overrides);
      await made.session.open(SETTINGS, new AbortController().signal);
      // open() resolves in the very event-loop turn that handled session.started.
      const startedAt = Date.now();
      const conn = await fake.waitForConnection(fake.connections.length - 1);
      return { ...made, conn, startedAt };
    }
    const typesOf = (rec: Recorder) => rec.events.map((e) => e.type);

    it('is the last caller fragment end, on the session timeline from session.started, reported with the turn that answered it', async () => {
      const { conn, rec, startedAt } = await openTimed();
      await new Promise((r) => setTimeout(r, 300));
      // The caller stopped 100 ms ago.
      const endMs = conn.sessionMs() - 100;
      conn.inputTranscript('Where is ', endMs - 900, endMs - 500);
      conn.inputTranscript('my parcel?', endMs - 500, endMs);
      await rec.until(() => rec.of('transcript').length === 1, 'the caller turn');
      await conn.agentSpeech(300);
      await rec.until(() => rec.of('response_done').length === 1, 'the agent turn');
      const ended = rec.of('caller_turn_ended');
      expect(ended).toHaveLength(1);
      expect(Math.abs(ended[0].at - (startedAt + endMs))).toBeLessThanOrEqual(5);
      const types = typesOf(rec);
      expect(types.indexOf('response_started')).toBeLessThan(types.indexOf('caller_turn_ended'));
      expect(types.indexOf('caller_turn_ended')).toBeLessThan(types.indexOf('response_done'));
      // The caller spoke before the agent's turn opened.
      const opened = rec.times[types.indexOf('response_started')];
      expect(ended[0].at).toBeLessThan(opened);
    });

    it('counts words transcribed only after the agent began, and nothing for a turn with no caller speech before it', async () => {
      const { conn, rec, startedAt } = await openTimed();
      await conn.agentSpeech(300); // the greeting: it answers nothing
      await rec.until(() => rec.of('response_done').length === 1, 'the greeting');
      const heardAt = Date.now() - startedAt;
      await new Promise((r) => setTimeout(r, 200));
      await conn.agentSpeech(300);
      await rec.until(() => rec.of('response_started').length === 2, 'the answer');
      // Transcripts trail speech: these words ended 100 ms after the greeting, before the answer began.
      conn.inputTranscript('Thanks.', heardAt - 300, heardAt + 100);
      await rec.until(() => rec.of('response_done').length === 2, 'the answer to end');
      expect(rec.of('caller_turn_ended').map((e) => e.at - startedAt)).toEqual([heardAt + 100]);
      expect(rec.of('caller_speech_started')).toHaveLength(0);
    });

    it('on a barge-in: settles the interrupted turn first, and the next turn is measured from where the caller then stopped', async () => {
      // A longer hangover: a stall of the loaded test machine must not split the agent's turn.
      const { conn, rec, startedAt } = await openTimed({ agentTurns: { hangoverMs: 600, transcriptQuietMs: 100 } });
      conn.inputTranscript('Hi.', 0, 100);
      await rec.until(() => rec.of('transcript').length === 1, 'the caller turn');
      // At real-time pace, as GPT-Live streams: the turn is still open when the caller talks over it.
      const speaking = conn.agentSpeech(800, { paceMs: 100 });
      await rec.until(() => rec.of('response_started').length === 1, 'the agent turn');
      const openedMs = rec.times[typesOf(rec).indexOf('response_started')] - startedAt;
      // 500 ms of the agent's speech in hand, so the words below overlap it by 250 ms.
      await rec.until(() => rec.of('agent_audio').length >= 5, 'the agent speaking');
      // The caller talks over the agent's 800 ms from 50 ms into them, and goes on.
      conn.inputTranscript('Wait', openedMs + 50, openedMs + 300);
      await rec.until(() => rec.of('caller_speech_started').length === 1, 'the barge-in');
      conn.inputTranscript(' a moment.', openedMs + 300, openedMs + 600);
      const types = typesOf(rec);
      expect(types.indexOf('caller_turn_ended')).toBeLessThan(types.indexOf('caller_speech_started'));
      await speaking;
      await rec.until(() => rec.of('response_done').length === 1, 'the interrupted turn to end');
      await conn.agentSpeech(300);
      await rec.until(() => rec.of('response_done').length === 2, 'the answer');
      expect(rec.of('caller_turn_ended').map((e) => e.at - startedAt)).toEqual([100, openedMs + 600]);
    });

    it('reports nothing for a turn whose caller speech maps past the agent start (clock skew)', async () => {
      const { conn, rec, startedAt } = await openTimed();
      await new Promise((r) => setTimeout(r, 300));
      await conn.agentSpeech(300);
      await rec.until(() => rec.of('response_started').length === 1, 'the agent turn');
      const openedMs = rec.times[typesOf(rec).indexOf('response_started')] - startedAt;
      // Begun before the agent, ended 100 ms into its turn: too little to be talking over it.
      conn.inputTranscript('Yes.', openedMs - 200, openedMs + 100);
      await rec.until(() => rec.of('response_done').length === 1, 'the agent turn to end');
      expect(rec.of('caller_turn_ended')).toEqual([]);
      expect(rec.of('caller_speech_started')).toEqual([]);
    });
  });

  it('runs a delegated tool call round trip: tool_call, response.item.create per result, then one response.create', async () => {
    const { session, conn, rec } = await openSession();
    const call = conn.toolCall('avr_hangup', { reason: 'done' });
    await rec.until(() => rec.of('tool_call').length === 1, 'tool_call');
    expect(rec.of('tool_call')[0]).toEqual({
      type: 'tool_call',
      callId: call.callId,
      name: 'avr_hangup',
      arguments: '{"reason":"done"}',
      responseId: call.responseId,
    });
    session.toolResult(call.callId, '{"ok":true}');
    session.respond();
    await conn.waitFor('response.create');
    session.respond();
    await new Promise((r) => setTimeout(r, 100));
    expect(conn.ofType('response.item.create')).toEqual([
      expect.objectContaining({ item: { type: 'function_call_output', call_id: call.callId, output: '{"ok":true}' } }),
    ]);
    expect(conn.ofType('response.create')).toHaveLength(1);
    conn.completeResponse(call.delegationId, call.responseId);
    await rec.until(() => rec.of('usage').some((u) => u.usage.totalTokens === 150), 'backend usage');
  });

  it('ignores function calls that are not completed, and sends response.create only after every call of a batch has a result', async () => {
    const { session, conn, rec } = await openSession();
    conn.send({
      type: 'response.event',
      event_id: 'e1',
      delegation_id: 'd1',
      event: {
        type: 'response.output_item.done',
        item: { type: 'function_call', call_id: 'c0', name: 'x', arguments: '{}', status: 'incomplete' },
      },
    });
    const a = conn.toolCall('lookup', {});
    const b = conn.toolCall('lookup', { again: true });
    await rec.until(() => rec.of('tool_call').length === 2, 'two tool calls');
    expect(rec.of('tool_call').map((t) => t.callId)).toEqual([a.callId, b.callId]);
    session.toolResult(a.callId, '1');
    session.respond();
    await new Promise((r) => setTimeout(r, 100));
    expect(conn.ofType('response.create')).toHaveLength(0);
    session.toolResult(b.callId, '2');
    await conn.waitFor('response.create');
    expect(conn.ofType('response.item.create')).toHaveLength(2);
  });

  it('sends instructions with a commentary prompt, and caller text as quiet context, within 500 tokens', async () => {
    const { session, conn } = await openSession();
    session.addInstruction('Greet the caller in English.');
    session.addUserText('The caller pressed 5.');
    session.addInstruction('x'.repeat(10_000));
    await conn.waitFor('session.commentary.append', (e) => e.content === BEGIN_PROMPT);
    await conn.waitFor('session.instructions.append', (e) => e.content.length < 10_000);
    expect(conn.ofType('session.thinking.append')[0]).toMatchObject({
      content: `${USER_TEXT_PREFIX}The caller pressed 5.`,
      delegation_id: null,
    });
    expect(conn.ofType('session.instructions.append')[1].content.length).toBeLessThanOrEqual(1500);
    await conn.agentSpeech(200);
    await new Promise((r) => setTimeout(r, 50));
    session.addInstruction('Wrap up now.');
    await conn.waitFor('session.commentary.append', (e) => e.content === CONTINUE_PROMPT);
  });

  it('reports session seconds from usage updates and the final session.closed', async () => {
    const { session, conn, rec } = await openSession();
    conn.usage(61);
    await rec.until(() => rec.of('usage').some((u) => u.usage.sessionSeconds === 61), 'usage 61');
    session.close();
    await conn.waitFor('session.close');
    // The final figure comes from session.closed, delivered although the session is closing.
    // Usage events carry the increase (they add up over a call's sessions): 61, then 1 more.
    await rec.until(() => rec.of('usage').reduce((sum, u) => sum + (u.usage.sessionSeconds ?? 0), 0) === 62, 'final usage');
    expect(rec.lost).toEqual([]);
  });

  it('reports an expired session as session over, then the drop as retryable', async () => {
    const { conn, rec } = await openSession();
    conn.closeSession('expired', 7200);
    await rec.until(() => rec.lost.length === 1, 'lost');
    expect(rec.of('error')[0].error).toMatchObject({ code: 'session_expired', sessionOver: true, fatal: false });
    expect(rec.of('usage').at(-1)!.usage.sessionSeconds).toBe(7200);
    expect(rec.lost[0].retryable).toBe(true);
  });

  it('reports a dropped connection via lost (retryable), and nothing after close()', async () => {
    const { session, conn, rec } = await openSession();
    conn.drop();
    await rec.until(() => rec.lost.length === 1, 'lost');
    expect(rec.lost[0]).toMatchObject({ retryable: true });
    expect(session.isReady).toBe(false);

    const second = await openSession();
    second.session.close();
    await second.conn.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(second.rec.lost).toEqual([]);
  });

  it('reports a peer that stops answering pings as lost (retryable)', async () => {
    const { conn, rec } = await openSession({ heartbeatMs: 100 });
    conn.freeze();
    await rec.until(() => rec.lost.length === 1, 'lost by heartbeat');
    expect(rec.lost[0]).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('survives any server event shape: malformed ones are counted, the session stays up', async () => {
    const { session, conn, rec } = await openSession();
    const junk: unknown[] = [
      'not json',
      '[]',
      'null',
      '{"type":5}',
      { type: 'session.output_audio.delta', delta: 42 },
      { type: 'session.input_transcript.delta', delta: 'x', start_ms: 'soon' },
      { type: 'session.output_transcript.delta' },
      { type: 'response.event', event: null },
      {
        type: 'response.event',
        event: { type: 'response.output_item.done', item: { type: 'function_call', status: 'completed', call_id: 7 } },
      },
      { type: 'response.event', event: { type: 'response.completed', response: { usage: { input_tokens: 'many' } } } },
      { type: 'response.event', event: { type: 'response.failed', response: null } },
      { type: 'session.usage.updated', usage: { seconds: 'NaN' } },
      { type: 'session.closed', reason: {}, usage: null },
      { type: 'error', error: 'boom' },
      { type: 'error' },
      { type: 'info', code: 3 },
      { type: 'something.new', anything: [1, 2] },
    ];
    for (const j of junk) conn.sendRaw(typeof j === 'string' ? j : JSON.stringify(j));
    conn.inputTranscript('Still here.', 0, 200);
    await rec.until(() => rec.of('transcript').length === 1, 'transcript after junk');
    expect(session.isReady).toBe(true);
    expect(session.malformedEvents).toBeGreaterThanOrEqual(8);
    expect(rec.of('error').every((e) => typeof e.error.code === 'string' && e.error.code.length > 0)).toBe(true);
    expect(rec.lost).toEqual([]);
  });

  it('classifies an error after the start: a bad key is fatal, a command error is not', async () => {
    const { session, conn, rec } = await openSession();
    conn.error('invalid_audio', 'PCM16 audio must contain an even number of bytes');
    conn.error('invalid_api_key', 'Incorrect API key provided');
    conn.error('some_new_code', 'Something new');
    await rec.until(() => rec.of('error').length === 3, 'three errors');
    expect(rec.of('error').map((e) => [e.error.code, e.error.fatal])).toEqual([
      ['invalid_audio', false],
      ['invalid_api_key', true],
      ['other', false],
    ]);
    expect(session.isReady).toBe(true);
  });

  it('rejects open() as aborted when closed while opening, and reports nothing lost', async () => {
    const fakeHang = await FakeLiveServer.start({ autoStart: false });
    try {
      const { session, rec } = makeSession({ url: fakeHang.url });
      const opening = session.open(SETTINGS, new AbortController().signal);
      await (await fakeHang.waitForConnection(0)).waitFor('session.start');
      session.close();
      await expect(opening).rejects.toMatchObject({ kind: 'aborted', retryable: false });
      await new Promise((r) => setTimeout(r, 50));
      expect(rec.lost).toEqual([]);
    } finally {
      await fakeHang.close();
    }
  });

  it('rejects open() on abort', async () => {
    const fakeHang = await FakeLiveServer.start({ mode: 'hang' });
    try {
      const { session } = makeSession({ url: fakeHang.url });
      const ac = new AbortController();
      const opening = session.open(SETTINGS, ac.signal);
      ac.abort();
      await expect(opening).rejects.toMatchObject({ kind: 'aborted', retryable: false });
    } finally {
      await fakeHang.close();
    }
  });
});

export type { FakeLiveConnection };
