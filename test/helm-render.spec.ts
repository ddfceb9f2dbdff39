/**
 * helm/avr-sts-openai rendered by Helm itself (test/support/helm.ts): `helm lint --strict` and
 * `helm template` over the values files in the chart's ci/ folder, each rendered object validated
 * against the Kubernetes API schemas (kubernetes-models, with its KEDA and prometheus-operator
 * models, and their TypeScript declarations for unknown fields) and each values file against
 * values.schema.json. Without a helm binary these tests are skipped, and their title says why.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { dump, load, loadAll } from 'js-yaml';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { helm } from './support/helm.js';
import { typeProblems } from './support/kube-types.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};

const CHART = 'helm/avr-sts-openai';
const CI = join(CHART, 'ci');
const MATRIX: Array<[string, string | undefined]> = [
  ['defaults', undefined],
  ...readdirSync(CI)
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f): [string, string] => [f.replace(/-values\.yaml$/, ''), join(CI, f)]),
];

/** The Kubernetes API schema of each kind the chart renders. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const h = helm();
const describeHelm = h.ok ? describe : describe.skip;
const titled = (title: string) => (h.ok ? `${title} (helm ${h.version})` : `${title}: SKIPPED, ${h.reason}`);

const scratch = mkdtempSync(join(tmpdir(), 'avr-chart-values-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchFiles = 0;
function valuesFile(values: object): string {
  const file = join(scratch, `values-${scratchFiles++}.yaml`);
  writeFileSync(file, dump(values));
  return file;
}

function run(args: string[]) {
  if (!h.ok) throw new Error(h.reason);
  return h.run(args);
}

/** `helm template` with the given values files (each rendered once); throws with Helm's message when it fails. */
const rendered = new Map<string, Obj[]>();
function render(...files: string[]): Obj[] {
  const key = files.join('\0');
  if (!rendered.has(key)) {
    const r = run(['template', 'calls', CHART, '--namespace', 'voice', ...files.flatMap((f) => ['-f', f])]);
    if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
    rendered.set(
      key,
      (loadAll(r.stdout) as Array<Obj | null>).filter((d): d is Obj => d !== null),
    );
  }
  return structuredClone(rendered.get(key)!);
}

function failure(...files: string[]): string {
  const r = run(['template', 'calls', CHART, '--namespace', 'voice', ...files.flatMap((f) => ['-f', f])]);
  expect(r.status).not.toBe(0);
  return r.stderr;
}

const byKind = (docs: Obj[], kind: string) => docs.filter((d) => d.kind === kind);
const one = (docs: Obj[], kind: string): Obj => {
  const found = byKind(docs, kind);
  expect(found.map((d) => d.kind)).toEqual([kind]);
  return found[0];
};

/** Each rendered object against its Kubernetes API schema: the problems found, as text. */
function schemaProblems(docs: Obj[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const id = `${doc.kind}/${doc.metadata?.name}`;
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) {
      problems.push(`${id}: no schema known for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message}`);
    }
  }
  return problems;
}

describe('Helm chart: the ci/ values files against values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object;
  const defaults = load(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
  const merge = (base: any, over: any): any => {
    if (
      typeof base !== 'object' ||
      base === null ||
      Array.isArray(base) ||
      typeof over !== 'object' ||
      over === null ||
      Array.isArray(over)
    )
      return over;
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  };

  it('the matrix covers defaults, existing secret, KEDA, HPA, monitoring, dashboard, tools and instructions', () => {
    expect(MATRIX.map(([name]) => name).sort()).toEqual([
      'dashboard',
      'defaults',
      'existing-secret',
      'hpa',
      'keda',
      'monitoring',
      'tools-instructions',
    ]);
  });

  it.each(MATRIX.filter(([, f]) => f !== undefined))('%s passes the schema merged over values.yaml', (_name, file) => {
    const merged = merge(defaults, load(readFileSync(file!, 'utf8')));
    expect(validate(merged) ? [] : validate.errors).toEqual([]);
  });
});

