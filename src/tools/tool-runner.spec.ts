import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../config/index.js';
import type { ToolCallRequest } from './tool-runner.js';
import { makeToolsDir, removeDir, startTools, type LogLine, type ToolsHarness } from './testing/tools-test-kit.js';

const UUID = '3c2b1a09-8f7e-4d6c-b5a4-392817065f4e';
const CARD = '4111-1111-1111-1111';

const TOOL_FILES: Record<string, string> = {
  // Answers with everything it was given, so the test sees exactly what a handler receives.
  'echo.cjs': `
module.exports = {
  name: 'echo_call',
  description: 'Echoes its call',
  input_schema: { type: 'object', properties: {} },
  handler: async (uuid, args, context) => ({ uuid, args, contextUuid: context.uuid, metadata: context.metadata }),
};`,
  // AVR's two-argument convention, answering text.
  'weather.js': `
module.exports = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  handler: async (uuid, { city }) => 'Sunny in ' + city,
};`,
  'throws.mjs': `
export default {
  name: 'throws_now', input_schema: {},
  handler() { throw new Error('CRM is down'); },
};`,
  'rejects.mjs': `
export default {
  name: 'rejects_later', input_schema: {},
  handler: async () => { await null; throw new Error('CRM said no'); },
};`,
  // Never answers; leaves a mark in the file named by the call metadata when told to stop.
  'hangs.cjs': `
const fs = require('node:fs');
module.exports = {
  name: 'never_answers', input_schema: {},
  handler: (uuid, args, { metadata, signal }) => {
    signal.addEventListener('abort', () => fs.writeFileSync(metadata.abortMark, 'aborted'));
    return new Promise(() => {});
  },
};`,
  'silent.mjs': `export default { name: 'says_nothing', input_schema: {}, handler() {} };`,
  // Answers (or fails) quoting what it was given: a handler that quotes a credential it knows.
  'quotes.mjs': `export default { name: 'quotes_back', input_schema: {}, handler: async (uuid, { text, fail }) => { if (fail) throw new Error('refused ' + text); return 'you said ' + text; } };`,
  // Holds each call 150 ms and records the most it saw running at once.
  'slow.mjs': `export default { name: 'slow_lookup', input_schema: {}, handler: async () => { globalThis.slowNow = (globalThis.slowNow ?? 0) + 1; globalThis.slowMost = Math.max(globalThis.slowMost ?? 0, globalThis.slowNow); await new Promise((r) => setTimeout(r, 150)); globalThis.slowNow--; return 'done'; } };`,
  'circular.mjs': `export default { name: 'circular', input_schema: {}, handler() { const o = {}; o.self = o; return o; } };`,
  'gives_function.mjs': `export default { name: 'gives_function', input_schema: {}, handler() { return function secretSource() { return 'sk-x'; }; } };`,
};

