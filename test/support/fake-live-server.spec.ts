import { WebSocket } from 'ws';
import { FakeLiveServer, NOT_STARTED_CODE } from './fake-live-server.js';

/** A raw client of the fake: what a careless GPT-Live client would send. */
async function rawClient(url: string) {
  const ws = new WebSocket(url);
  const events: any[] = [];
  ws.on('message', (d) => events.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waitFor = async (type: string) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find((e) => e.type === type);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${type}`);
  };
  return { ws, events, waitFor, send: (ev: object) => ws.send(JSON.stringify(ev)) };
}

const START = {
  type: 'session.start',
  event_id: 's1',
  session: { model: 'gpt-live-1', audio: { format: { type: 'audio/pcmu', rate: 8000 } } },
};

describe('FakeLiveServer (strict like GPT-Live)', () => {
  let fake: FakeLiveServer;
  beforeEach(async () => {
    fake = await FakeLiveServer.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('refuses an unknown session field with an error naming it, and does not start', async () => {
    const c = await rawClient(fake.url);
    c.send({ ...START, session: { ...START.session, turn_detection: { type: 'server_vad' } } });
    const error = await c.waitFor('error');
    expect(error.error).toMatchObject({ code: 'unknown_parameter', param: 'session.turn_detection', client_event_id: 's1' });
    expect(c.events.some((e) => e.type === 'session.started')).toBe(false);
    expect(fake.invalidEvents).toHaveLength(1);
    c.ws.close();
  });

  it('accepts no audio or command before session.started, and records it', async () => {
    const c = await rawClient(fake.url);
    c.send({ type: 'session.input_audio.append', audio: 'AAAA' });
    expect((await c.waitFor('error')).error.code).toBe(NOT_STARTED_CODE);
    const conn = await fake.waitForConnection(0);
    expect(conn.beforeStart).toHaveLength(1);
    c.send(START);
    const started = await c.waitFor('session.started');
    expect(started).toMatchObject({ client_event_id: 's1', session: { model: 'gpt-live-1', status: 'active' } });
    c.ws.close();
  });

  it('speaks in the session format, answers session.close with session.closed, and refuses a start when told to', async () => {
    const c = await rawClient(fake.url);
    c.send(START);
    await c.waitFor('session.started');
    const conn = await fake.waitForConnection(0);
    const audio = await conn.agentSpeech(250);
    expect(audio).toHaveLength(2000);
    for (let i = 0; i < 100 && c.events.filter((e) => e.type === 'session.output_audio.delta').length < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    const deltas = c.events.filter((e) => e.type === 'session.output_audio.delta');
    expect(Buffer.concat(deltas.map((d) => Buffer.from(d.delta, 'base64')))).toEqual(audio);
    conn.usage(30);
    c.send({ type: 'session.close', event_id: 'bye' });
    const closed = await c.waitFor('session.closed');
    expect(closed).toMatchObject({ reason: 'close_requested', usage: { seconds: 31 }, client_event_id: 'bye' });

    fake.setRefuseStart({ code: 'invalid_value', message: 'Unknown voice.' });
    const d = await rawClient(fake.url);
    d.send(START);
    expect((await d.waitFor('error')).error.code).toBe('invalid_value');
    expect(d.events.some((e) => e.type === 'session.started')).toBe(false);
    d.ws.close();
  });
});
