import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Distinct values a label fed from upstream or model text (error codes, tool names) may take in
 * one process: callers already map unknown values to `other`; this is the last fence, so no
 * upstream can grow the scrape without bound.
 */
export const MAX_LABEL_VALUES = 100;
const OTHER_LABEL = 'other';

/** Caps the distinct values of a counter's first label (positional `labels(...)` use); later new values count as `other`. */
function capFirstLabel<C extends Counter<string>>(counter: C, max = MAX_LABEL_VALUES): C {
  const seen = new Set<string>([OTHER_LABEL]);
  const labels = counter.labels.bind(counter) as unknown as (...values: string[]) => unknown;
  (counter as { labels: unknown }).labels = (...values: string[]) => {
    const first = String(values[0]);
    if (!seen.has(first)) {
      if (seen.size > max) values = [OTHER_LABEL, ...values.slice(1)];
      else seen.add(first);
    }
    return labels(...values);
  };
  return counter;
}

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
const CONNECT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * every app instance counts only its own calls.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly activeCalls = new Gauge({
    name: 'avr_sts_active_calls',
    help: 'Calls in progress',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly calls = new Counter({
    name: 'avr_sts_calls_total',
    help: 'Calls ended, by transport and outcome',
    labelNames: ['transport', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly upstreamConnect = new Histogram({
    name: 'avr_sts_upstream_connect_seconds',
    help: 'Time to open an upstream Realtime session (to its first event)',
    buckets: CONNECT_BUCKETS,
    registers: [this.registry],
  });
  readonly responseLatency = new Histogram({
    name: 'avr_sts_response_latency_seconds',
    help: "Caller's end of speech to the first agent audio frame sent",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly frames = new Counter({
    name: 'avr_sts_audio_frames_total',
    help: 'Audio messages from callers (in) and 20 ms agent frames to callers (out)',
    labelNames: ['direction', 'transport'] as const,
    registers: [this.registry],
  });
  readonly upstreamErrors = capFirstLabel(
    new Counter({
      name: 'avr_sts_upstream_errors_total',
      help: 'Upstream errors by code (error events, refusals, drops)',
      labelNames: ['code'] as const,
      registers: [this.registry],
    }),
  );
  readonly toolCalls = capFirstLabel(
    new Counter({
      name: 'avr_sts_tool_calls_total',
      help: 'Tool calls by tool and outcome',
      labelNames: ['tool', 'outcome'] as const,
      registers: [this.registry],
    }),
  );
  readonly instructionSources = new Counter({
    name: 'avr_sts_instructions_source_total',
    help: 'Calls by the instruction source used',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly upstreamSwitches = new Counter({
    name: 'avr_sts_upstream_switches_total',
    help: 'Upstream sessions replaced during a call, by cause',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly clientMessageErrors = new Counter({
    name: 'avr_sts_client_message_errors_total',
    help: 'Client messages the call survived but did not use, by kind (not sent back: AVR core ends a call on any error message)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly callerAudioDropped = new Counter({
    name: 'avr_sts_caller_audio_dropped_bytes_total',
    help: 'Caller audio dropped for arriving faster than real time plus a margin, in bytes',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: 'avr_sts_connections_closed_total',
    help: 'Connections refused or closed at the edge, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly callRecords = new Counter({
    name: 'avr_sts_call_records_total',
    help: 'Call records by delivery result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const transport of ['ws', 'http']) this.activeCalls.labels(transport).set(0);
  }
}
