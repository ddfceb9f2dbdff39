import { RealtimeTestClient, type FakeRealtimeServer } from './fake-realtime-server.js';
import { FakeUpstreamWatch } from './with-fake-upstream.js';

describe('FakeUpstreamWatch (what withFakeUpstream checks after each test)', () => {
  const watch = new FakeUpstreamWatch();
  let fake: FakeRealtimeServer;
  let client: RealtimeTestClient;

  beforeAll(async () => {
    fake = await watch.start();
    client = await RealtimeTestClient.connect(`${fake.url}?model=gpt-realtime-2.1`);
    await client.waitFor('session.created');
  });
  afterAll(async () => {
    client.close();
    await fake.close();
  });

  it('reports a refused session.update and an invalid event once each, by type and event_id, without their payload', async () => {
    const conn = await fake.waitForConnection(0);
    client.send({ type: 'session.update', event_id: 'evt_1', session: { type: 'realtime', temperature: 0.8 } });
    client.send({ type: 'input_audio_buffer.append', event_id: 'evt_2', audio: 42 });
    await conn.waitFor('input_audio_buffer.append');
    expect(watch.takeProblems()).toEqual({
      invalidEvents: [
        {
          event: { type: 'session.update', event_id: 'evt_1' },
          problems: [`the live server refuses the whole update: unknown_parameter "Unknown parameter: 'session.temperature'."`],
        },
        { event: { type: 'input_audio_buffer.append', event_id: 'evt_2' }, problems: [expect.stringContaining('/audio must be string')] },
      ],
      refusedEvents: [
        {
          event: { type: 'session.update', event_id: 'evt_1' },
          error: { code: 'unknown_parameter', message: "Unknown parameter: 'session.temperature'.", param: 'session.temperature' },
        },
      ],
    });
    expect(watch.takeProblems()).toEqual({ invalidEvents: [], refusedEvents: [] });
  });

  it('keeps benign races apart: they are no problem', async () => {
    const conn = await fake.waitForConnection(0);
    client.send({ type: 'response.cancel', event_id: 'evt_3' });
    await conn.waitFor('response.cancel');
    expect(watch.takeProblems()).toEqual({ invalidEvents: [], refusedEvents: [] });
    expect(watch.benignErrors().map((e) => [e.event.event_id, e.error.code])).toEqual([['evt_3', 'response_cancel_not_active']]);
  });
});
