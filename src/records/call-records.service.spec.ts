import type { TestingModule } from '@nestjs/testing';
import { waitUntil } from '../../test/support/wait.js';
import type { Env } from '../config/index.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { captureLogs, type CapturedLogs, type LogLine } from '../testing/log-capture.js';
import { testModule } from '../testing/test-module.js';
import { buildCallRecord, type CallRecord } from './call-record.js';
import { CallRecordsModule } from './call-records.module.js';
import { CallRecordsService } from './call-records.service.js';
import { RETRY_TIMING, type RetryTiming } from './retry-timing.js';
import { realisticCall, SPOKEN, TOOL_TEXT } from './testing/call-record-fixture.js';
import { RecordReceiver } from './testing/record-receiver.js';

const SECRET = 'Bearer rec0rds-s3cret-9f2a';
const FAST: RetryTiming = { baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 10_000, flushDelayMs: 1 };

interface Harness {
  service: CallRecordsService;
  logs: CapturedLogs;
  moduleRef: TestingModule;
  count(result: 'delivered' | 'retried' | 'failed' | 'dropped'): Promise<number>;
  undelivered(): LogLine[];
}

describe('CallRecordsService', () => {
  const receiver = new RecordReceiver();
  let url: string;
  const open: TestingModule[] = [];

  beforeAll(async () => {
    url = await receiver.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
    receiver.reset();
  });
  afterAll(() => receiver.stop());

  /** The real module as the app imports it; env on top of a receiver URL, a secret and fast retries. */
  async function build(env: Env = {}, timing: RetryTiming = FAST): Promise<Harness> {
    const logs = captureLogs('debug');
    const moduleRef = await testModule({ CALL_SUMMARY_URL: url, CALL_SUMMARY_AUTH_HEADER: SECRET, ...env }, logs.logger, {
      imports: [MetricsModule, CallRecordsModule],
    })
      .overrideProvider(RETRY_TIMING)
      .useValue(timing)
      .compile();
    open.push(moduleRef);
    const metrics = moduleRef.get(MetricsService);
    return {
      service: moduleRef.get(CallRecordsService),
      logs,
      moduleRef,
      count: async (result) => (await metrics.callRecords.get()).values.find((v) => v.labels.result === result)?.value ?? 0,
      undelivered: () => logs.lines().filter((l) => l.callRecordUndelivered === true),
    };
  }

  const call = (uuid: string) => realisticCall(uuid);
  const expectedBody = (uuid: string, includeTranscripts = true): CallRecord =>
    JSON.parse(JSON.stringify(buildCallRecord(call(uuid), { includeTranscripts }))) as CallRecord;

  it('does nothing but one debug line when no receiver is configured', async () => {
    const h = await build({ CALL_SUMMARY_URL: '' });
    h.service.submit(call('no-receiver'));
    await expect(h.service.flush(1000)).resolves.toEqual({ delivered: 0, givenUp: 0 });
    expect(receiver.received).toHaveLength(0);
    expect(h.logs.lines()).toEqual([expect.objectContaining({ level: 'debug', uuid: 'no-receiver' })]);
  });

  it('posts the record as JSON with the call uuid and the configured Authorization', async () => {
    const h = await build();
    h.service.submit(call('call-1'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'delivery');
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/records?key=query-secret');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-avr-uuid']).toBe('call-1');
    expect(req.headers.authorization).toBe(SECRET);
    expect(JSON.parse(req.body)).toEqual(expectedBody('call-1'));
    expect(h.undelivered()).toEqual([]);
  });

  it('sends no Authorization header when none is configured', async () => {
    const h = await build({ CALL_SUMMARY_AUTH_HEADER: '' });
    h.service.submit(call('call-no-auth'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'delivery');
    expect(receiver.received[0].headers.authorization).toBeUndefined();
  });

  it('leaves every transcript and tool text out of the posted record when transcripts are off', async () => {
    const h = await build({ CALL_SUMMARY_TRANSCRIPTS: 'false' });
    h.service.submit(call('call-private'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'delivery');
    const { body } = receiver.received[0];
    for (const text of [...Object.values(SPOKEN), ...Object.values(TOOL_TEXT)]) expect(body).not.toContain(text);
    expect(JSON.parse(body)).toEqual(expectedBody('call-private', false));
  });

  it('retries 503 twice and delivers the same record on the third attempt', async () => {
    receiver.answer([503, 503, 200]);
    const h = await build();
    h.service.submit(call('call-retry'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'delivery');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(await h.count('retried')).toBe(2);
    expect(await h.count('failed')).toBe(0);
    expect(h.undelivered()).toEqual([]);
  });

  it('retries 429 too', async () => {
    receiver.answer([429, 200]);
    const h = await build();
    h.service.submit(call('call-429'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'delivery');
    expect(receiver.received).toHaveLength(2);
  });

  it('does not retry a 400, and logs the whole record once, marked, without the secret', async () => {
    receiver.answer([], 400);
    const h = await build();
    h.service.submit(call('call-refused'));
    await waitUntil(() => h.undelivered().length > 0, 5000, 'the undelivered line');
    expect(receiver.received).toHaveLength(1);
    expect(h.undelivered()).toEqual([
      expect.objectContaining({
        level: 'warn',
        uuid: 'call-refused',
        reason: 'HTTP 400 (not retried)',
        attempts: 1,
        record: expectedBody('call-refused'),
      }),
    ]);
    expect(await h.count('failed')).toBe(1);
    expect(await h.count('retried')).toBe(0);
    expect(h.logs.raw()).not.toContain(SECRET);
    expect(h.logs.raw()).not.toContain('query-secret');
  });

  it('logs no transcript text when transcripts are off, not even for an undelivered record', async () => {
    receiver.answer([], 400);
    const h = await build({ CALL_SUMMARY_TRANSCRIPTS: 'false' });
    h.service.submit(call('call-refused-private'));
    await waitUntil(() => h.undelivered().length > 0, 5000, 'the undelivered line');
    for (const text of [...Object.values(SPOKEN), ...Object.values(TOOL_TEXT)]) expect(h.logs.raw()).not.toContain(text);
  });

  it('returns from submit at once for a receiver that never answers, and logs the record after the last attempt', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_TIMEOUT_MS: '100', CALL_SUMMARY_MAX_ATTEMPTS: '2' });
    h.service.submit(call('call-stuck'));
    // Nothing has even reached the receiver yet: submit only queued the record.
    expect(receiver.received).toHaveLength(0);
    expect(h.undelivered()).toEqual([]);
    await waitUntil(() => h.undelivered().length > 0, 5000, 'the undelivered line');
    expect(receiver.received).toHaveLength(2);
    expect(h.undelivered()).toEqual([
      expect.objectContaining({
        uuid: 'call-stuck',
        reason: 'timeout after 100 ms (attempt 2 of 2)',
        attempts: 2,
        record: expectedBody('call-stuck'),
      }),
    ]);
    expect(await h.count('retried')).toBe(1);
    expect(await h.count('failed')).toBe(1);
    // The timed-out requests were hung up, not left open.
    await waitUntil(() => receiver.open === 0, 5000, 'the receiver to see the requests end');
    expect(h.logs.raw()).not.toContain(SECRET);
  });

  it('stops retrying at the time bound even when more attempts are allowed', async () => {
    receiver.answer([], 503);
    const h = await build({ CALL_SUMMARY_MAX_ATTEMPTS: '20' }, { ...FAST, baseDelayMs: 20, maxDelayMs: 40, maxTotalMs: 50 });
    h.service.submit(call('call-bounded'));
    await waitUntil(() => h.undelivered().length > 0, 5000, 'the undelivered line');
    expect(h.undelivered()[0].reason).toBe('HTTP 503 (no retry within 50 ms of the first attempt)');
    expect(receiver.received.length).toBeLessThan(20);
  });

  it('drops the oldest pending record when the queue is full, with a warn line and the metric', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '1', CALL_SUMMARY_MAX_QUEUE: '2' });
    for (const uuid of ['q-1', 'q-2', 'q-3', 'q-4']) h.service.submit(call(uuid));
    // q-1 is under way, q-2 and q-3 filled the queue, q-4 pushed q-2 out.
    expect(h.undelivered()).toEqual([
      expect.objectContaining({
        level: 'warn',
        uuid: 'q-2',
        reason: 'queue full: dropped as the oldest of 2 pending records',
        record: expectedBody('q-2'),
      }),
    ]);
    expect(await h.count('dropped')).toBe(1);
    await waitUntil(() => receiver.received.length === 1, 5000, 'the first request');
    receiver.answer([], 200);
    receiver.release();
    await waitUntil(async () => (await h.count('delivered')) === 3, 5000, 'the rest delivered');
    expect(receiver.uuids()).toEqual(['q-1', 'q-3', 'q-4']);
    expect(h.undelivered()).toHaveLength(1);
  });

  it('bounds the pending records by bytes too: big client metadata cannot add up to gigabytes', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '1', CALL_SUMMARY_MAX_QUEUE_BYTES: '65536' });
    // Each record carries ~30 KB of (bounded) client metadata: two fit in 64 KB, a third does not.
    const big = (uuid: string) => ({ ...call(uuid), metadata: { blob: Array.from({ length: 30 }, () => 'x'.repeat(1000)) } });
    for (const uuid of ['b-1', 'b-2', 'b-3', 'b-4']) h.service.submit(big(uuid));
    expect(h.undelivered().map((l) => l.uuid)).toEqual(['b-2']);
    expect(String(h.undelivered()[0].reason)).toMatch(/over 65536 bytes/);
    expect(await h.count('dropped')).toBe(1);
    receiver.answer([], 200);
    receiver.release();
    await waitUntil(async () => (await h.count('delivered')) === 3, 5000, 'the rest delivered');
    expect(receiver.uuids()).toEqual(['b-1', 'b-3', 'b-4']);
  });

  it('has at most the configured number of deliveries under way, using all of them', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '2' });
    for (let i = 1; i <= 5; i++) h.service.submit(call(`c-${i}`));
    for (let answered = 0; answered < 5; answered++) {
      await waitUntil(() => receiver.received.length >= Math.min(5, answered + 2), 5000, 'the next request');
      receiver.release(200, 1);
    }
    await waitUntil(async () => (await h.count('delivered')) === 5, 5000, 'all delivered');
    expect(receiver.maxOpen).toBe(2);
    expect(receiver.uuids()).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
  });

  it('flush delivers pending records and retries without their back-off before resolving', async () => {
    receiver.answer([503, 503]);
    // A back-off of a minute: only the flush cutting it lets the retries happen in time.
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '1' }, { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000, maxTotalMs: 600_000 });
    h.service.submit(call('f-1'));
    h.service.submit(call('f-2'));
    await waitUntil(async () => (await h.count('retried')) === 1, 5000, 'the first retry to be scheduled');
    await expect(h.service.flush(5000)).resolves.toEqual({ delivered: 2, givenUp: 0 });
    expect(receiver.uuids()).toEqual(['f-1', 'f-1', 'f-1', 'f-2']);
    expect(await h.count('delivered')).toBe(2);

    h.service.submit(call('f-3'));
    await waitUntil(async () => (await h.count('delivered')) === 3, 5000, 'a record submitted after the flush');
  });

  it('flush gives up what is still pending at its deadline, logging each record, and later records still go', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '1' });
    h.service.submit(call('d-1'));
    h.service.submit(call('d-2'));
    await waitUntil(() => receiver.received.length === 1, 5000, 'the first request');
    await expect(h.service.flush(200)).resolves.toEqual({ delivered: 0, givenUp: 2 });
    expect(h.undelivered().map((l) => [l.uuid, l.reason])).toEqual([
      ['d-2', 'not delivered within the 200 ms flush'],
      ['d-1', 'not delivered within the 200 ms flush'],
    ]);
    expect(await h.count('failed')).toBe(2);
    await waitUntil(() => receiver.open === 0, 5000, 'the held request to be hung up');

    receiver.answer([], 200);
    h.service.submit(call('d-3'));
    await waitUntil(async () => (await h.count('delivered')) === 1, 5000, 'a record submitted after the flush');
    expect(receiver.uuids()).toEqual(['d-1', 'd-3']);
    expect(h.logs.raw()).not.toContain(SECRET);
  });

  it('on shutdown hangs up deliveries under way, logs them, and logs later records without sending them', async () => {
    receiver.answer([], 'hold');
    const h = await build({ CALL_SUMMARY_CONCURRENCY: '1' });
    h.service.submit(call('s-1'));
    h.service.submit(call('s-2'));
    await waitUntil(() => receiver.received.length === 1, 5000, 'the first request');
    await h.moduleRef.close();
    expect(h.undelivered().map((l) => [l.uuid, l.reason])).toEqual([
      ['s-2', 'the service shut down before delivery'],
      ['s-1', 'the service shut down before delivery'],
    ]);
    await waitUntil(() => receiver.open === 0, 5000, 'the held request to be hung up');

    h.service.submit(call('s-3'));
    expect(h.undelivered().map((l) => l.uuid)).toEqual(['s-2', 's-1', 's-3']);
    expect(receiver.received).toHaveLength(1);
  });
});
