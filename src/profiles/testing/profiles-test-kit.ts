import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfigModule, loadConfig, type Env } from '../../config/index.js';
import { LoggingModule } from '../../logging/index.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { captureLogs, type CapturedLogs, type LogLine } from '../../tools/testing/tools-test-kit.js';
import { ProfileService } from '../profile.service.js';
import { ProfilesModule } from '../profiles.module.js';

export interface ProfilesHarness {
  service: ProfileService;
  metrics: MetricsService;
  logs: CapturedLogs;
  warnings(): LogLine[];
  moduleRef: TestingModule;
}

/** The real wiring, as the app imports it; init() runs the start-up checks (a ConfigError rejects). */
export async function startProfiles(env: Env): Promise<ProfilesHarness> {
  const logs = captureLogs();
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(loadConfig({ OPENAI_REALTIME_URL: 'simulator', ...env })),
      LoggingModule.forRoot(logs.logger),
      MetricsModule,
      ProfilesModule,
    ],
  }).compile();
  try {
    await moduleRef.init();
  } catch (err) {
    await moduleRef.close();
    throw err;
  }
  return {
    service: moduleRef.get(ProfileService),
    metrics: moduleRef.get(MetricsService),
    logs,
    warnings: () => logs.lines().filter((l) => l.level === 'warn'),
    moduleRef,
  };
}

/** A temporary PROFILES_DIR holding the given files (name -> text). */
export async function makeProfilesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'avr-profiles-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Writes with a given mtime (seconds), so "changed" does not depend on the clock's resolution. */
export async function writeWithMtime(path: string, text: string, mtimeSeconds: number): Promise<void> {
  await writeFile(path, text);
  await utimes(path, mtimeSeconds, mtimeSeconds);
}
