import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { importToolModule } from './import-tool-module.js';
import type { Tool, ToolHandler } from './tool.js';

const TOOL_FILE_EXTENSIONS: readonly string[] = ['.js', '.cjs', '.mjs'];

/** The names OpenAI accepts for a function; a bad one would make every call's session.update fail. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface ToolDirectory {
  /** False when the folder does not exist: no operator tools, not a problem. */
  found: boolean;
  /** Valid tools, in file name order. */
  tools: Tool[];
  /** One line per problem, each naming the file. */
  problems: string[];
}

/**
 * Loads every tool module directly in `dir` (absolute). Dot-files and sub-folders are skipped, so
 * helper modules can live in a sub-folder; symbolic links (as Kubernetes mounts files) are followed.
 */
export async function loadToolDirectory(dir: string): Promise<ToolDirectory> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { found: false, tools: [], problems: [] };
    const reason = code === 'ENOTDIR' ? 'not a folder' : `cannot be read (${code ?? (err as Error).message})`;
    return { found: true, tools: [], problems: [`TOOLS_DIR ${dir}: ${reason}`] };
  }
  const tools: Tool[] = [];
  const problems: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !TOOL_FILE_EXTENSIONS.includes(extname(name))) continue;
    const file = join(dir, name);
    if (!(await isFile(file))) continue;
    const loaded = await loadToolFile(file);
    if (Array.isArray(loaded)) problems.push(...loaded.map((problem) => `${file}: ${problem}`));
    else tools.push(loaded);
  }
  return { found: true, tools, problems };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false; // a dangling link is no tool
  }
}

/** The tool, or what is wrong with the file. */
async function loadToolFile(file: string): Promise<Tool | string[]> {
  let exported: unknown;
  try {
    exported = await importToolModule(file);
  } catch (err) {
    return [`failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`];
  }
  if (typeof exported !== 'object' || exported === null) return ['does not export a tool object'];
  const mod = exported as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof mod.name !== 'string' || !mod.name) problems.push('name is missing');
  else if (!TOOL_NAME.test(mod.name))
    problems.push(`name "${mod.name}" is not a valid function name (letters, digits, _ and -, at most 64)`);
  if (mod.description !== undefined && typeof mod.description !== 'string') problems.push('description is not a string');
  if (mod.input_schema === undefined) problems.push('input_schema is missing');
  else if (!isPlainObject(mod.input_schema)) problems.push('input_schema is not an object');
  if (typeof mod.handler !== 'function') problems.push('handler is not a function');
  if (problems.length > 0) return problems;
  return {
    name: mod.name as string,
    description: (mod.description as string | undefined) ?? '',
    inputSchema: mod.input_schema as Record<string, unknown>,
    origin: file,
    // Called as a method: a handler written against `this` (the module object) keeps working.
    handler: (uuid, args, context) => (mod.handler as ToolHandler).call(mod, uuid, args, context),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
