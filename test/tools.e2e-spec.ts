import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeRealtimeServer, FakeConnection } from './support/fake-realtime-server.js';
import { AvrWsClient } from './support/avr-client.js';
import { callEndedLog, startTestApp, type TestApp } from './support/app.js';
import { expectHangupAfterGoodbye } from './support/hangup-scenario.js';
import { orderStatusTool } from './support/tool-files.js';
import { openWsCall } from './support/open-ws-call.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';
import { startFakeAmi, type FakeAmi } from '../src/tools/testing/tools-test-kit.js';
import { ConfigError } from '../src/config/index.js';
import { freePort } from '../scripts/ports.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** Function calling end to end: the fake upstream calls tools, a real HTTP server stands in for AVR's AMI service. */
describe('tools over a WebSocket call', () => {
  let fake: FakeRealtimeServer;
  let app: TestApp;
  let ami: FakeAmi;
  let amiStatus = 200;
  const toolsDir = mkdtempSync(join(tmpdir(), 'avr-tools-'));

  beforeAll(async () => {
    writeFileSync(
      join(toolsDir, 'order_status.cjs'),
      orderStatusTool(
        "async (uuid, args, context) => 'order ' + args.order + ' for call ' + uuid + ' from ' + context.metadata.from + ' ships today'",
      ),
    );
    writeFileSync(
      join(toolsDir, 'broken_lookup.mjs'),
      `export default { name: 'broken_lookup', description: 'Always fails', input_schema: { type: 'object', properties: {} },
        handler: () => { throw new Error('database unavailable'); } };`,
    );
    ami = await startFakeAmi((path) => {
      const ok = path === '/hangup' ? 'Call hung up' : 'Transfer to 600 started';
      return { status: amiStatus, body: JSON.stringify({ message: amiStatus === 200 ? ok : 'channel not found' }) };
    });
    fake = await upstream.start();
    app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-tools',
      AMI_URL: ami.url,
      TOOLS_DIR: toolsDir,
      CALL_CONTROL_WAIT_MS: '2000',
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    await ami.close();
  });

  async function call(uuid: string): Promise<{ client: AvrWsClient; upstream: FakeConnection }> {
    const opened = await openWsCall(app, fake, uuid, '?from=2000&to=5001');
    return opened;
  }

  function outputFor(upstream: FakeConnection, callId: string): Promise<{ item: { output: string } }> {
    return upstream.waitFor('conversation.item.create', (e) => e.item?.type === 'function_call_output' && e.item.call_id === callId);
  }

  it('offers the built-in and the operator tools in session.update', async () => {
    const { client, upstream } = await call('tools-offered');
    const update = upstream.received.find((e) => e.type === 'session.update');
    const names = (update.session.tools as Array<{ name: string; type: string }>).map((t) => t.name).sort();
    expect(names).toEqual(['avr_hangup', 'avr_transfer', 'broken_lookup', 'order_status']);
    expect(update.session.tool_choice).toBe('auto');
    client.close();
  });

  it("runs an operator tool with the call's uuid, arguments and metadata, then lets the model speak", async () => {
    const { client, upstream } = await call('tools-order');
    const { callId } = await upstream.toolCall('order_status', { order: 'A-17' });
    const output = await outputFor(upstream, callId);
    expect(output.item.output).toBe('order A-17 for call tools-order from 2000 ships today');
    await upstream.waitFor('response.create');
    client.close();
  });

  it('transfers through the AMI service and does not ask the model to speak again', async () => {
    amiStatus = 200;
    const { client, upstream } = await call('tools-transfer');
    const before = ami.requests.length;
    const { callId } = await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    const output = await outputFor(upstream, callId);
    expect(ami.requests[before]).toEqual(
      expect.objectContaining({ path: '/transfer', body: { uuid: 'tools-transfer', exten: '600', context: 'demo', priority: 1 } }),
    );
    expect(output.item.output).toBe('Transfer to 600 started');
    await new Promise((r) => setTimeout(r, 200));
    expect(upstream.count('response.create')).toBe(0);
    client.close();
    await client.closed;
    expect(await callEndedLog(app, 'tools-transfer')).toMatchObject({ outcome: 'transferred' });
  });

  it("hangs up only after the agent's goodbye has played, and records the outcome", async () => {
    amiStatus = 200;
    const { client, upstream } = await call('tools-hangup');
    await expectHangupAfterGoodbye(app, ami, client, 'tools-hangup', {
      sayGoodbye: () => upstream.sendResponse({ audioMs: 800, transcript: 'Goodbye!' }),
      callHangup: async () => {
        const { callId } = await upstream.toolCall('avr_hangup', {});
        return (await outputFor(upstream, callId)).item.output;
      },
      responseRequests: () => upstream.count('response.create'),
    });
  });

  it('tells the model when the AMI service fails, so it can recover out loud', async () => {
    amiStatus = 500;
    const { client, upstream } = await call('tools-transfer-fails');
    const { callId } = await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    const output = await outputFor(upstream, callId);
    expect(output.item.output).toMatch(/^Error: the tool avr_transfer failed: AMI answered HTTP 500/);
    await upstream.waitFor('response.create');
    client.close();
  });

  it.each([
    ['an unknown tool', 'no_such_tool', {}, /there is no tool named "no_such_tool"/],
    ['a handler that throws', 'broken_lookup', {}, /broken_lookup failed: database unavailable/],
    ['arguments that are not JSON', 'order_status', '{"order": ', /not a valid JSON object/],
  ])('reports %s to the model and keeps the call going', async (_what, name, args, pattern) => {
    const { client, upstream } = await call(`tools-${name}`);
    const { callId } = await upstream.toolCall(name, args);
    const output = await outputFor(upstream, callId);
    expect(output.item.output).toMatch(pattern);
    await upstream.waitFor('response.create');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.close();
  });
});

describe('a broken tool file', () => {
  // In-process through startApp, the start path main.ts runs, so it tests these sources and needs no build:
  // main.ts prints each problem of a ConfigError as a "config error:" line and exits 1 (foundation.e2e-spec).
  it('stops start-up with the file named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avr-bad-tools-'));
    writeFileSync(
      join(dir, 'no_handler.cjs'),
      `module.exports = { name: 'no_handler', description: 'x', input_schema: { type: 'object' } };`,
    );
    const port = await freePort();
    const refusal = await startTestApp({ PORT: String(port), OPENAI_REALTIME_URL: 'simulator', TOOLS_DIR: dir }).then(
      async (started) => {
        await started.close();
        return new Error('the service started with a broken tool file');
      },
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).problems).toEqual([`${join(dir, 'no_handler.cjs')}: handler is not a function`]);
    // It never listened.
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow('fetch failed');
  });
});
