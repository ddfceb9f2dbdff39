import { Inject, Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/index.js';
import { clashes, isProfileFile, listProfileFiles, readProfileFile, stampOf, type FileState, type ProfileFile } from './profile-files.js';
import { ProfileValidator } from './profile-validator.js';
import { warnFallThrough, type ProfileSource, type ProfileSourceCall, type SourcedProfile } from './profile-source.js';

/** Chosen when no file names or matches the call's metadata value. */
const DEFAULT_PROFILE = 'default';

/**
 * PROFILES_DIR: one profile per file (YAML or JSON), all checked at start-up (a bad file stops the
 * service, naming the file and the field). Each call stats the folder's files and re-reads only
 * those whose mtime, size or inode changed, so an edit applies to the next call; a file that turns
 * invalid keeps its last good version, with one warning per change.
 */
@Injectable()
export class FileProfileSource implements ProfileSource {
  readonly name = 'file';
  private readonly dir?: string;
  private files = new Map<string, FileState & { good?: ProfileFile }>();
  /** Calls arriving during a scan share it: one set of stats, one warning per change. */
  private scanning?: Promise<ProfileFile[] | string>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly validator: ProfileValidator,
  ) {
    this.dir = config.profiles.dir?.trim() || undefined;
  }

  isConfigured(): boolean {
    return this.dir !== undefined;
  }

  /** As of the last look at the folder: an edit since then shows in the next call's resolved profile. */
  mayChangeConnection(): boolean {
    return [...this.files.values()].some((s) => s.good?.profile.model !== undefined || s.good?.profile.interface !== undefined);
  }

  async prepare(): Promise<void> {
    if (!this.dir) return;
    const problems: string[] = [];
    const scanned = await this.scan((file, lines) => problems.push(...lines.map((l) => `${file}: ${l}`)));
    if (typeof scanned === 'string') problems.push(scanned);
    else problems.push(...clashes(scanned));
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `PROFILES_DIR=${this.dir}: ${p}`));
  }

  async load(call: ProfileSourceCall): Promise<SourcedProfile | null> {
    if (!this.dir) return null;
    this.scanning ??= this.scan((file, problems) => this.warnInvalid(call.logger, file, problems)).finally(
      () => (this.scanning = undefined),
    );
    const scanned = await this.scanning;
    if (typeof scanned === 'string') return warnFallThrough(call, this.name, scanned, { dir: this.dir });
    const chosen = this.choose(scanned, call.metadata);
    if (!chosen) {
      call.logger.debug({ source: this.name }, 'no profile file for the call and no default');
      return null;
    }
    return { profile: chosen.profile, name: chosen.name, ...(chosen.profile.version ? { version: chosen.profile.version } : {}) };
  }

  /** PROFILE_SELECT's first metadata key present gives the value; a file named or matching it wins, else `default`. */
  private choose(files: ProfileFile[], metadata: ProfileSourceCall['metadata']): ProfileFile | undefined {
    const key = this.config.profiles.select.find((k) => typeof metadata[k] === 'string' || typeof metadata[k] === 'number');
    const value = key === undefined ? undefined : String(metadata[key]);
    if (value !== undefined) {
      const hit = files.find((f) => f.name === value || f.profile.match?.includes(value));
      if (hit) return hit;
    }
    return files.find((f) => f.name === DEFAULT_PROFILE);
  }

  /** The folder's usable profiles, or why the folder cannot be read. */
  private async scan(onInvalid: (file: string, problems: string[]) => void): Promise<ProfileFile[] | string> {
    const dir = this.dir as string;
    let names: string[];
    try {
      names = await listProfileFiles(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? 'folder not found'
        : code === 'ENOTDIR'
          ? 'not a folder'
          : `cannot read the folder: ${code ?? String(err)}`;
    }
    const next = new Map<string, FileState & { good?: ProfileFile }>();
    for (const file of names) {
      let st;
      try {
        st = await stat(join(dir, file));
      } catch {
        continue; // removed between the listing and the stat, or a dangling link: not a profile now
      }
      const known = this.files.get(file);
      if (known && known.stamp === stampOf(st)) {
        next.set(file, known);
        continue;
      }
      const state = await readProfileFile(dir, file, st, (doc) => this.validator.validate(doc));
      if (isProfileFile(state.result)) next.set(file, { ...state, good: state.result });
      else {
        onInvalid(file, state.result.problems);
        // The last good version stays in use until the file is fixed.
        next.set(file, { ...state, good: known?.good });
      }
    }
    this.files = next;
    return [...next.values()].flatMap((s) => (s.good ? [s.good] : []));
  }

  private warnInvalid(logger: Logger, file: string, problems: string[]): void {
    const kept = this.files.get(file)?.good !== undefined;
    logger.warn(
      { source: this.name, file, reason: problems.join('; ') },
      kept ? 'profile file is invalid, its last good version stays in use' : 'profile file is invalid, it is not used',
    );
  }
}