describe('ToolRunner', () => {
  let dir: string;
  const open: ToolsHarness[] = [];

  beforeAll(async () => {
    dir = await makeToolsDir(TOOL_FILES);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.moduleRef.close()));
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  async function tools(env: Env = {}, logLevel = 'trace'): Promise<ToolsHarness> {
    const harness = await startTools({ TOOLS_DIR: dir, TOOL_TIMEOUT_MS: '200', ...env }, logLevel);
    open.push(harness);
    return harness;
  }

  function run(harness: ToolsHarness, request: Partial<ToolCallRequest> & { name: string }) {
    return harness.runner.run({ uuid: UUID, rawArguments: '{}', metadata: {}, logger: harness.logs.logger, ...request });
  }

  const failures = (logs: LogLine[]) => logs.filter((l) => l.msg === 'tool call failed');

  it("calls an operator's handler with the call uuid, the parsed arguments and {uuid, metadata}; an object answer is sent as JSON", async () => {
    const harness = await tools();
    const result = await run(harness, {
      name: 'echo_call',
      rawArguments: '{"order":"A-17","qty":2}',
      metadata: { caller: '+39055123456', campaign: 'spring' },
    });
    expect(result).toMatchObject({ name: 'echo_call', ok: true, arguments: { order: 'A-17', qty: 2 } });
    expect(result.control).toBeUndefined();
    expect(JSON.parse(result.output)).toEqual({
      uuid: UUID,
      args: { order: 'A-17', qty: 2 },
      contextUuid: UUID,
      metadata: { caller: '+39055123456', campaign: 'spring' },
    });
  });

  it('runs a two-argument AVR handler answering text', async () => {
    const harness = await tools();
    expect(await run(harness, { name: 'get_weather', rawArguments: '{"city":"Rome"}' })).toMatchObject({
      ok: true,
      output: 'Sunny in Rome',
    });
  });

  it('blank arguments count as none', async () => {
    const harness = await tools();
    const result = await run(harness, { name: 'echo_call', rawArguments: '' });
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.output).args).toEqual({});
  });

  it('a handler answering nothing still gives the model a sentence', async () => {
    const harness = await tools();
    expect(await run(harness, { name: 'says_nothing' })).toMatchObject({ ok: true, output: 'The tool finished without a result.' });
  });

  it.each([
    ['not JSON', '{"city": "Rome"'],
    ['a JSON list', '["Rome"]'],
    ['a JSON string', '"Rome"'],
    [
      'nested 20,000 deep (would overflow the stack wherever it is written as JSON again)',
      `{"city":${'['.repeat(20000)}${']'.repeat(20000)}}`,
    ],
  ])('arguments that are %s: the model is asked to call again, the raw text is kept', async (_case, raw) => {
    const harness = await tools();
    const result = await run(harness, { name: 'get_weather', rawArguments: raw });
    expect(result).toMatchObject({
      ok: false,
      arguments: raw,
      error: 'arguments are not a JSON object',
      output:
        'Error: the arguments for get_weather were not a valid JSON object. Call get_weather again with a JSON object matching its parameters.',
    });
  });

  it('an unknown tool: the model is told which tools exist', async () => {
    const harness = await tools({ AVR_TOOLS: 'get_weather,avr_hangup' });
    for (const name of ['get_wether', 'echo_call' /* exists, but AVR_TOOLS leaves it out */]) {
      const result = await run(harness, { name, rawArguments: '{"city":"Rome"}' });
      expect(result).toMatchObject({
        ok: false,
        arguments: { city: 'Rome' },
        error: 'unknown tool',
        output: `Error: there is no tool named "${name}". The available tools are: get_weather, avr_hangup.`,
      });
    }
  });

  it.each([
    ['throws', 'throws_now', 'CRM is down'],
    ['rejects', 'rejects_later', 'CRM said no'],
  ])('a handler that %s: the model hears the error', async (_case, name, message) => {
    const harness = await tools();
    const result = await run(harness, { name });
    expect(result).toMatchObject({ ok: false, error: message, output: `Error: the tool ${name} failed: ${message}` });
  });

  it('an answer that cannot be written as JSON is a tool error, not a crash', async () => {
    const harness = await tools();
    const result = await run(harness, { name: 'circular' });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/^Error: the tool circular failed: its result cannot be written as JSON/);
  });

  it('a result JSON has no form for (a function) is a tool error, not its source text for the model', async () => {
    const harness = await tools();
    const result = await run(harness, { name: 'gives_function' });
    expect(result.ok).toBe(false);
    expect(result.output).toBe('Error: the tool gives_function failed: its result cannot be written as JSON (a function)');
  });

  it('a handler that overruns TOOL_TIMEOUT_MS: the model is told, and the handler is signalled to stop', async () => {
    const harness = await tools();
    const abortMark = join(dir, `aborted-${Date.now()}`);
    const result = await run(harness, { name: 'never_answers', metadata: { abortMark } });
    expect(result).toMatchObject({
      ok: false,
      error: 'no answer within 200 ms',
      output: 'Error: the tool never_answers failed: no answer within 200 ms',
    });
    expect(existsSync(abortMark)).toBe(true);
  });

  it('each failure is one warning with uuid, tool and reason, and argument values never reach info or warn', async () => {
    const harness = await tools({}, 'info');
    const args = JSON.stringify({ card: CARD });
    await run(harness, { name: 'throws_now', rawArguments: args });
    await run(harness, { name: 'no_such_tool', rawArguments: args });
    await run(harness, { name: 'get_weather', rawArguments: `{"card": "${CARD}"` });
    await run(harness, { name: 'echo_call', rawArguments: args, logger: harness.logs.logger.child({ uuid: UUID }) });

    const logs = harness.logs.lines();
    expect(failures(logs)).toEqual([
      expect.objectContaining({ level: 'warn', uuid: UUID, tool: 'throws_now', reason: 'CRM is down', argumentChars: args.length }),
      expect.objectContaining({ level: 'warn', uuid: UUID, tool: 'no_such_tool', reason: 'unknown tool' }),
      expect.objectContaining({ level: 'warn', uuid: UUID, tool: 'get_weather', reason: 'arguments are not a JSON object' }),
    ]);
    expect(logs.filter((l) => l.msg === 'tool call finished')).toEqual([
      expect.objectContaining({ level: 'info', uuid: UUID, tool: 'echo_call', argumentChars: args.length }),
    ]);
    // The echo tool's output holds the card number too: neither arguments nor output are logged.
    expect(harness.logs.raw()).not.toContain(CARD);
    // A call logger that already carries the uuid does not get it twice.
    expect(harness.logs.raw().match(/"uuid"/g)).toHaveLength(4);
  });

  it('at debug, the arguments and the output are logged for troubleshooting', async () => {
    const harness = await tools({}, 'debug');
    await run(harness, { name: 'get_weather', rawArguments: '{"city":"Rome"}' });
    expect(harness.logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'debug', tool: 'get_weather', arguments: '{"city":"Rome"}', output: 'Sunny in Rome' }),
    );
  });

  it('a configured secret quoted by a handler, in its answer or its error, is redacted before the model hears it', async () => {
    const secret = 'sk-proj-RUNNER-SECRET-0123456789';
    const harness = await tools({ OPENAI_API_KEY: secret });
    const answer = await run(harness, { name: 'quotes_back', rawArguments: JSON.stringify({ text: secret }) });
    expect(answer).toMatchObject({ ok: true, output: 'you said [redacted]' });
    const failed = await run(harness, { name: 'quotes_back', rawArguments: JSON.stringify({ text: secret, fail: true }) });
    expect(failed.ok).toBe(false);
    expect(`${failed.output} ${failed.error}`).not.toContain(secret);
    expect(failed.output).toContain('refused [redacted]');
  });

  it('at most TOOL_MAX_CONCURRENT_PER_CALL run at once per call: the rest are answered at once with an error, other calls are not held back', async () => {
    const harness = await tools({ TOOL_MAX_CONCURRENT_PER_CALL: '3', TOOL_TIMEOUT_MS: '5000' });
    (globalThis as { slowMost?: number }).slowMost = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => run(harness, { name: 'slow_lookup' })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(17);
    expect(refused[0].output).toMatch(/at most 3 tool calls can run at once/);
    expect(refused[0].durationMs).toBeLessThan(100);
    // Another call has its own allowance, and this call's comes back once its runs are over.
    const [other, again] = await Promise.all([
      run(harness, { name: 'slow_lookup', uuid: 'another-call' }),
      run(harness, { name: 'slow_lookup' }),
    ]);
    expect([other.ok, again.ok]).toEqual([true, true]);
    expect((globalThis as { slowMost?: number }).slowMost).toBeLessThanOrEqual(3);
  });
});
