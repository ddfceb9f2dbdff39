import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from './app.module.js';
import { CallRegistry } from './call/call-registry.js';
import { GuardsService } from './guards/index.js';
import { CallRecordsService } from './records/index.js';
import { configuredSecrets, loadConfig, type AppConfig, type Env } from './config/index.js';
import { createRootLogger, NestLoggerAdapter, safeUrl } from './logging/index.js';
import { ignoredSettings } from './live/live-config.js';

/** Even after a drain that used its whole grace, pending call records get this long. */
const RECORDS_FLUSH_MIN_MS = 5000;

/**
 * The HTTP server's timeouts, set on purpose. A call over `POST /speech-to-speech-stream` is one
 * request whose body lasts as long as the phone call, so there is no whole-request timeout
 * (Node's default of 300 s cut every long HTTP call); a client must still send its headers in
 * time (checked every 30 s by Node, so a slow-headers client is cut within 40 s) and a connection
 * with no bytes either way for a minute is dead (AVR core streams a caller frame every 20 ms).
 * WebSocket connections leave this server's timeouts at the upgrade (ws clears them).
 */
const HTTP_TIMEOUTS = { requestMs: 0, headersMs: 10_000, idleMs: 60_000, keepAliveMs: 5_000 } as const;

function setHttpTimeouts(server: Server): void {
  server.requestTimeout = HTTP_TIMEOUTS.requestMs;
  server.headersTimeout = HTTP_TIMEOUTS.headersMs;
  server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveMs;
  server.setTimeout(HTTP_TIMEOUTS.idleMs, (socket) => socket.destroy());
}

/** The TCP port a listening server is bound to (a pipe or a closed server has none). */
function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the HTTP server is not bound to a TCP port');
  return address.port;
}

export interface StartOptions {
  /** The environment to configure from (process.env in production; a plain object in tests). */
  env: Env;
  /** Where JSON log lines go (stdout by default). */
  logDestination?: DestinationStream;
}

export interface RunningApp {
  app: INestApplication;
  config: AppConfig;
  logger: Logger;
  /** Port actually bound (PORT=0 picks a free one). */
  port: number;
  close(): Promise<void>;
  /**
   * Graceful drain: readiness turns 503 and new calls are refused at once; live calls go on
   * until they end or SHUTDOWN_GRACE_MS passes (then they are told and closed); then the app closes.
   */
  drainAndClose(): Promise<{ terminated: number }>;
}

/** Builds, configures and starts listening: the one start path for main.ts and the e2e tests. */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const config = loadConfig(options.env);
  const logger = createRootLogger(config.server.logLevel, options.logDestination, configuredSecrets(config));
  const app = await NestFactory.create<INestApplication<Server>>(AppModule.forRoot(config, logger), {
    logger: new NestLoggerAdapter(logger),
    // The HTTP stream transport reads raw request bodies itself; no parser may buffer them.
    bodyParser: false,
  });
  setHttpTimeouts(app.getHttpServer());
  try {
    await app.listen(config.server.port, config.server.host);
  } catch (err) {
    // A refusal while the modules start (a bad tool or profile file) comes after others have started
    // (the simulator's server): close them, so an in-process caller is left with nothing running.
    await app.close().catch(() => undefined);
    throw err;
  }
  const port = boundPort(app.getHttpServer());
  const { openai } = config;
  const live = openai.interface === 'live';
  logger.info(
    { port, interface: openai.interface, upstream: safeUrl(live ? openai.liveUrl : openai.realtimeUrl), model: openai.model },
    'avr-sts-openai listening',
  );
  const ignored = ignoredSettings(openai.interface, options.env);
  if (ignored.length > 0)
    logger.warn(
      { ignored },
      `settings ignored on ${live ? 'GPT-Live' : 'Realtime'} (OPENAI_INTERFACE=${openai.interface}): ${ignored.join(', ')}`,
    );
  if (!live && options.env.OPENAI_TEMPERATURE !== undefined) {
    logger.warn('OPENAI_TEMPERATURE has no effect: the Realtime GA server refuses a session temperature, so it is not sent');
  }
  const drainAndClose = async () => {
    const registry = app.get(CallRegistry);
    logger.info({ activeCalls: registry.size, graceMs: config.server.shutdownGraceMs }, 'draining: refusing new calls');
    const started = Date.now();
    const result = await registry.drain(config.server.shutdownGraceMs, app.get(GuardsService).windDownMs);
    // Calls cut at the end of the grace have just been sent their close; let it reach them.
    if (result.terminated > 0) await new Promise((r) => setTimeout(r, 250));
    // Records of the calls that just ended are delivered (or logged whole) before the exit.
    const recordsGraceMs = Math.max(RECORDS_FLUSH_MIN_MS, config.server.shutdownGraceMs - (Date.now() - started));
    const flushed = await app.get(CallRecordsService).flush(recordsGraceMs);
    if (flushed.delivered + flushed.givenUp > 0) logger.info(flushed, 'call records flushed');
    logger.info({ terminated: result.terminated }, 'drained: closing');
    await close();
    return result;
  };
  const close = async () => {
    // Calls are ended before the server closes; a client that still holds a socket open after
    // that gets two seconds, then the socket is cut so shutdown cannot hang.
    const server = app.getHttpServer();
    const force = setTimeout(() => server.closeAllConnections(), 2000);
    try {
      await app.close();
    } finally {
      clearTimeout(force);
    }
  };
  return { app, config, logger, port, close, drainAndClose };
}