describeHelm(titled('Helm chart: lint and render over the values matrix'), () => {
  it.each(MATRIX)('%s: helm lint --strict passes with no warning', (_name, file) => {
    const r = run(['lint', '--strict', CHART, ...(file ? ['-f', file] : [])]);
    const output = r.stdout + r.stderr;
    expect({ status: r.status, problems: output.split('\n').filter((l) => /\[(WARNING|ERROR)\]/.test(l)) }).toEqual({
      status: 0,
      problems: [],
    });
    expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(MATRIX)('%s: every rendered object passes its Kubernetes API schema', (_name, file) => {
    const docs = render(...(file ? [file] : []));
    expect(docs.length).toBeGreaterThanOrEqual(3);
    expect(schemaProblems(docs)).toEqual([]);
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).toContain('Service');
    // A release never carries two autoscalers.
    expect(byKind(docs, 'HorizontalPodAutoscaler').length + byKind(docs, 'ScaledObject').length).toBeLessThanOrEqual(1);
  });

  it('the schema check itself catches a broken object (so a pass means something)', () => {
    const deployment = one(render(), 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(schemaProblems([broken]).join('\n')).toMatch(/containerPort must be integer/);
    expect(schemaProblems([{ ...deployment, kind: 'Deploymnet' }])).toEqual([expect.stringContaining('no schema known')]);
  });

  it('no rendered object has a field its kind does not declare, nor a wrong type (TypeScript declarations of the same models)', () => {
    const docs = MATRIX.flatMap(([, file]) => render(...(file ? [file] : [])));
    // A planted unknown field in one more object proves the check reports what it should.
    const planted = structuredClone(one(render(), 'Deployment'));
    planted.metadata.name = 'planted';
    planted.spec.template.spec.containers[0].readinessProbes = {};
    expect(typeProblems([...docs, planted])).toEqual([
      `Deployment/planted: Object literal may only specify known properties, and '"readinessProbes"' does not exist in type 'IContainer'.`,
    ]);
  });

  it('defaults: a Deployment with replicaCount pods and no autoscaler, dashboard, rules or monitor', () => {
    const docs = render();
    expect(one(docs, 'Deployment').spec.replicas).toBe(2);
    expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
  });

  it('KEDA on: the ScaledObject scales the Deployment on the active-calls metric with the configured target', () => {
    const docs = render(join(CI, 'keda-values.yaml'));
    const deployment = one(docs, 'Deployment');
    const scaled = one(docs, 'ScaledObject');
    expect(byKind(docs, 'HorizontalPodAutoscaler')).toEqual([]);
    // KEDA's HPA owns the replica count; a replicas field would fight it on every upgrade.
    expect(deployment.spec.replicas).toBeUndefined();
    expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(scaled.spec).toMatchObject({ minReplicaCount: 3, maxReplicaCount: 40 });
    expect(scaled.spec.triggers).toEqual([
      {
        type: 'prometheus',
        name: 'active-calls',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prometheus.monitoring.svc:9090',
          query: `sum(avr_sts_active_calls{namespace="voice",service="${deployment.metadata.name}"})`,
          threshold: '80',
          unsafeSsl: 'false',
        },
        authenticationRef: { name: 'prometheus-auth' },
      },
    ]);
    // The series the query selects are the ones the chart's ServiceMonitor scrapes from the chart's Service.
    const service = one(docs, 'Service');
    expect(service.metadata.name).toBe(deployment.metadata.name);
    expect(one(docs, 'ServiceMonitor').spec.selector.matchLabels).toEqual(service.spec.selector);
    // Scale-down is slow and one pod at a time: every removed pod drains its calls.
    const down = scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
    expect(down.stabilizationWindowSeconds).toBeGreaterThanOrEqual(600);
    expect(down.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 120 }]);
  });

  it('KEDA on with a query of your own and no auth: the query is used as given', () => {
    const query = 'sum(avr_sts_active_calls{job="avr"})';
    const scaled = one(render(valuesFile({ keda: { enabled: true, prometheus: { query } } })), 'ScaledObject');
    expect(scaled.spec.triggers[0].metadata).toEqual({
      serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
      query,
      threshold: '100',
    });
    expect(scaled.spec.triggers[0].authenticationRef).toBeUndefined();
  });

  /** A values block of the chart README, found by the marker comment above it. */
  function readmeValues(marker: string): string {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const block = new RegExp(`<!-- ${marker}: [^>]*-->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
    if (!block) throw new Error(`no ${marker} block in the chart README`);
    return valuesFile(load(block) as object);
  }

  it("the README's KEDA example renders a ScaledObject with its target", () => {
    const docs = render(readmeValues('keda-values'));
    expect(schemaProblems(docs)).toEqual([]);
    expect(one(docs, 'ScaledObject').spec.triggers[0].metadata.threshold).toBe('100');
    expect(byKind(docs, 'ServiceMonitor')).toHaveLength(1);
  });

  it("the README's prometheus-adapter example: the chart's HPA on active calls per pod, no CPU metric", () => {
    const docs = render(readmeValues('prometheus-adapter-values'));
    expect(schemaProblems(docs)).toEqual([]);
    expect(one(docs, 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'avr_sts_active_calls_per_pod' }, target: { type: 'AverageValue', averageValue: '100' } } },
    ]);
    expect(failure(valuesFile({ autoscaling: { enabled: true, targetCPUUtilizationPercentage: 0 } }))).toContain(
      'autoscaling.enabled with no metric',
    );
  });

  it('HPA on: a CPU (and memory) HPA on the Deployment with a slow scale-down, no ScaledObject', () => {
    const docs = render(join(CI, 'hpa-values.yaml'));
    const hpa = one(docs, 'HorizontalPodAutoscaler');
    expect(byKind(docs, 'ScaledObject')).toEqual([]);
    expect(one(docs, 'Deployment').spec.replicas).toBeUndefined();
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 8,
      scaleTargetRef: { kind: 'Deployment', name: 'calls-avr-sts-openai' },
    });
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 70],
      ['memory', 80],
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(600);
    expect(one(docs, 'PodDisruptionBudget').spec.minAvailable).toBe('50%');
  });

  it('KEDA with the HPA together fails rendering with the chart message', () => {
    const both = valuesFile({ keda: { enabled: true }, autoscaling: { enabled: true } });
    expect(failure(both)).toContain(
      'autoscaling.enabled and keda.enabled are both true: KEDA makes its own HorizontalPodAutoscaler for the Deployment, and two autoscalers would fight over its replicas.',
    );
    // helm lint renders with `fail` made harmless (Helm's lint mode) and only logs the message, so the
    // refusal is proven by `helm template` above (and `helm install` fails the same way).
    const lint = run(['lint', '--strict', CHART, '-f', both]);
    expect(lint.stdout + lint.stderr).toContain('autoscaling.enabled and keda.enabled are both true');
  });

  it('a KEDA target above the per-pod call limit fails rendering with the chart message', () => {
    expect(failure(valuesFile({ keda: { enabled: true, targetCallsPerPod: 600 }, config: { maxConcurrentCalls: 500 } }))).toContain(
      'keda.targetCallsPerPod (600) is above config.maxConcurrentCalls (500): pods would refuse calls before KEDA adds any.',
    );
    expect(failure(valuesFile({ keda: { enabled: true, minReplicas: 5, maxReplicas: 4 } }))).toContain(
      'keda.minReplicas (5) is above keda.maxReplicas (4).',
    );
  });

  it('Helm applies values.schema.json: bad values stop the render and name the value', () => {
    expect(failure(valuesFile({ keda: { enabled: true, targetCallsPerPod: '100' } }))).toMatch(/keda\/targetCallsPerPod|targetCallsPerPod/);
    // A typed variable given again as a raw env entry would silently override the typed one.
    expect(failure(valuesFile({ extraEnv: [{ name: 'SHUTDOWN_GRACE_MS', value: '99999999' }] }))).toMatch(/extraEnv/);
  });

  it('monitoring: ServiceMonitor with the chart-made token, and the alerts scoped to this release', () => {
    const docs = render(join(CI, 'monitoring-values.yaml'));
    const monitor = one(docs, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints[0].authorization).toEqual({
      type: 'Bearer',
      credentials: { name: 'calls-avr-sts-openai', key: 'METRICS_AUTH_TOKEN' },
    });
    const rule = one(docs, 'PrometheusRule');
    expect(rule.metadata.labels?.release).toBe('kube-prometheus-stack');
    const rules = rule.spec.groups[0].rules as Array<{ alert: string; expr: string; for: string; labels: { severity: string } }>;
    // callRecordFailures is switched off in monitoring-values.yaml.
    expect(rules.map((r) => r.alert)).toEqual([
      'AvrStsUpstreamFailures',
      'AvrStsFailedCalls',
      'AvrStsResponseLatencyHigh',
      'AvrStsPodAtCallLimit',
    ]);
    for (const r of rules) expect(r.expr).toContain('namespace="voice",service="calls-avr-sts-openai"');
    expect(rules.find((r) => r.alert === 'AvrStsPodAtCallLimit')!.expr).toMatch(/>= 0\.9 \* 500$/);
    expect(rules.find((r) => r.alert === 'AvrStsFailedCalls')).toMatchObject({ for: '10m', labels: { severity: 'critical' } });
  });

  it('dashboard: a ConfigMap with the sidecar label and the dashboard JSON as shipped', () => {
    const docs = render(join(CI, 'dashboard-values.yaml'));
    const maps = byKind(docs, 'ConfigMap');
    expect(maps).toHaveLength(1);
    const [map] = maps;
    expect(map.metadata).toMatchObject({
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1' },
      annotations: { grafana_folder: 'AVR' },
    });
    const shipped = JSON.parse(readFileSync(join(CHART, 'dashboards', 'avr-sts-openai.json'), 'utf8'));
    expect(JSON.parse(map.data!['avr-sts-openai.json'])).toEqual(shipped);
    // The sidecar label is configurable.
    const custom = one(render(valuesFile({ grafanaDashboard: { enabled: true, labels: { grafana_dashboard: 'avr' } } })), 'ConfigMap');
    expect(custom.metadata.labels?.grafana_dashboard).toBe('avr');
    expect(custom.metadata.namespace).toBe('voice');
  });

  it('tools and instructions: mounted from the ConfigMap as files, the service told where', () => {
    const docs = render(join(CI, 'tools-instructions-values.yaml'));
    const map = one(docs, 'ConfigMap');
    expect(Object.keys(map.data!).sort()).toEqual(['instructions.txt', 'lookup.cjs', 'weather.mjs']);
    const pod = one(docs, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries(
      (container.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value ?? '(from secret)']),
    );
    expect(env).toMatchObject({
      OPENAI_FILE_INSTRUCTIONS: '/etc/avr-sts-openai/instructions/instructions.txt',
      TOOLS_DIR: '/app/tools',
      AVR_TOOLS: 'weather,lookup,avr_hangup',
      OPENAI_TEMPERATURE: '0.7',
      SESSION_ROTATE_AFTER_MS: '3300000',
      OPENAI_API_KEY: '(from secret)',
      AUTH_TOKEN: '(from secret)',
      NODE_OPTIONS: '--max-old-space-size=768',
    });
    const mounts = (container.volumeMounts as Array<{ mountPath: string; subPath?: string }>).map((m) => [m.mountPath, m.subPath ?? '']);
    expect(mounts).toEqual(
      expect.arrayContaining([
        ['/etc/avr-sts-openai/instructions', ''],
        ['/app/tools/lookup.cjs', 'lookup.cjs'],
        ['/app/tools/weather.mjs', 'weather.mjs'],
      ]),
    );
    expect(Object.keys(one(docs, 'Deployment').spec.template.metadata.annotations).sort()).toEqual(['checksum/config', 'checksum/secret']);
  });

  it('existing secret: no Secret of the chart, each variable read from the named Secret', () => {
    const docs = render(join(CI, 'existing-secret-values.yaml'));
    expect(byKind(docs, 'Secret')).toEqual([]);
    const env = one(docs, 'Deployment').spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: any }>;
    const fromSecret = env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(fromSecret).toEqual([
      ['OPENAI_API_KEY', 'avr-sts-openai-keys', 'OPENAI_API_KEY'],
      ['AUTH_TOKEN', 'avr-sts-openai-keys', 'AUTH_TOKEN'],
      ['METRICS_AUTH_TOKEN', 'avr-sts-openai-keys', 'METRICS_AUTH_TOKEN'],
      ['AGENT_PROFILE_AUTH_HEADER', 'avr-sts-openai-keys', 'AGENT_PROFILE_AUTH_HEADER'],
    ]);
  });

  it('terminationGracePeriodSeconds covers the preStop pause plus the whole drain for every shutdown combination, with either autoscaler', () => {
    const seen: string[] = [];
    const combos: object[] = [];
    for (const graceMs of [0, 1, 1001, 86400000]) {
      for (const [preStopSleepSeconds, extraSeconds] of [
        [0, 5],
        [300, 5],
        [5, 15],
      ]) {
        combos.push({ shutdown: { graceMs, preStopSleepSeconds, extraSeconds } });
      }
    }
    combos.push({ shutdown: { graceMs: 300000, preStopSleepSeconds: 5, extraSeconds: 15 }, keda: { enabled: true } });
    combos.push({ shutdown: { graceMs: 300000, preStopSleepSeconds: 5, extraSeconds: 15 }, autoscaling: { enabled: true } });
    for (const combo of combos) {
      const pod = one(render(valuesFile(combo)), 'Deployment').spec.template.spec;
      const container = pod.containers[0];
      const graceMs = Number((container.env as Array<{ name: string; value: string }>).find((e) => e.name === 'SHUTDOWN_GRACE_MS')!.value);
      const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
      const preStopMs = preStop.length ? Number(preStop[1]) * 1000 : 0;
      const spareMs = pod.terminationGracePeriodSeconds * 1000 - preStopMs - graceMs;
      seen.push(`${JSON.stringify(combo)}: ${pod.terminationGracePeriodSeconds}s`);
      if (spareMs < 5000) throw new Error(`only ${spareMs} ms to spare for ${JSON.stringify(combo)}`);
    }
    expect(seen).toContain('{"shutdown":{"graceMs":1001,"preStopSleepSeconds":300,"extraSeconds":5}}: 307s');
    expect(seen).toContain('{"shutdown":{"graceMs":300000,"preStopSleepSeconds":5,"extraSeconds":15},"keda":{"enabled":true}}: 320s');
    expect(seen).toHaveLength(14);
  });
});
