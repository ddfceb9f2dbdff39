import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeRealtimeServer, FakeConnection } from './support/fake-realtime-server.js';
import { AvrWsClient } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { waitUntil } from './support/wait.js';
import { openWsCall } from './support/open-ws-call.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

interface AmiRequest {
  path: string;
  body: Record<string, unknown>;
}

/** Function calling end to end: the fake upstream calls tools, a real HTTP server stands in for AVR's AMI service. */
describe('tools over a WebSocket call', () => {
  let fake: FakeRealtimeServer;
  let app: TestApp;
  let ami: http.Server;
  let amiStatus = 200;
  const amiRequests: AmiRequest[] = [];
  const toolsDir = mkdtempSync(join(tmpdir(), 'avr-tools-'));

  beforeAll(async () => {
    writeFileSync(
      join(toolsDir, 'order_status.cjs'),
      `module.exports = {
        name: 'order_status',
        description: 'Looks up an order',
        input_schema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
        handler: async (uuid, args, context) => 'order ' + args.order + ' for call ' + uuid + ' from ' + context.metadata.from + ' ships today',
      };`,
    );
    writeFileSync(
      join(toolsDir, 'broken_lookup.mjs'),
      `export default { name: 'broken_lookup', description: 'Always fails', input_schema: { type: 'object', properties: {} },
        handler: () => { throw new Error('database unavailable'); } };`,
    );
    ami = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        amiRequests.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.statusCode = amiStatus;
        res.setHeader('Content-Type', 'application/json');
        const ok = req.url === '/hangup' ? 'Call hung up' : 'Transfer to 600 started';
        res.end(JSON.stringify({ message: amiStatus === 200 ? ok : 'channel not found' }));
      });
    });
    await new Promise<void>((r) => ami.listen(0, '127.0.0.1', r));
    fake = await upstream.start();
    app = await startTestApp({
      OPENAI_REALTIME_URL: fake.url,
      OPENAI_API_KEY: 'sk-tools',
      AMI_URL: `http://127.0.0.1:${(ami.address() as AddressInfo).port}`,
      TOOLS_DIR: toolsDir,
      CALL_CONTROL_WAIT_MS: '2000',
    });
  });

  afterAll(async () => {
    await app.close();
    await fake.close();
    await new Promise((r) => ami.close(r));
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
    const before = amiRequests.length;
    const { callId } = await upstream.toolCall('avr_transfer', { transfer_extension: '600' });
    const output = await outputFor(upstream, callId);
    expect(amiRequests[before]).toEqual({
      path: '/transfer',
      body: { uuid: 'tools-transfer', exten: '600', context: 'demo', priority: 1 },
    });
    expect(output.item.output).toBe('Transfer to 600 started');
    await new Promise((r) => setTimeout(r, 200));
    expect(upstream.count('response.create')).toBe(0);
    client.close();
    await client.closed;
    await waitUntil(() => app.logs.some((l) => l.uuid === 'tools-transfer' && String(l.msg).startsWith('call ended')));
    expect(app.logs.find((l) => l.uuid === 'tools-transfer' && String(l.msg).startsWith('call ended'))).toMatchObject({
      outcome: 'transferred',
    });
  });

  it("hangs up only after the agent's goodbye has played, and records the outcome", async () => {
    amiStatus = 200;
    const { client, upstream } = await call('tools-hangup');
    const before = amiRequests.length;
    await upstream.sendResponse({ audioMs: 800, transcript: 'Goodbye!' });
    await client.until(() => client.count('audio') >= 40, 5000, 'the goodbye audio');
    const goodbyeSentAt = Date.now();
    const { callId } = await upstream.toolCall('avr_hangup', {});
    const output = await outputFor(upstream, callId);
    const hangupAt = Date.now();
    expect(amiRequests[before]).toEqual({ path: '/hangup', body: { uuid: 'tools-hangup' } });
    // 800 ms of goodbye were handed to AVR core at once; it plays them in real time before the hangup.
    expect(hangupAt - goodbyeSentAt).toBeGreaterThanOrEqual(700);
    expect(output.item.output).toBe('Call hung up');
    expect(upstream.count('response.create')).toBe(0);
    client.close();
    await waitUntil(() => app.logs.some((l) => l.uuid === 'tools-hangup' && String(l.msg).startsWith('call ended')));
    expect(app.logs.find((l) => l.uuid === 'tools-hangup' && String(l.msg).startsWith('call ended'))).toMatchObject({
      outcome: 'hangup_tool',
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
  it('stops start-up with the file named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avr-bad-tools-'));
    writeFileSync(
      join(dir, 'no_handler.cjs'),
      `module.exports = { name: 'no_handler', description: 'x', input_schema: { type: 'object' } };`,
    );
    const res = spawnSync(process.execPath, ['dist/main.js'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', OPENAI_REALTIME_URL: 'simulator', TOOLS_DIR: dir },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(join(dir, 'no_handler.cjs'));
    expect(res.stderr).toMatch(/handler is not a function/);
  });
});
