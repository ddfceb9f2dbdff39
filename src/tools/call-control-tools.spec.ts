import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../config/index.js';
import { closedPort, startFakeAmi, startTools, type AmiAnswer, type ToolsHarness } from './testing/tools-test-kit.js';

const UUID = '0d9f7c1e-5b2a-4e8f-9c31-7a6b5d4e3f21';
const NO_TOOLS_DIR = join(tmpdir(), `no-avr-tools-${randomUUID()}`);

describe('avr_transfer and avr_hangup against the AMI service', () => {
  let answer: (path: string) => AmiAnswer;
  let ami: Awaited<ReturnType<typeof startFakeAmi>>;
  const open: ToolsHarness[] = [];

  beforeAll(async () => {
    ami = await startFakeAmi((path) => answer(path));
  });
  beforeEach(() => {
    ami.requests.length = 0;
    ami.abandoned.length = 0;
    answer = () => ({ status: 200, body: JSON.stringify({ message: 'Call transferred' }) });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.moduleRef.close()));
  });
  afterAll(async () => {
    await ami.close();
  });

  async function tools(env: Env = {}): Promise<ToolsHarness> {
    const harness = await startTools({ AMI_URL: ami.url, TOOLS_DIR: NO_TOOLS_DIR, ...env });
    open.push(harness);
    return harness;
  }

  function call(harness: ToolsHarness, name: string, args: object) {
    return harness.runner.run({ uuid: UUID, name, rawArguments: JSON.stringify(args), metadata: {}, logger: harness.logs.logger });
  }

  it('offers both to the model in the GA function shape', async () => {
    const { registry } = await tools();
    const offered = registry.definitions();
    expect(offered.map((t) => t.name)).toEqual(['avr_transfer', 'avr_hangup']);
    expect(offered[0]).toMatchObject({
      type: 'function',
      parameters: { type: 'object', required: ['transfer_extension'] },
    });
    expect(offered.every((t) => typeof t.description === 'string' && t.description.length > 0)).toBe(true);
  });

  it('transfer posts {uuid, exten, context "demo", priority 1} and tells the model the reply message', async () => {
    const harness = await tools();
    const result = await call(harness, 'avr_transfer', { transfer_extension: '600' });

    expect(ami.requests).toEqual([
      {
        method: 'POST',
        path: '/transfer',
        contentType: 'application/json',
        body: { uuid: UUID, exten: '600', context: 'demo', priority: 1 },
        at: expect.any(Number),
      },
    ]);
    expect(result).toMatchObject({ name: 'avr_transfer', ok: true, output: 'Call transferred', control: 'transfer' });
    expect(result.arguments).toEqual({ transfer_extension: '600' });
  });

  it('transfer passes the context and priority the model chose, and a numeric extension as text', async () => {
    const harness = await tools();
    await call(harness, 'avr_transfer', { transfer_extension: 205, transfer_context: 'sales', transfer_priority: '2' });
    expect(ami.requests.map((r) => r.body)).toEqual([{ uuid: UUID, exten: '205', context: 'sales', priority: '2' }]);
  });

  it('transfer without an extension fails without calling the AMI service', async () => {
    const harness = await tools();
    const result = await call(harness, 'avr_transfer', { transfer_context: 'sales' });
    expect(ami.requests).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.control).toBeUndefined();
    expect(result.output).toBe(
      'Error: the tool avr_transfer failed: transfer_extension is required: the extension to transfer the call to',
    );
  });

  it('hangup posts {uuid} and asks the call to end', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ message: 'Call hung up' }) });
    const harness = await tools();
    const result = await call(harness, 'avr_hangup', {});
    expect(ami.requests).toEqual([
      { method: 'POST', path: '/hangup', contentType: 'application/json', body: { uuid: UUID }, at: expect.any(Number) },
    ]);
    expect(result).toMatchObject({ ok: true, output: 'Call hung up', control: 'hangup' });
  });

  it('a successful reply without a message still succeeds, with a plain sentence for the model', async () => {
    answer = () => ({ status: 200, body: 'OK' });
    const harness = await tools();
    expect(await call(harness, 'avr_hangup', {})).toMatchObject({ ok: true, output: 'The call is being ended.', control: 'hangup' });
    expect(await call(harness, 'avr_transfer', { transfer_extension: '600' })).toMatchObject({
      ok: true,
      output: 'The call is being transferred to extension 600.',
      control: 'transfer',
    });
  });

  it('an AMI error answer is a tool error carrying the status and the reply message', async () => {
    answer = () => ({ status: 500, body: JSON.stringify({ message: 'Channel not found' }) });
    const harness = await tools();
    const result = await call(harness, 'avr_transfer', { transfer_extension: '600' });
    expect(result).toMatchObject({
      ok: false,
      output: 'Error: the tool avr_transfer failed: AMI answered HTTP 500: Channel not found',
      error: 'AMI answered HTTP 500: Channel not found',
    });
    expect(result.control).toBeUndefined();
  });

  it('an unreachable AMI service is a tool error', async () => {
    const harness = await tools({ AMI_URL: `http://127.0.0.1:${await closedPort()}` });
    const result = await call(harness, 'avr_hangup', {});
    expect(result.ok).toBe(false);
    expect(result.control).toBeUndefined();
    expect(result.output).toBe('Error: the tool avr_hangup failed: the AMI service is unreachable (connection refused)');
  });

  it('an AMI service that does not answer within AMI_TIMEOUT_MS is a tool error', async () => {
    answer = () => 'never';
    const harness = await tools({ AMI_TIMEOUT_MS: '150' });
    const result = await call(harness, 'avr_hangup', {});
    expect(result.ok).toBe(false);
    expect(result.output).toBe('Error: the tool avr_hangup failed: the AMI service did not answer within 150 ms');
    await ami.someRequestAbandoned();
    expect(ami.abandoned).toEqual(['/hangup']);
  });

  it('when the tool as a whole runs out of time (TOOL_TIMEOUT_MS), the AMI request is abandoned too', async () => {
    answer = () => 'never';
    const harness = await tools({ TOOL_TIMEOUT_MS: '150', AMI_TIMEOUT_MS: '60000' });
    const result = await call(harness, 'avr_transfer', { transfer_extension: '600' });
    expect(result.output).toBe('Error: the tool avr_transfer failed: no answer within 150 ms');
    // Would hang (and the test time out) if the request were left open for the 60 s AMI timeout.
    await ami.someRequestAbandoned();
    expect(ami.abandoned).toEqual(['/transfer']);
  });
});
