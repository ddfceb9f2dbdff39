import { Writable } from 'node:stream';
import { startApp, type RunningApp } from '../../src/app.factory.js';
import type { Env } from '../../src/config/index.js';

export interface TestApp extends RunningApp {
  httpUrl: string;
  wsUrl: string;
  /** Every JSON log line the app wrote, parsed, in order. */
  logs: Array<Record<string, unknown>>;
  /** The raw log text, for "never appears" checks. */
  rawLogs(): string;
}

/** Boots the real application on an ephemeral loopback port with the given environment. */
export async function startTestApp(env: Env = {}): Promise<TestApp> {
  const logs: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      partial += chunk.toString('utf8');
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        raw.push(line);
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          logs.push({ unparsed: line });
        }
      }
      done();
    },
  });
  const running = await startApp({
    env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', OPENAI_REALTIME_URL: 'simulator', ...env },
    logDestination: destination,
  });
  return {
    ...running,
    httpUrl: `http://127.0.0.1:${running.port}`,
    wsUrl: `ws://127.0.0.1:${running.port}`,
    logs,
    rawLogs: () => raw.join('\n'),
  };
}
