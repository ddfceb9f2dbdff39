import { startApp, type RunningApp } from '../../src/app.factory.js';
import type { Env } from '../../src/config/index.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { waitUntil } from './wait.js';

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
  const capture = new LogCapture();
  const running = await startApp({
    env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', OPENAI_REALTIME_URL: 'simulator', ...env },
    logDestination: capture,
  });
  return {
    ...running,
    httpUrl: `http://127.0.0.1:${running.port}`,
    wsUrl: `ws://127.0.0.1:${running.port}`,
    logs: capture.lines,
    rawLogs: () => capture.raw(),
  };
}

/** The `call ended` log line of one call, once the app has written it. */
export async function callEndedLog(app: TestApp, uuid: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const find = () => app.logs.find((l) => l.uuid === uuid && String(l.msg).startsWith('call ended'));
  await waitUntil(() => find() !== undefined, timeoutMs, `the "call ended" log line of ${uuid}`);
  return find()!;
}
