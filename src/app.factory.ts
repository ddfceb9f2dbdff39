import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from './app.module.js';
import { loadConfig, type AppConfig, type Env } from './config/index.js';
import { createRootLogger, NestLoggerAdapter } from './logging/index.js';

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
}

/** Builds, configures and starts listening: the one start path for main.ts and the e2e tests. */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const config = loadConfig(options.env);
  const logger = createRootLogger(config.server.logLevel, options.logDestination);
  const app = await NestFactory.create(AppModule.forRoot(config, logger), {
    logger: new NestLoggerAdapter(logger),
    // The HTTP stream transport reads raw request bodies itself; no parser may buffer them.
    bodyParser: false,
  });
  app.enableShutdownHooks();
  await app.listen(config.server.port, config.server.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  logger.info({ port, upstream: config.openai.realtimeUrl, model: config.openai.model }, 'avr-sts-openai listening');
  return { app, config, logger, port, close: () => app.close() };
}
