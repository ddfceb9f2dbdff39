import { Inject, Injectable } from '@nestjs/common';
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { warnFallThrough, type InstructionCall, type InstructionSource } from './instruction-source.js';

interface CachedText {
  mtimeMs: number;
  size: number;
  ino: number;
  text: string;
}

/**
 * OPENAI_FILE_INSTRUCTIONS: a plain-text file. Each call stats it and re-reads only when its
 * mtime, size or inode changed, so an edit applies to the next call without a restart and an
 * unchanged file costs one stat. stat() follows symlinks, which is what makes a Kubernetes
 * ConfigMap update (an atomic symlink swap to a new file) visible.
 */
@Injectable()
export class FileInstructionSource implements InstructionSource {
  readonly name = 'file';
  private readonly path?: string;
  private cached?: CachedText;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.path = config.instructions.file?.trim() || undefined;
  }

  isConfigured(): boolean {
    return this.path !== undefined;
  }

  async load(call: InstructionCall): Promise<string | null> {
    const path = this.path;
    if (!path) return null;
    const fail = (reason: string): null => warnFallThrough(call, this.name, reason, { path });

    let st: Stats;
    try {
      st = await stat(path);
    } catch (err) {
      return fail(describeFsError(err));
    }
    if (!st.isFile()) return fail('not a regular file');
    // The same cap as the web service answer: a huge file is a mistake, not instructions.
    const maxBytes = this.config.instructions.maxBytes;
    if (st.size > maxBytes) return fail(`file of ${st.size} bytes is larger than the limit of ${maxBytes} bytes`);

    if (!this.isCurrent(st)) {
      let text: string;
      try {
        text = (await readFile(path, 'utf8')).trim();
      } catch (err) {
        return fail(describeFsError(err));
      }
      // Stamped with the stat taken before the read: if the file changed in between, the next
      // call sees a different stat and reads again, so a stale text never sticks.
      this.cached = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, text };
    }
    return this.cached?.text ? this.cached.text : fail('file is empty');
  }

  private isCurrent(st: Stats): boolean {
    const c = this.cached;
    return c !== undefined && c.mtimeMs === st.mtimeMs && c.size === st.size && c.ino === st.ino;
  }
}

function describeFsError(err: unknown): string {
  const { code, message } = (err ?? {}) as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'not a regular file';
    default:
      return `cannot read file: ${code ?? message ?? String(err)}`;
  }
}
