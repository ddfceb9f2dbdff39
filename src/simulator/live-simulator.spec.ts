import pino from 'pino';
import { WebSocket } from 'ws';
import { pcm16ToMulaw } from '../audio/g711.js';
import { LiveUpstreamSession } from '../live/live-upstream-session.js';
import { liveTestOptions } from '../live/testing/live-test-options.js';
import type { UpstreamEvent } from '../realtime/upstream-session.js';
import { LiveSimulator, type LiveSimulatorOptions } from './live-simulator.js';
import { LIVE_NOT_STARTED_CODE } from './live-simulated-session.js';
import { sineWave } from './tones.js';

const START = {
  type: 'session.start',
  event_id: 'start_1',
  session: { model: 'gpt-live-1', audio: { format: { type: 'audio/pcmu', rate: 8000 }, output: { voice: 'marin' } } },
};

/** A raw client: every server event, parsed, with its arrival time. */
class RawClient {
  readonly events: Array<{ ev: any; at: number }> = [];
  readonly closed: Promise<number>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.events.push({ ev: JSON.parse(d.toString()), at: Date.now() }));
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }
  static open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }
  send(ev: object): void {
    this.ws.send(JSON.stringify(ev));
  }
  of(type: string): any[] {
    return this.events.filter((e) => e.ev.type === type).map((e) => e.ev);
  }
  async waitFor(type: string, timeoutMs = 5000): Promise<any> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = this.of(type)[0];
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${type}; got ${this.events.map((e) => e.ev.type).join(', ')}`);
  }
}

const mulaw = (samples: Int16Array) => pcm16ToMulaw(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
/** Caller audio: `speechMs` of a tone, then `silenceMs` of silence, as 20 ms mu-law frames. */
function callerFrames(speechMs: number, silenceMs: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let t = 0; t < speechMs; t += 20) frames.push(mulaw(sineWave(8000, 160, 300, 0.3, t * 8)));
  for (let t = 0; t < silenceMs; t += 20) frames.push(mulaw(new Int16Array(160)));
  return frames;
}

describe('LiveSimulator (the simulator in GPT-Live mode)', () => {
  let sim: LiveSimulator;
  let url: string;
  const clients: RawClient[] = [];
  const sessions: LiveUpstreamSession[] = [];

  async function startSim(opts: LiveSimulatorOptions = {}) {
    sim = new LiveSimulator(opts);
    url = await sim.start();
  }

  afterEach(async () => {
    for (const c of clients) c.ws.terminate();
    clients.length = 0;
    for (const s of sessions) s.close();
    sessions.length = 0;
    await sim.close();
  });

  async function raw() {
    const c = await RawClient.open(url);
    clients.push(c);
    return c;
  }

  function session(events: UpstreamEvent[]) {
    const s = new LiveUpstreamSession(liveTestOptions(url, { agentTurns: { hangoverMs: 400 } }), pino({ level: 'silent' }), {
      event: (e) => events.push(e),
      lost: () => undefined,
    });
    sessions.push(s);
    return s;
  }

  async function until(test: () => boolean, what: string, timeoutMs = 8000) {
    const end = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('refuses a session.start with an unknown field, naming it, and never starts', async () => {
    await startSim();
    const c = await raw();
    c.send({ ...START, session: { ...START.session, temperature: 0.8 } });
    const error = await c.waitFor('error');
    expect(error.error).toMatchObject({ code: 'unknown_parameter', param: 'session.temperature', client_event_id: 'start_1' });
    expect(await c.closed).toBe(1008);
    expect(c.of('session.started')).toEqual([]);
  });

  it('refuses audio sent before session.started, and an unknown voice', async () => {
    await startSim();
    const c = await raw();
    c.send({ type: 'session.input_audio.append', audio: Buffer.alloc(160, 0xff).toString('base64') });
    expect((await c.waitFor('error')).error.code).toBe(LIVE_NOT_STARTED_CODE);
    const d = await raw();
    d.send({ ...START, session: { ...START.session, audio: { ...START.session.audio, output: { voice: 'nova' } } } });
    expect((await d.waitFor('error')).error).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.voice' });
  });

  it('streams output in real time once started, silence included (mu-law 0xFF), never ahead of the clock', async () => {
    await startSim();
    const c = await raw();
    c.send(START);
    const started = await c.waitFor('session.started');
    expect(started.session).toMatchObject({ model: 'gpt-live-1', status: 'active', audio: { format: { type: 'audio/pcmu', rate: 8000 } } });
    const startedAt = c.events.find((e) => e.ev.type === 'session.started')!.at;
    await new Promise((r) => setTimeout(r, 700));
    const deltas = c.events.filter((e) => e.ev.type === 'session.output_audio.delta');
    expect(deltas.length).toBeGreaterThan(2);
    let audioMs = 0;
    for (const d of deltas) {
      const bytes = Buffer.from(d.ev.delta, 'base64');
      expect(bytes.every((b) => b === 0xff)).toBe(true);
      expect(d.ev.event_id).toBeUndefined();
      audioMs += bytes.length / 8;
      // Audio received by any moment covers no more than the time since the start (+ one chunk).
      expect(audioMs).toBeLessThanOrEqual(d.at - startedAt + 100 + 50);
    }
  });

  it('times caller transcript fragments on the session timeline, not by audio received (which began later)', async () => {
    await startSim({ reply: 'tones' });
    const c = await raw();
    c.send(START);
    await c.waitFor('session.started');
    const startedAt = c.events.find((e) => e.ev.type === 'session.started')!.at;
    await new Promise((r) => setTimeout(r, 600));
    // In real time, as a caller's audio comes: 400 ms of speech, then silence.
    const frames = callerFrames(400, 800);
    let speechEndedAt = 0;
    for (const [i, f] of frames.entries()) {
      c.send({ type: 'session.input_audio.append', audio: f.toString('base64') });
      if (i === 19) speechEndedAt = Date.now() + 20;
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => c.of('session.input_transcript.delta').length === 2, 'the caller transcript');
    const fragments = c.of('session.input_transcript.delta');
    expect(fragments[0].end_ms).toBe(fragments[1].start_ms);
    // Audio received counts 400 ms here; the session had run about 1000 ms when the speech ended.
    expect(Math.abs(fragments[1].end_ms - (speechEndedAt - startedAt))).toBeLessThanOrEqual(150);
    expect(fragments[1].end_ms - fragments[0].start_ms).toBe(400);
  });

  it('answers caller speech through LiveUpstreamSession: caller transcript, one agent turn with audio and transcript', async () => {
    await startSim({ reply: 'tones' });
    const events: UpstreamEvent[] = [];
    const s = session(events);
    await s.open({ instructions: 'Be brief.', tools: [], replay: [] }, new AbortController().signal);
    for (const f of callerFrames(600, 700)) s.appendAudio(f);
    await until(() => events.some((e) => e.type === 'response_done'), 'the agent turn');
    const types = events.filter((e) => e.type !== 'usage').map((e) => e.type);
    expect(types.indexOf('response_started')).toBeLessThan(types.indexOf('agent_audio'));
    expect(types.slice(-2)).toEqual(['agent_audio_done', 'response_done']);
    const transcripts = events.filter((e): e is Extract<UpstreamEvent, { type: 'transcript' }> => e.type === 'transcript');
    expect(transcripts.map((t) => [t.role, t.text])).toEqual([
      ['user', '[simulated] caller spoke for 0.6 s'],
      ['agent', '[simulated] agent reply (tones)'],
    ]);
    const audioBytes = events.reduce((n, e) => n + (e.type === 'agent_audio' ? e.audio.length : 0), 0);
    // 1.5 s of tones at 8 kHz mu-law, plus the pauses of the turn, minus nothing.
    expect(audioBytes).toBeGreaterThanOrEqual(12_000);
  });

  it('delegates a scripted tool call and speaks after the result and one response.create', async () => {
    await startSim({ reply: 'tones', scriptedToolCall: { afterTurns: 1, name: 'lookup_order', arguments: { order: 42 } } });
    const events: UpstreamEvent[] = [];
    const s = session(events);
    const tools = [
      { name: 'lookup_order', description: 'Look an order up', parameters: { type: 'object', properties: { order: { type: 'number' } } } },
    ];
    await s.open({ instructions: 'Be brief.', tools, replay: [] }, new AbortController().signal);
    for (const f of callerFrames(400, 700)) s.appendAudio(f);
    await until(() => events.some((e) => e.type === 'tool_call'), 'the tool call');
    const call = events.find((e): e is Extract<UpstreamEvent, { type: 'tool_call' }> => e.type === 'tool_call')!;
    expect(call).toMatchObject({ name: 'lookup_order', arguments: '{"order":42}' });
    s.toolResult(call.callId, '{"status":"shipped"}');
    s.respond();
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'agent'), 'the spoken answer');
    const agent = events.find((e): e is Extract<UpstreamEvent, { type: 'transcript' }> => e.type === 'transcript' && e.role === 'agent')!;
    expect(agent.text).toContain('the lookup_order tool answered: {"status":"shipped"}');
    expect(events.some((e) => e.type === 'usage' && e.usage.totalTokens === 204)).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });

  it('speaks first after an instruction (the greeting), and closes with session.closed and final usage', async () => {
    await startSim();
    const events: UpstreamEvent[] = [];
    const s = session(events);
    await s.open({ instructions: '', tools: [], replay: [] }, new AbortController().signal);
    s.addInstruction('Greet the caller as Example Ltd.');
    await until(() => events.some((e) => e.type === 'response_done'), 'the greeting');
    const agent = events.find((e): e is Extract<UpstreamEvent, { type: 'transcript' }> => e.type === 'transcript' && e.role === 'agent');
    expect(agent?.text).toContain('Greet the caller as Example Ltd.');
    s.close();
    await until(() => events.some((e) => e.type === 'usage' && (e.usage.sessionSeconds ?? 0) >= 1), 'final usage');
    await until(() => sim.connectionCount === 0, 'the socket closed');
  });
});
