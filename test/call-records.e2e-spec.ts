import { RecordReceiver } from '../src/records/testing/record-receiver.js';
import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { AvrHttpCall } from './support/http-call.js';
import { ServiceProcess } from '../scripts/service-process.js';
import { startTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

type Json = Record<string, any>;

/** Call records over real sockets, delivered to a real local HTTP receiver. */
describe('call records', () => {
  let fake: FakeRealtimeServer;
  let receiver: RecordReceiver;
  let receiverUrl: string;

  beforeAll(async () => {
    fake = await upstream.start();
    receiver = new RecordReceiver();
    receiverUrl = await receiver.start();
  });
  afterEach(() => receiver.reset());
  afterAll(async () => {
    await fake.close();
    await receiver.stop();
  });

  const records = (): Json[] => receiver.received.map((r) => JSON.parse(r.body) as Json);

  describe('with one app', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({
        OPENAI_REALTIME_URL: fake.url,
        OPENAI_API_KEY: 'sk-records',
        CALL_SUMMARY_URL: receiverUrl,
        CALL_SUMMARY_AUTH_HEADER: 'Bearer receiver-secret',
        CALL_SUMMARY_RETRY_BASE_MS: '50',
        CALL_SUMMARY_TIMEOUT_MS: '300',
        CALL_SUMMARY_MAX_ATTEMPTS: '3',
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it('records a WebSocket call ended by the caller: transcripts in order, tool call, usage, caller info', async () => {
      const client = await AvrWsClient.connect(`${app.wsUrl}/?from=2000&to=5001&channel=PJSIP%2F2000-00000013`);
      client.init('record-ws', { provider_config: { lang: 'en' } });
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');
      client.sendAudio(sineFrame());
      upstream.speechStarted();
      upstream.speechStopped();
      upstream.userTranscript('Where is my order?');
      await upstream.sendResponse({ audioMs: 200, transcript: 'Let me check that for you.' });
      const { callId } = await upstream.toolCall('avr_no_such_tool', { order: 'A-17' });
      await upstream.waitFor('conversation.item.create', (e) => e.item?.call_id === callId);
      await upstream.sendResponse({ audioMs: 200, transcript: 'Sorry, I could not look it up.' });
      await client.until(() => client.count('transcript') === 3);
      client.close();
      await waitUntil(() => receiver.received.length === 1, 5000, 'the call record');

      const [sent] = receiver.received;
      expect(sent.headers['x-avr-uuid']).toBe('record-ws');
      expect(sent.headers['content-type']).toBe('application/json');
      expect(sent.headers.authorization).toBe('Bearer receiver-secret');
      const record = records()[0];
      expect(record).toMatchObject({
        sessionUuid: 'record-ws',
        transport: 'ws',
        callerInfo: { phoneNumber: '2000', extension: '5001', channel: 'PJSIP/2000-00000013' },
        metadata: { from: '2000', to: '5001', provider_config: { lang: 'en' } },
        outcome: 'caller_hung_up',
        model: 'gpt-realtime-2.1',
        instructionsSource: 'default',
        reconnects: 0,
      });
      expect(record.callMetadata.durationSeconds).toBeGreaterThan(0);
      expect(Date.parse(record.callMetadata.endTime)).toBeGreaterThanOrEqual(Date.parse(record.callMetadata.startTime));
      expect(record.transcripts.map((t: Json) => [t.role, t.text])).toEqual([
        ['user', 'Where is my order?'],
        ['agent', 'Let me check that for you.'],
        ['agent', 'Sorry, I could not look it up.'],
      ]);
      for (const t of record.transcripts) expect(Number.isNaN(Date.parse(t.timestamp))).toBe(false);
      expect(record.toolCalls).toHaveLength(1);
      expect(record.toolCalls[0]).toMatchObject({ name: 'avr_no_such_tool', ok: false, arguments: { order: 'A-17' } });
      expect(record.toolCalls[0].error).toMatch(/unknown tool/);
      expect(record.usage.responses).toBe(3);
      expect(record.usage.total_tokens).toBeGreaterThan(0);
      expect(record.latency.perTurnMs).toHaveLength(1);
      expect(app.rawLogs()).not.toContain('receiver-secret');
    });

    it('records an HTTP-transport call', async () => {
      const call = new AvrHttpCall(app.httpUrl, { 'X-UUID': 'record-http' });
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');
      await call.response;
      call.end();
      await call.finished;
      await waitUntil(() => receiver.received.length === 1, 5000, 'the call record');
      expect(records()[0]).toMatchObject({ sessionUuid: 'record-http', transport: 'http', outcome: 'caller_hung_up' });
    });

    it('records an upstream failure with its reason', async () => {
      fake.setMode({ refuseStatus: 401 });
      try {
        const client = await AvrWsClient.connect(app.wsUrl);
        client.init('record-upstream-failed');
        await client.closed;
      } finally {
        fake.setMode('accept');
      }
      await waitUntil(() => receiver.received.length === 1, 5000, 'the call record');
      expect(records()[0]).toMatchObject({ sessionUuid: 'record-upstream-failed', outcome: 'upstream_failed' });
      expect(records()[0].reason).toMatch(/HTTP 401/);
    });

    it('delivers on the third try after two 503s', async () => {
      receiver.answer([503, 503], 200);
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('record-retried');
      await (await fake.waitForConnection(fake.connections.length)).waitFor('session.update');
      client.close();
      await waitUntil(() => receiver.received.length === 3, 5000, 'three delivery attempts');
      expect(receiver.uuids()).toEqual(['record-retried', 'record-retried', 'record-retried']);
      await new Promise((r) => setTimeout(r, 200));
      expect(receiver.received).toHaveLength(3);
      expect(app.logs.some((l) => l.callRecordUndelivered === true && l.uuid === 'record-retried')).toBe(false);
    });

    it('does not delay the close for a receiver that never answers, and logs the record whole after the last try', async () => {
      receiver.answer([], 'hold');
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('record-stuck');
      const upstream = await fake.waitForConnection(fake.connections.length);
      await upstream.waitFor('session.update');
      client.close();
      // The close handshake completes while the receiver still holds the first delivery attempt.
      const closed = await client.closed;
      expect(closed.code).toBe(1000);
      await waitUntil(() => receiver.open === 1, 2000, 'the held delivery');
      await waitUntil(
        () => app.logs.some((l) => l.callRecordUndelivered === true && l.uuid === 'record-stuck'),
        5000,
        'the undelivered record',
      );
      const line = app.logs.find((l) => l.callRecordUndelivered === true && l.uuid === 'record-stuck')!;
      expect(line.level).toBe('warn');
      expect((line.record as Json).sessionUuid).toBe('record-stuck');
      expect(receiver.received.length).toBe(3);
      receiver.release();
    });
  });

  it('posts to the legacy /api/agents/<id>/call-summary URL', async () => {
    const base = receiverUrl.replace(/\/api\/records.*$/, '');
    const app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-legacy',
      AGENT_API_BASE_URL: base,
      AGENT_ID: 'agent-42',
    });
    try {
      const client = await AvrWsClient.connect(app.wsUrl);
      client.init('record-legacy');
      await (await fake.waitForConnection(fake.connections.length)).waitFor('session.update');
      client.close();
      await waitUntil(() => receiver.received.length === 1, 5000, 'the call record');
      expect(receiver.received[0].path).toBe('/api/agents/agent-42/call-summary');
      expect(records()[0].sessionUuid).toBe('record-legacy');
    } finally {
      await app.close();
    }
  });

  it('delivers a pending record before the process exits on SIGTERM', async () => {
    receiver.answer([503], 200);
    const service = await ServiceProcess.start({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-sigterm',
      CALL_SUMMARY_URL: receiverUrl,
      CALL_SUMMARY_RETRY_BASE_MS: '3000',
      SHUTDOWN_GRACE_MS: '20000',
    });
    try {
      const client = await AvrWsClient.connect(service.wsUrl);
      client.init('record-sigterm');
      await (await fake.waitForConnection(fake.connections.length)).waitFor('session.update');
      client.close();
      await waitUntil(() => receiver.received.length === 1, 5000, 'the first (refused) attempt');
      // The retry would wait seconds; SIGTERM makes the flush deliver it promptly, then exit 0.
      service.child.kill('SIGTERM');
      const code = await service.exited;
      expect(code).toBe(0);
      expect(receiver.received.length).toBe(2);
      expect(records()[1].sessionUuid).toBe('record-sigterm');
    } finally {
      service.kill();
    }
  });
});
