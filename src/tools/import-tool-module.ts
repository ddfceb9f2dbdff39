import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/**
 * What a tool file exports: its default export (ESM `export default`, CommonJS `module.exports`)
 * when that looks like a tool, else the named exports (`export const name = ...`).
 */
export async function importToolModule(file: string): Promise<unknown> {
  return toolExports(await importModule(file));
}

async function importModule(file: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(file).href);
  } catch (err) {
    if (!file.endsWith('.js') || !isCommonJsInEsmScope(err)) throw err;
    // A CommonJS `.js` under a package.json with "type": "module" (our own image's /app/tools is
    // one) is read as ESM and fails on `module`/`require`. Operators' AVR tools are CommonJS, so
    // such a file is run again as the CommonJS it is.
    try {
      return await runAsCommonJs(file);
    } catch (cjsErr) {
      // ESM syntax after all (e.g. an ESM file that used `require`): the first error says more.
      throw isSyntaxError(cjsErr) ? err : cjsErr;
    }
  }
}

function isCommonJsInEsmScope(err: unknown): boolean {
  // By name, not instanceof: the error may come from another realm (a vm context).
  const { name, message } = (err ?? {}) as Error;
  return name === 'ReferenceError' && /\b(module|exports|require|__filename|__dirname) is not defined\b/.test(String(message));
}

function isSyntaxError(err: unknown): boolean {
  return ((err ?? {}) as Error).name === 'SyntaxError';
}

/** Node's CommonJS wrapper, with a require that resolves from the file's own folder. */
async function runAsCommonJs(file: string): Promise<unknown> {
  const source = (await readFile(file, 'utf8')).replace(/^#!.*/, '');
  const module = { exports: {} as unknown };
  const wrapper = vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

function toolExports(loaded: unknown): unknown {
  const defaultExport = (loaded as { default?: unknown } | null)?.default;
  const looksLikeTool =
    typeof defaultExport === 'object' && defaultExport !== null && ('handler' in defaultExport || 'name' in defaultExport);
  return looksLikeTool ? defaultExport : loaded;
}
