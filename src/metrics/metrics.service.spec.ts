import { MAX_LABEL_VALUES, MetricsService } from './metrics.service.js';

describe('MetricsService: labels fed from upstream text stay bounded', () => {
  it('avr_sts_upstream_errors_total and avr_sts_tool_calls_total take at most MAX_LABEL_VALUES values, then count as other', async () => {
    const metrics = new MetricsService();
    for (let i = 0; i < 23_000; i++) {
      metrics.upstreamErrors.labels(`code_${i}`).inc();
      metrics.toolCalls.labels(`tool_${i}`, 'error').inc();
    }
    const text = await metrics.registry.metrics();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
    expect(series('avr_sts_upstream_errors_total').length).toBeLessThanOrEqual(MAX_LABEL_VALUES + 1);
    expect(series('avr_sts_tool_calls_total').length).toBeLessThanOrEqual(MAX_LABEL_VALUES + 1);
    // Nothing is lost: every increment is counted, the ones past the bound under `other`.
    expect(text).toContain('avr_sts_upstream_errors_total{code="code_0"} 1');
    expect(text).toContain(`avr_sts_upstream_errors_total{code="other"} ${23_000 - MAX_LABEL_VALUES}`);
    expect(text).toContain(`avr_sts_tool_calls_total{tool="other",outcome="error"} ${23_000 - MAX_LABEL_VALUES}`);
  });
});
