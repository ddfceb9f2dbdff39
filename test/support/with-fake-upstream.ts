/**
 * The fake OpenAI upstream for an e2e suite, with the one check every suite needs: after each
 * test (and once more after the suite), any client event the service sent that is not a valid GA
 * event, or that the fake refused as the live server would (a session.update it would not
 * apply, response.create during a response, a truncation past the item's audio), fails the test.
 * Benign races a correct client also meets (response_cancel_not_active) are kept apart and do not
 * fail it.
 *
 *   const upstream = withFakeUpstream();          // in the describe (or at file level)
 *   beforeAll(async () => { fake = await upstream.start(); app = await startTestApp({ OPENAI_REALTIME_URL: fake.url }); });
 *   afterAll(async () => { await app.close(); await fake.close(); });
 *
 * Closing stays the suite's business, after its app, so the service never sees its upstream vanish
 * during teardown.
 */
import { FakeRealtimeServer, type FakeRealtimeServerOptions, type FakeRefusal } from './fake-realtime-server.js';

export interface FakeUpstreamFixture {
  /** Starts a fake whose client events are checked after every test (call it in any hook or test). */
  start(opts?: FakeRealtimeServerOptions): Promise<FakeRealtimeServer>;
  /** Benign errors every fake of the suite has answered so far. */
  benignErrors(): FakeRefusal[];
}

interface Watched {
  fake: FakeRealtimeServer;
  invalidSeen: number;
  refusedSeen: number;
}

/** One line per event: its type and event_id, not its (possibly megabytes of) audio. */
function summary(event: unknown): { type?: unknown; event_id?: unknown } | string {
  if (typeof event !== 'object' || event === null) return String(event).slice(0, 200);
  const { type, event_id } = event as { type?: unknown; event_id?: unknown };
  return event_id === undefined ? { type } : { type, event_id };
}

/** The fakes of one suite, and what of theirs has been reported already. */
export class FakeUpstreamWatch {
  private readonly watched: Watched[] = [];

  async start(opts: FakeRealtimeServerOptions = {}): Promise<FakeRealtimeServer> {
    const fake = await FakeRealtimeServer.start(opts);
    this.watched.push({ fake, invalidSeen: 0, refusedSeen: 0 });
    return fake;
  }

  benignErrors(): FakeRefusal[] {
    return this.watched.flatMap((w) => w.fake.benignErrors);
  }

  /** Invalid and refused client events since the last call only, so one bad test does not fail every later one. */
  takeProblems(): { invalidEvents: unknown[]; refusedEvents: unknown[] } {
    const invalidEvents: unknown[] = [];
    const refusedEvents: unknown[] = [];
    for (const w of this.watched) {
      for (const { event, problems } of w.fake.invalidEvents.slice(w.invalidSeen)) invalidEvents.push({ event: summary(event), problems });
      for (const { event, error } of w.fake.refusedEvents.slice(w.refusedSeen)) {
        refusedEvents.push({ event: summary(event), error: { code: error.code, message: error.message, param: error.param } });
      }
      w.invalidSeen = w.fake.invalidEvents.length;
      w.refusedSeen = w.fake.refusedEvents.length;
    }
    return { invalidEvents, refusedEvents };
  }
}

export function withFakeUpstream(defaults: FakeRealtimeServerOptions = {}): FakeUpstreamFixture {
  const watch = new FakeUpstreamWatch();
  const check = () => expect(watch.takeProblems()).toEqual({ invalidEvents: [], refusedEvents: [] });
  afterEach(check);
  afterAll(check);
  return {
    start: (opts = {}) => watch.start({ ...defaults, ...opts }),
    benignErrors: () => watch.benignErrors(),
  };
}
