import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type Env } from '../config/index.js';
import { makeToolsDir, removeDir, startTools, type ToolsHarness } from './testing/tools-test-kit.js';

/** AVR's own convention: CommonJS, two-argument handler. */
const WEATHER_JS = `
module.exports = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  handler: async (uuid, { city }) => 'Sunny in ' + city,
};`;
const CLOCK_CJS = `
const zone = require('node:path').basename('/Europe/Rome');
module.exports = {
  name: 'get_time',
  description: 'Time in ' + zone,
  input_schema: { type: 'object', properties: {} },
  handler(uuid) { return { zone, uuid }; },
};`;
const LOOKUP_MJS = `
export default {
  name: 'lookup_order',
  description: 'Order status',
  input_schema: { type: 'object', properties: { order: { type: 'string' } } },
  handler: async (uuid, args) => 'Order ' + args.order + ' shipped',
};`;
const NAMED_EXPORTS_MJS = `
export const name = 'open_ticket';
export const description = 'Opens a ticket';
export const input_schema = { type: 'object', properties: {} };
export function handler() { return 'ticket 7'; }`;

const tool = (name: string, extra = '') =>
  `module.exports = { name: '${name}', description: 'd', input_schema: { type: 'object', properties: {} }, handler: () => 'x'${extra} };`;

