import { readdir, readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, basename, join } from 'node:path';
import { JSON_SCHEMA, load } from 'js-yaml';
import type { AgentProfile } from './agent-profile.js';
import type { ProfileValidation } from './profile-schema.js';

/** Above this a "profile" is a mistake (the web service's default cap is the same). */
const MAX_FILE_BYTES = 262144;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ProfileFile {
  /** The file's name in the folder, e.g. `sales.yaml`: what every message names. */
  file: string;
  /** The profile's name: its `name` field, else the file name without extension. */
  name: string;
  profile: AgentProfile;
}

/** One file as last read: the stamp says whether it must be read again. */
export interface FileState {
  stamp: string;
  result: ProfileFile | { problems: string[] };
}

/** Folder entries that may be profiles; dot entries are skipped (Kubernetes ConfigMap `..data`). */
export async function listProfileFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => !n.startsWith('.') && EXTENSIONS.has(extname(n).toLowerCase())).sort();
}

/** mtime, size and inode: an unchanged stamp means the file need not be read again (stat follows symlinks). */
export function stampOf(st: Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Reads, parses and validates one file; never throws. */
export async function readProfileFile(
  dir: string,
  file: string,
  st: Stats,
  validate: (doc: unknown) => ProfileValidation,
): Promise<FileState> {
  const stamp = stampOf(st);
  const fail = (...problems: string[]): FileState => ({ stamp, result: { problems } });
  if (!st.isFile()) return fail('not a regular file');
  if (st.size > MAX_FILE_BYTES) return fail(`file of ${st.size} bytes is larger than the limit of ${MAX_FILE_BYTES} bytes`);
  let textContent: string;
  try {
    textContent = await readFile(join(dir, file), 'utf8');
  } catch (err) {
    return fail(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    // JSON_SCHEMA: no YAML dates or other types a profile has no use for.
    doc = extname(file).toLowerCase() === '.json' ? JSON.parse(textContent) : load(textContent, { schema: JSON_SCHEMA, filename: file });
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return fail(`not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${detail}`);
  }
  const checked = validate(doc);
  if (!checked.ok) return fail(...checked.problems);
  const name = checked.profile.name ?? basename(file, extname(file));
  return { stamp, result: { file, name, profile: checked.profile } };
}

export function isProfileFile(result: FileState['result']): result is ProfileFile {
  return !('problems' in result);
}

/** Two files claiming the same name or metadata value: the choice would depend on file order. */
export function clashes(files: readonly ProfileFile[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const f of files) {
    for (const key of new Set([f.name, ...(f.profile.match ?? [])])) {
      const other = owner.get(key);
      if (other && other !== f.file) problems.push(`${f.file}: '${key}' is already chosen by ${other}`);
      else owner.set(key, f.file);
    }
  }
  return problems;
}
