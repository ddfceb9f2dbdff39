/** Readings of the service's own /metrics (prom-client default metrics) over the window. */
export interface ServiceLoopStats {
  /** Event-loop delay beyond prom-client's 10 ms sampling interval, ms (NaN if unavailable). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Time in garbage collection during the window, ms, by kind (minor, major, incremental, weakcb). */
  gcMs: Record<string, number>;
}

/** prom-client's default monitorEventLoopDelay resolution. */
const PROM_LOOP_RESOLUTION_MS = 10;

async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('nodejs_eventloop_lag_') && !line.startsWith('nodejs_gc_duration_seconds_sum')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/**
 * The event-loop delay histogram behind prom-client's gauges is reset at each scrape, so a scrape
 * at the window's start and one at its end give the window's figures; GC time is a running sum.
 */
export class ServiceMetrics {
  private start: Map<string, number> | undefined;

  constructor(private readonly baseUrl: string) {}

  async markStart(): Promise<void> {
    this.start = await scrape(this.baseUrl).catch(() => new Map());
  }

  async markEnd(): Promise<ServiceLoopStats> {
    const end = await scrape(this.baseUrl).catch(() => new Map<string, number>());
    const beyond = (key: string) => {
      const v = end.get(key);
      return v === undefined ? NaN : Math.max(0, v * 1000 - PROM_LOOP_RESOLUTION_MS);
    };
    const gcMs: Record<string, number> = {};
    for (const [key, value] of end) {
      const kind = /^nodejs_gc_duration_seconds_sum\{kind="([^"]+)"\}$/.exec(key)?.[1];
      if (kind) gcMs[kind] = (value - (this.start?.get(key) ?? 0)) * 1000;
    }
    return { loopDelayP99Ms: beyond('nodejs_eventloop_lag_p99_seconds'), loopDelayMaxMs: beyond('nodejs_eventloop_lag_max_seconds'), gcMs };
  }
}