describe('ToolRegistry', () => {
  const dirs: string[] = [];
  const open: ToolsHarness[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.moduleRef.close()));
    await Promise.all(dirs.splice(0).map(removeDir));
  });

  async function toolsDir(files: Record<string, string>): Promise<string> {
    const dir = await makeToolsDir(files);
    dirs.push(dir);
    return dir;
  }

  async function tools(env: Env): Promise<ToolsHarness> {
    const harness = await startTools(env);
    open.push(harness);
    return harness;
  }

  /** The problems start-up reports, or a failure if it starts. */
  async function startUpProblems(env: Env): Promise<string[]> {
    const err = await startTools(env).then(
      (h) => {
        open.push(h);
        throw new Error('start-up succeeded');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }

  it('offers the built-ins and every .js (CommonJS), .cjs and .mjs module of TOOLS_DIR, in the GA function shape', async () => {
    const dir = await toolsDir({
      'weather.js': WEATHER_JS,
      'clock.cjs': CLOCK_CJS,
      'lookup.mjs': LOOKUP_MJS,
      'ticket.mjs': NAMED_EXPORTS_MJS,
      'notes.txt': 'not a tool',
      '.hidden.js': 'throw new Error("dot-files are skipped")',
    });
    const { registry } = await tools({ TOOLS_DIR: dir });

    expect(registry.names()).toEqual(['avr_transfer', 'avr_hangup', 'get_time', 'lookup_order', 'open_ticket', 'get_weather']);
    expect(registry.definitions()).toContainEqual({
      type: 'function',
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    expect(registry.definitions().find((t) => t.name === 'get_time')?.description).toBe('Time in Rome');
    expect(registry.get('open_ticket')?.origin).toBe(join(dir, 'ticket.mjs'));
  });

  it('loads a CommonJS .js file that sits under a package.json with "type": "module" (as in the image\'s /app/tools)', async () => {
    const dir = await toolsDir({
      'package.json': JSON.stringify({ type: 'module' }),
      'weather.js': `const os = require('node:os');\n${WEATHER_JS}`,
    });
    const { registry } = await tools({ TOOLS_DIR: dir });
    expect(registry.names()).toContain('get_weather');
  });

  it('still loads an ESM .js file under "type": "module"', async () => {
    const dir = await toolsDir({ 'package.json': JSON.stringify({ type: 'module' }), 'lookup.js': LOOKUP_MJS });
    const { registry } = await tools({ TOOLS_DIR: dir });
    expect(registry.names()).toContain('lookup_order');
  });

  it('loads the shipped example, tools.example/get_weather.js', async () => {
    const { registry } = await tools({ TOOLS_DIR: 'tools.example' });
    expect(registry.definitions()).toContainEqual(
      expect.objectContaining({ name: 'get_weather', parameters: expect.objectContaining({ required: ['city'] }) }),
    );
  });

  it('a missing TOOLS_DIR means no operator tools, said once at info', async () => {
    const dir = await toolsDir({});
    const missing = join(dir, 'nowhere');
    const { registry, logs } = await tools({ TOOLS_DIR: missing });
    expect(registry.names()).toEqual(['avr_transfer', 'avr_hangup']);
    expect(logs.lines().filter((l) => l.msg === 'no tools folder: no operator tools loaded')).toEqual([
      expect.objectContaining({ level: 'info', dir: missing }),
    ]);
  });

  it('a relative TOOLS_DIR is resolved against the working directory', async () => {
    const dir = await toolsDir({ 'weather.js': WEATHER_JS });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { registry } = await tools({ TOOLS_DIR: '.' });
      expect(registry.get('get_weather')?.origin).toBe(join(dir, 'weather.js'));
    } finally {
      process.chdir(cwd);
    }
  });

  describe('a malformed tool file stops start-up, naming the file', () => {
    it.each([
      ['no name', tool('', ''), 'name is missing'],
      [
        'a name OpenAI refuses',
        tool('get weather'),
        'name "get weather" is not a valid function name (letters, digits, _ and -, at most 64)',
      ],
      ['no input_schema', `module.exports = { name: 'a', description: 'd', handler: () => 'x' };`, 'input_schema is missing'],
      [
        'a non-object input_schema',
        `module.exports = { name: 'a', input_schema: 'object', handler: () => 'x' };`,
        'input_schema is not an object',
      ],
      ['an array input_schema', `module.exports = { name: 'a', input_schema: [], handler: () => 'x' };`, 'input_schema is not an object'],
      ['no handler', `module.exports = { name: 'a', input_schema: {} };`, 'handler is not a function'],
      [
        'a handler that is not a function',
        `module.exports = { name: 'a', input_schema: {}, handler: 'run' };`,
        'handler is not a function',
      ],
      [
        'a description that is not text',
        `module.exports = { name: 'a', description: 3, input_schema: {}, handler() {} };`,
        'description is not a string',
      ],
      ['a module that throws when loaded', `throw new Error('cannot reach the CRM');`, 'failed to load: cannot reach the CRM'],
      ['a syntax error', `module.exports = {`, expect.stringMatching(/^failed to load: /)],
      ['a missing dependency', `require('no-such-package-xyz');`, expect.stringMatching(/^failed to load: .*no-such-package-xyz/)],
      ['no export at all', `const x = 1;`, 'name is missing'],
    ])('%s', async (_case, source, problem) => {
      const dir = await toolsDir({ 'bad.js': source });
      const problems = await startUpProblems({ TOOLS_DIR: dir });
      const file = join(dir, 'bad.js');
      const reasons = problems.map((line) => {
        expect(line.startsWith(`${file}: `)).toBe(true);
        return line.slice(file.length + 2);
      });
      expect(reasons).toContainEqual(problem);
    });

    it('a .mjs module that throws when loaded', async () => {
      const dir = await toolsDir({ 'bad.mjs': `throw new Error('boom at load');` });
      expect(await startUpProblems({ TOOLS_DIR: dir })).toEqual([`${join(dir, 'bad.mjs')}: failed to load: boom at load`]);
    });

    it('two files with the same tool name', async () => {
      const dir = await toolsDir({ 'a.js': tool('lookup'), 'b.cjs': tool('lookup') });
      expect(await startUpProblems({ TOOLS_DIR: dir })).toEqual([
        `${join(dir, 'b.cjs')}: the tool name "lookup" is already used by ${join(dir, 'a.js')}`,
      ]);
    });

    it('a file reusing a built-in name', async () => {
      const dir = await toolsDir({ 'transfer.js': tool('avr_transfer') });
      expect(await startUpProblems({ TOOLS_DIR: dir })).toEqual([
        `${join(dir, 'transfer.js')}: the tool name "avr_transfer" is already used by a built-in tool`,
      ]);
    });

    it('every problem of every file is reported at once, one line each', async () => {
      const dir = await toolsDir({
        'good.js': WEATHER_JS,
        'one.js': `module.exports = { input_schema: 5 };`,
        'two.mjs': `export default { name: 'two', input_schema: {} };`,
      });
      expect(await startUpProblems({ TOOLS_DIR: dir })).toEqual([
        `${join(dir, 'one.js')}: name is missing`,
        `${join(dir, 'one.js')}: input_schema is not an object`,
        `${join(dir, 'one.js')}: handler is not a function`,
        `${join(dir, 'two.mjs')}: handler is not a function`,
      ]);
    });

    it('a TOOLS_DIR that is a file', async () => {
      const dir = await toolsDir({});
      const file = join(dir, 'tools.js');
      await writeFile(file, WEATHER_JS);
      expect(await startUpProblems({ TOOLS_DIR: file })).toEqual([`TOOLS_DIR ${file}: not a folder`]);
    });
  });

  describe('AVR_TOOLS', () => {
    it('offers only the tools it names, in its order', async () => {
      const dir = await toolsDir({ 'weather.js': WEATHER_JS, 'lookup.mjs': LOOKUP_MJS });
      const { registry } = await tools({ TOOLS_DIR: dir, AVR_TOOLS: 'get_weather, avr_hangup' });
      expect(registry.definitions().map((t) => t.name)).toEqual(['get_weather', 'avr_hangup']);
      expect(registry.get('avr_transfer')).toBeUndefined();
      expect(registry.get('lookup_order')).toBeUndefined();
    });

    it('a name that no tool has stops start-up, naming it', async () => {
      const dir = await toolsDir({ 'weather.js': WEATHER_JS });
      expect(await startUpProblems({ TOOLS_DIR: dir, AVR_TOOLS: 'avr_hangup,get_wether' })).toEqual([
        'AVR_TOOLS: there is no tool named "get_wether" (tools: avr_transfer, avr_hangup, get_weather)',
      ]);
    });
  });
});
