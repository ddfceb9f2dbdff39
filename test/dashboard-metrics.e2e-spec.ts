/**
 * Every metric the chart's Grafana dashboard, its PrometheusRule alerts and its KEDA trigger query
 * is one the service exposes: the names are read out of their PromQL and compared with the metric
 * families of a real app's GET /metrics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from './support/app.js';

const CHART = 'helm/avr-sts-openai';

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression (or Grafana's label_values(...) variable query) reads. */
function metricNames(expr: string): string[] {
  let e = expr;
  // Grafana's label_values(<series>, <label>): only the series names a metric.
  e = e.replace(/label_values\(([^,()]*(?:\{[^}]*\})?)\s*,\s*[a-zA-Z_]\w*\s*\)/g, '($1)');
  e = e.replace(/"(?:[^"\\]|\\.)*"/g, '""'); // string literals
  e = e.replace(/\{[^}]*\}/g, ' '); // label matchers
  e = e.replace(/\[[^\]]*\]/g, ' '); // range selectors
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of e.matchAll(/(\$?)\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    const [, dollar, name, call] = m;
    if (dollar || call || KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** Sample names the exposition declares: each `# TYPE` family, with a histogram's and summary's series. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** PromQL of the dashboard: every panel target and every query variable. */
function dashboardQueries(): string[] {
  const dash = JSON.parse(readFileSync(join(CHART, 'dashboards', 'avr-sts-openai.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ type: string; definition?: string }> };
  };
  return [
    ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dash.templating.list.filter((v) => v.type === 'query').map((v) => v.definition ?? ''),
  ];
}

/** PromQL of the alerts, from the template: Helm actions (selector, thresholds) dropped. */
function ruleQueries(): string[] {
  const text = readFileSync(join(CHART, 'templates', 'prometheusrule.yaml'), 'utf8');
  return [...text.matchAll(/^\s*expr: (.+)$/gm)].map((m) => m[1].replace(/\{\{.*?\}\}/g, ' 1 '));
}

/** The KEDA trigger's default query. */
function kedaQuery(): string[] {
  const text = readFileSync(join(CHART, 'templates', 'scaledobject.yaml'), 'utf8');
  return [...text.matchAll(/printf "(sum\(.+?\))"/g)].map((m) => m[1].replace('%s', ''));
}

describe('PromQL metric names', () => {
  it('are read from selectors, functions, aggregations and Grafana variables alike', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le) (rate(avr_sts_response_latency_seconds_bucket{namespace=~"$namespace"}[$__rate_interval])))',
      ),
    ).toEqual(['avr_sts_response_latency_seconds_bucket']);
    expect(metricNames('sum(rate(a_total{x="by (y)"}[5m])) / sum without (pod) (b) > 0.9 * 500 and on (pod) c offset 5m')).toEqual([
      'a_total',
      'b',
      'c',
    ]);
    expect(metricNames('label_values(avr_sts_active_calls{namespace=~"$namespace"}, service)')).toEqual(['avr_sts_active_calls']);
    expect(metricNames('label_values(avr_sts_active_calls, namespace)')).toEqual(['avr_sts_active_calls']);
  });
});

describe('the dashboard JSON', () => {
  const dash = JSON.parse(readFileSync(join(CHART, 'dashboards', 'avr-sts-openai.json'), 'utf8')) as {
    uid: string;
    panels: Array<{
      id: number;
      type: string;
      datasource?: { uid: string };
      gridPos: { x: number; y: number; w: number; h: number };
      targets?: unknown[];
    }>;
    templating: { list: Array<{ name: string }> };
  };

  it('has unique panel ids, panels inside the 24-column grid that do not overlap, and every query on the data source variable', () => {
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const cells = new Map<string, number>();
    const problems: string[] = [];
    for (const p of dash.panels) {
      const { x, y, w, h } = p.gridPos;
      if (x < 0 || x + w > 24) problems.push(`panel ${p.id} leaves the grid`);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const other = cells.get(`${i},${j}`);
          if (other !== undefined) problems.push(`panel ${p.id} overlaps panel ${other}`);
          cells.set(`${i},${j}`, p.id);
        }
      }
      if (p.type !== 'row' && (p.datasource?.uid !== '${datasource}' || !(p.targets ?? []).length))
        problems.push(`panel ${p.id} has no query on the data source variable`);
    }
    expect([...new Set(problems)]).toEqual([]);
    expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'service']);
  });
});

describe('the dashboard, the alerts and the KEDA query read metrics the service exposes', () => {
  let app: TestApp;
  let exposed: Set<string>;
  beforeAll(async () => {
    app = await startTestApp();
    const res = await fetch(`${app.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    exposed = exposedNames(await res.text());
  });
  afterAll(() => app.close());

  const missing = (queries: string[]) => [...new Set(queries.flatMap(metricNames))].filter((n) => !exposed.has(n)).sort();

  it('the exposition lists the service metrics (so an absent name means a wrong name)', () => {
    expect(exposed.has('avr_sts_active_calls')).toBe(true);
    expect(exposed.has('avr_sts_response_latency_seconds_bucket')).toBe(true);
    expect(missing(['rate(avr_sts_calls_total[5m]) + avr_sts_call_total'])).toEqual(['avr_sts_call_total']);
  });

  it('the dashboard: every panel and variable query', () => {
    const queries = dashboardQueries();
    const names = new Set(queries.flatMap(metricNames));
    // Every panel the operator asked for is there: calls, outcomes, latency, upstream, frames, tools, records, CPU, RSS.
    for (const n of [
      'avr_sts_active_calls',
      'avr_sts_calls_total',
      'avr_sts_response_latency_seconds_bucket',
      'avr_sts_upstream_errors_total',
      'avr_sts_upstream_switches_total',
      'avr_sts_audio_frames_total',
      'avr_sts_tool_calls_total',
      'avr_sts_call_records_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect([n, names.has(n)]).toEqual([n, true]);
    }
    expect(missing(queries)).toEqual([]);
  });

  it('the PrometheusRule alerts', () => {
    const queries = ruleQueries();
    expect(queries).toHaveLength(5);
    expect(missing(queries)).toEqual([]);
  });

  it("the KEDA trigger's default query", () => {
    const queries = kedaQuery();
    expect(queries.flatMap(metricNames)).toEqual(['avr_sts_active_calls']);
    expect(missing(queries)).toEqual([]);
  });
});
