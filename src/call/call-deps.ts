import type { Logger } from 'pino';
import type { AudioFactory } from '../audio/index.js';
import type { AppConfig } from '../config/index.js';
import type { GuardsService } from '../guards/index.js';
import type { InstructionsService } from '../instructions/instructions.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { CallProfiles } from '../profiles/call-profile.js';
import type { UpstreamSessionFactory } from '../realtime/upstream-session.js';
import type { CallRecordsService } from '../records/index.js';
import type { ToolRegistry, ToolRunner } from '../tools/index.js';
import type { CallRegistry, Transport } from './call-registry.js';

/** Who is calling, as the transport learnt it. */
export interface CallInfo {
  uuid: string;
  transport: Transport;
  /** Untrusted call metadata (WebSocket query parameters, extra init fields). */
  metadata: Record<string, unknown>;
}

/** The shared services every call is wired to (CallService hands them over). */
export interface CallDeps {
  config: AppConfig;
  logger: Logger;
  registry: CallRegistry;
  upstreams: UpstreamSessionFactory;
  instructions: InstructionsService;
  audio: AudioFactory;
  metrics: MetricsService;
  tools: ToolRegistry;
  toolRunner: ToolRunner;
  records: CallRecordsService;
  guards: GuardsService;
  /** Per-call agent profiles; unset (engine unit tests): every call on the env defaults. */
  profiles?: CallProfiles;
}
