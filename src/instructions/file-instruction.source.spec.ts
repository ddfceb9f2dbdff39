import { mkdir, mkdtemp, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createRootLogger } from '../logging/index.js';
import { FileInstructionSource } from './file-instruction.source.js';
import type { InstructionCall } from './instruction-source.js';

const UUID = 'c0ffee00-1111-4222-8333-944445555666';
/** A fixed mtime (seconds), so "same mtime" is exact rather than luck of the clock. */
const FIXED_MTIME = 1_700_000_000;

describe('FileInstructionSource', () => {
  let dir: string;
  let lines: Array<Record<string, unknown>>;
  let call: InstructionCall;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instructions-file-'));
    lines = [];
    const logger = createRootLogger('trace', { write: (line: string) => void lines.push(JSON.parse(line)) });
    call = { uuid: UUID, logger: logger.child({ uuid: UUID }) };
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sourceFor = (path: string, env: Record<string, string> = {}) =>
    new FileInstructionSource(loadConfig({ OPENAI_REALTIME_URL: 'simulator', OPENAI_FILE_INSTRUCTIONS: path, ...env }));
  const warnings = () => lines.filter((l) => l.level === 'warn');

  async function writeWithMtime(path: string, text: string, mtimeSeconds: number): Promise<void> {
    await writeFile(path, text);
    await utimes(path, mtimeSeconds, mtimeSeconds);
  }

  it('is configured only when a path is set', () => {
    expect(sourceFor(join(dir, 'x.txt')).isConfigured()).toBe(true);
    expect(new FileInstructionSource(loadConfig({ OPENAI_REALTIME_URL: 'simulator' })).isConfigured()).toBe(false);
  });

  it('picks up an edit on the next call, without a restart', async () => {
    const path = join(dir, 'instructions.txt');
    const source = sourceFor(path);
    await writeWithMtime(path, '  Be brief.\n', FIXED_MTIME);
    await expect(source.load(call)).resolves.toBe('Be brief.');

    await writeWithMtime(path, 'Be brief and polite.\n', FIXED_MTIME + 5);
    await expect(source.load(call)).resolves.toBe('Be brief and polite.');
    expect(warnings()).toEqual([]);
  });

  it('does not read the file again while its mtime and size are unchanged', async () => {
    const path = join(dir, 'instructions.txt');
    const source = sourceFor(path);
    await writeWithMtime(path, 'Version A', FIXED_MTIME);
    await expect(source.load(call)).resolves.toBe('Version A');

    // Same size, same mtime, same inode: only a re-read could reveal the new content, and none happens.
    await writeWithMtime(path, 'Version B', FIXED_MTIME);
    await expect(source.load(call)).resolves.toBe('Version A');

    // Once the mtime moves the same content is read.
    await utimes(path, FIXED_MTIME + 1, FIXED_MTIME + 1);
    await expect(source.load(call)).resolves.toBe('Version B');
  });

  it('follows a Kubernetes ConfigMap style symlink swap, even to a same-size same-mtime file', async () => {
    // ConfigMap volume layout: name -> ..data/name, ..data -> ..<timestamp>/, swapped atomically.
    await mkdir(join(dir, '..v1'));
    await mkdir(join(dir, '..v2'));
    await writeWithMtime(join(dir, '..v1', 'instructions.txt'), 'Version 1', FIXED_MTIME);
    await writeWithMtime(join(dir, '..v2', 'instructions.txt'), 'Version 2', FIXED_MTIME);
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'instructions.txt'), join(dir, 'instructions.txt'));
    const source = sourceFor(join(dir, 'instructions.txt'));
    await expect(source.load(call)).resolves.toBe('Version 1');

    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await expect(source.load(call)).resolves.toBe('Version 2');
  });

  it.each([
    ['missing', async (_path: string) => undefined, 'file not found'],
    ['empty', (path: string) => writeFile(path, '  \n\t\n'), 'file is empty'],
    ['a directory', (path: string) => mkdir(path), 'not a regular file'],
    [
      'over the size limit',
      (path: string) => writeFile(path, 'x'.repeat(2048)),
      'file of 2048 bytes is larger than the limit of 1024 bytes',
    ],
  ])('falls through with one warning when the file is %s', async (_case, prepare, reason) => {
    const path = join(dir, 'instructions.txt');
    await prepare(path);
    await expect(sourceFor(path, { INSTRUCTIONS_MAX_BYTES: '1024' }).load(call)).resolves.toBeNull();
    expect(warnings()).toEqual([expect.objectContaining({ uuid: UUID, source: 'file', reason, path })]);
  });

  it('falls through, rather than serving the old text, once the file is deleted', async () => {
    const path = join(dir, 'instructions.txt');
    const source = sourceFor(path);
    await writeFile(path, 'Soon gone');
    await expect(source.load(call)).resolves.toBe('Soon gone');
    await unlink(path);
    await expect(source.load(call)).resolves.toBeNull();
    expect(warnings()).toEqual([expect.objectContaining({ reason: 'file not found' })]);
  });
});
