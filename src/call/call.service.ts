import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AudioFactory } from '../audio/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { InstructionsService } from '../instructions/instructions.service.js';
import { ROOT_LOGGER } from '../logging/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { metadataForRecords, ProfileService } from '../profiles/index.js';
import { ToolRegistry, ToolRunner } from '../tools/index.js';
import { CallRecordsService } from '../records/index.js';
import { emptyUsage } from '../records/call-record-input.js';
import { UPSTREAM_SESSION_FACTORY, type UpstreamSessionFactory } from '../realtime/upstream-session.js';
import { GuardsService } from '../guards/index.js';
import { CallRegistry, type Admission } from './call-registry.js';
import type { CallDeps, CallInfo } from './call-deps.js';
import { CallSession } from './call-session.js';
import type { CallSink } from './call-sink.js';

/** Where transports get calls from: admission, then a CallSession wired to the shared services. */
@Injectable()
export class CallService {
  private readonly deps: CallDeps;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    readonly registry: CallRegistry,
    @Inject(UPSTREAM_SESSION_FACTORY) upstreams: UpstreamSessionFactory,
    instructions: InstructionsService,
    audio: AudioFactory,
    metrics: MetricsService,
    tools: ToolRegistry,
    toolRunner: ToolRunner,
    private readonly records: CallRecordsService,
    guards: GuardsService,
    profiles: ProfileService,
  ) {
    this.deps = { config, logger, registry, upstreams, instructions, audio, metrics, tools, toolRunner, records, guards, profiles };
  }

  admit(): Admission {
    return this.registry.admit();
  }

  /** A call refused before it started (limit, draining) still gets its record. */
  recordRefusal(info: CallInfo, reason: string): void {
    const now = Date.now();
    const { openai } = this.deps.config;
    this.deps.metrics.calls.labels(info.transport, 'refused').inc();
    this.records.submit({
      uuid: info.uuid,
      transport: info.transport,
      metadata: metadataForRecords(info.metadata, this.deps.config.profiles.providerConfigFields),
      startedAt: now,
      endedAt: now,
      outcome: 'refused',
      reason,
      conversation: [],
      instructionsSource: '',
      model: openai.model,
      voice: openai.voice,
      reconnects: 0,
      latenciesMs: [],
      usage: emptyUsage(),
    });
  }

  /** Creates and starts a call; the session reports everything else through the sink. */
  open(info: CallInfo, sink: CallSink): CallSession {
    const session = new CallSession(info, sink, this.deps);
    void session.start().catch((err: unknown) => {
      session.log.error({ err }, 'call failed to start');
      session.end({ outcome: 'error', reason: 'internal error at call start', clientMessage: 'internal error' });
    });
    return session;
  }
}
