import { existsSync } from 'node:fs';
import { ConfigError } from './config/index.js';
import { startApp, type RunningApp } from './app.factory.js';
import { installLastResortHandlers } from './logging/index.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let running: RunningApp;
  try {
    running = await startApp({ env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`config error: ${line}\n`);
      process.exit(1);
    }
    throw err;
  }
  installLastResortHandlers(running.logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutdown requested');
    running.drainAndClose().then(
      () => process.exit(0),
      (err: unknown) => {
        running.logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
