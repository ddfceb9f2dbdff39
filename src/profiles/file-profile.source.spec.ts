import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';
import { makeProfilesDir, startProfiles, writeWithMtime, type ProfilesHarness } from './testing/profiles-test-kit.js';

const FIXED_MTIME = 1_700_000_000;
const SALES =
  'name: sales\nversion: "7"\nmatch: ["5001"]\nvoice: cedar\ngreeting: Welcome to sales\ninstructions: You sell. The caller is {{caller_number}}.\ntools: [avr_transfer]\n';
const SUPPORT = JSON.stringify({
  match: ['5002'],
  voice: 'ash',
  greeting: 'Support here',
  instructions: 'You help.',
  tools: ['avr_hangup'],
});
const DEFAULT = 'voice: sage\n';

const call = (metadata: Record<string, unknown>, uuid = 'call-1') => ({ uuid, transport: 'ws' as const, metadata });

describe('profile files (PROFILES_DIR)', () => {
  let dir: string;
  let h: ProfilesHarness | undefined;

  afterEach(async () => {
    await h?.moduleRef.close();
    h = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(files: Record<string, string>, env: Record<string, string> = {}) {
    dir = await makeProfilesDir(files);
    h = await startProfiles({ PROFILES_DIR: dir, ...env });
    return h;
  }

  it('gives two called numbers two agents, and every other number the default profile', async () => {
    const { service } = await start({ 'sales.yaml': SALES, 'support.json': SUPPORT, 'default.yml': DEFAULT });
    const [a, b, other] = await Promise.all([
      service.resolve(call({ to: '5001', from: '+33611' }, 'a')),
      service.resolve(call({ to: '5002' }, 'b')),
      service.resolve(call({ to: '9999' }, 'c')),
    ]);
    expect(a).toMatchObject({
      name: 'sales',
      version: '7',
      source: 'file',
      instructions: 'You sell. The caller is +33611.',
      tools: ['avr_transfer'],
    });
    expect(a.openai).toMatchObject({ voice: 'cedar', greeting: 'Welcome to sales' });
    expect(b).toMatchObject({ name: 'support', source: 'file', instructions: 'You help.', tools: ['avr_hangup'] });
    expect(b.openai.voice).toBe('ash');
    expect(other).toMatchObject({ name: 'default', source: 'file' });
    expect(other.openai.voice).toBe('sage');
    expect(other.instructions).toBeUndefined();
  });

  it('chooses by the first PROFILE_SELECT key the call has, by name or match list', async () => {
    const { service } = await start({ 'sales.yaml': SALES, 'support.json': SUPPORT }, { PROFILE_SELECT: 'profile,to' });
    await expect(service.resolve(call({ profile: 'support', to: '5001' }))).resolves.toMatchObject({ name: 'support' });
    await expect(service.resolve(call({ to: '5001' }))).resolves.toMatchObject({ name: 'sales' });
  });

  it('falls to the env defaults, without a warning, when nothing matches and there is no default', async () => {
    const harness = await start({ 'sales.yaml': SALES });
    const resolved = await harness.service.resolve(call({ to: '1234' }));
    expect(resolved).toMatchObject({ name: 'env', source: 'env' });
    expect(resolved.openai.voice).toBe('marin');
    expect(harness.warnings()).toEqual([]);
  });

  it('applies a changed file to the next call, without a restart', async () => {
    const { service } = await start({ 'sales.yaml': SALES });
    await writeWithMtime(join(dir, 'sales.yaml'), SALES, FIXED_MTIME);
    await expect(service.resolve(call({ to: '5001' }))).resolves.toMatchObject({ openai: { voice: 'cedar' } });
    await writeWithMtime(join(dir, 'sales.yaml'), SALES.replace('voice: cedar', 'voice: coral'), FIXED_MTIME + 5);
    await expect(service.resolve(call({ to: '5001' }))).resolves.toMatchObject({ openai: { voice: 'coral' } });
  });

  it('keeps the last good version of a file that turns invalid, with one warning naming file and field', async () => {
    const harness = await start({ 'sales.yaml': SALES });
    await harness.service.resolve(call({ to: '5001' }));
    await writeWithMtime(join(dir, 'sales.yaml'), SALES.replace('voice: cedar', 'voice: coral\nvad_silence_ms: 99999'), FIXED_MTIME + 9);
    const again = await harness.service.resolve(call({ to: '5001' }, 'call-2'));
    expect(again.openai.voice).toBe('cedar');
    await harness.service.resolve(call({ to: '5001' }, 'call-3'));
    expect(harness.warnings()).toEqual([
      expect.objectContaining({
        uuid: 'call-2',
        source: 'file',
        file: 'sales.yaml',
        reason: "field 'vad_silence_ms': 99999 is out of range (integer 0 to 10000, as OPENAI_VAD_SILENCE_MS)",
        msg: 'profile file is invalid, its last good version stays in use',
      }),
    ]);
  });

  it('does not use a new invalid file, and stops using a deleted one', async () => {
    const harness = await start({ 'sales.yaml': SALES, 'default.yaml': DEFAULT });
    await writeFile(join(dir, 'support.yaml'), 'match: ["5002"]\nvoice: [ash]\n');
    await expect(harness.service.resolve(call({ to: '5002' }))).resolves.toMatchObject({ name: 'default' });
    expect(harness.warnings()).toEqual([expect.objectContaining({ file: 'support.yaml', msg: 'profile file is invalid, it is not used' })]);
    await unlink(join(dir, 'sales.yaml'));
    await expect(harness.service.resolve(call({ to: '5001' }))).resolves.toMatchObject({ name: 'default' });
  });

  it('skips files that are not profiles: other extensions and dot entries', async () => {
    const { service } = await start({ 'README.md': '# notes', '.hidden.yaml': 'voice: [broken', 'default.yaml': DEFAULT });
    await expect(service.resolve(call({ to: '1' }))).resolves.toMatchObject({ name: 'default' });
  });

  describe('at start-up', () => {
    async function startUpProblems(files: Record<string, string>): Promise<string[]> {
      dir = await makeProfilesDir(files);
      const failure = await startProfiles({ PROFILES_DIR: dir }).then(
        () => new Error('started'),
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(ConfigError);
      return (failure as ConfigError).problems.map((p) => p.replace(dir, '<dir>'));
    }

    it('stops naming the file and the field', async () => {
      await expect(startUpProblems({ 'sales.yaml': SALES, 'support.yaml': 'voice: ash\nturn_detection: maybe\n' })).resolves.toEqual([
        'PROFILES_DIR=<dir>: support.yaml: field \'turn_detection\': "maybe" is not allowed (one of server_vad, semantic_vad, none, as OPENAI_TURN_DETECTION)',
      ]);
    });

    it('stops on a tool allow-list naming a tool that is not loaded', async () => {
      await expect(startUpProblems({ 'sales.yaml': 'tools: [avr_transfer, crm_lookup]\n' })).resolves.toEqual([
        'PROFILES_DIR=<dir>: sales.yaml: field \'tools\': there is no tool named "crm_lookup" (tools: avr_transfer, avr_hangup)',
      ]);
    });

    it('stops on a file that does not parse, naming it', async () => {
      const [problem] = await startUpProblems({ 'broken.yaml': 'voice: [ash\n', 'broken.json': '{"voice": ' });
      expect(problem).toMatch(/^PROFILES_DIR=<dir>: broken.json: not valid JSON/);
      const problems = await startUpProblems({ 'broken.yaml': 'voice: [ash\n' });
      expect(problems[0]).toMatch(/^PROFILES_DIR=<dir>: broken.yaml: not valid YAML: /);
    });

    it('stops when two files claim the same number', async () => {
      await expect(startUpProblems({ 'a.yaml': 'match: ["5001"]\n', 'b.yaml': 'match: ["5001"]\n' })).resolves.toEqual([
        "PROFILES_DIR=<dir>: b.yaml: '5001' is already chosen by a.yaml",
      ]);
    });

    it('stops when the folder does not exist', async () => {
      dir = await makeProfilesDir({});
      await expect(startProfiles({ PROFILES_DIR: join(dir, 'missing') })).rejects.toMatchObject({
        problems: [`PROFILES_DIR=${join(dir, 'missing')}: folder not found`],
      });
    });
  });
});
