/**
 * Static checks of helm/avr-sts-openai: the templates read as text against values.yaml,
 * values.schema.json, the chart README and the service's own list of variables. Helm itself renders
 * the chart in test/helm-render.spec.ts; these checks catch what a render cannot (a value no template
 * reads, a variable of the service the chart cannot set, a README row out of date).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { describeConfig } from '../src/config/index.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CHART = 'helm/avr-sts-openai';
const read = (file: string) => readFileSync(join(CHART, file), 'utf8');
/** A values.yaml value as the service's env default spells it: a string as is, anything else as JSON. */
const scalarText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const values = load(read('values.yaml')) as JsonObject;
const schema = JSON.parse(read('values.schema.json')) as JsonObject;
const templateFiles = readdirSync(join(CHART, 'templates')).sort();
const templates = new Map(templateFiles.map((f) => [f, read(join('templates', f))]));
const allTemplateText = [...templates.values()].join('\n');
const helpers = templates.get('_helpers.tpl') ?? '';
const deployment = templates.get('deployment.yaml') ?? '';
const vars = describeConfig();

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

/** values.yaml with `patch` deep-merged over it, as `helm install -f patch.yaml` does. */
function withValues(patch: JsonObject): JsonObject {
  const merge = (base: JsonObject, over: JsonObject): JsonObject => {
    const out: JsonObject = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
    return out;
  };
  return merge(structuredClone(values), patch);
}

function problems(v: ValidateFunction, data: unknown): string[] {
  return v(data) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

function get(obj: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const key of path) {
    if (!isObject(cur) || !(key in cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The schema node describing the value at `path` ($refs to #/definitions resolved). */
function schemaAt(path: string[]): JsonObject {
  const resolve = (node: JsonObject): JsonObject => {
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    return resolve(get(schema, ref.replace(/^#\//, '').split('/')) as JsonObject);
  };
  let node = resolve(schema);
  for (const key of path) {
    const next = get(node, ['properties', key]);
    if (!isObject(next)) throw new Error(`values.schema.json has no entry for ${path.join('.')}`);
    node = resolve(next);
  }
  return node;
}

/** Every `.Values.a.b` path the templates read (also as `$.Values…` and `$root.Values…`). */
function valuesReferences(): string[][] {
  const refs = new Set<string>();
  for (const m of allTemplateText.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) refs.add(m[1].slice(1));
  return [...refs].sort().map((r) => r.split('.'));
}

/** Leaf paths of values.yaml; empty maps and lists count as leaves. */
function leafPaths(obj: JsonObject, prefix: string[] = []): string[][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    isObject(v) && Object.keys(v).length > 0 ? leafPaths(v, [...prefix, k]) : [[...prefix, k]],
  );
}

/** The typed variables: `setEnv (list $env "NAME" <expression>)` lines of _helpers.tpl. */
function typedVariables(): Map<string, string[]> {
  const typed = new Map<string, string[]>();
  for (const m of helpers.matchAll(/include "avr-sts-openai\.setEnv" \(list \$env "([A-Z0-9_]+)" (.+?)\) -}}/g)) {
    typed.set(m[1], [...(typed.get(m[1]) ?? []), m[2]]);
  }
  return typed;
}

/** The secret variables: `secretEnv (list $ "NAME" .Values.secrets.x .Values.secrets.existingSecretKeys.x)` lines. */
function secretVariables(): Map<string, { value: string; key: string }> {
  const secret = new Map<string, { value: string; key: string }>();
  const re =
    /include "avr-sts-openai\.secretEnv" \(list \$ "([A-Z0-9_]+)" \.Values\.secrets\.(\w+) \.Values\.secrets\.existingSecretKeys\.(\w+)\)/g;
  for (const m of helpers.matchAll(re)) secret.set(m[1], { value: m[2], key: m[3] });
  return secret;
}

describe('Helm chart: Chart.yaml and values', () => {
  it('Chart.yaml is a v2 application chart whose appVersion is the package version', () => {
    const chart = load(read('Chart.yaml')) as JsonObject;
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'avr-sts-openai', type: 'application' });
    expect(chart.version).toEqual(expect.stringMatching(/^\d+\.\d+\.\d+(-[\w.]+)?$/));
    // The image tag defaults to appVersion, so it must name the version the Dockerfile builds.
    expect(chart.appVersion).toBe(pkg.version);
  });

  it('values.yaml passes values.schema.json', () => {
    expect(problems(validate, values)).toEqual([]);
  });

  it.each<[string, JsonObject, string]>([
    ['a string replicaCount', { replicaCount: '2' }, '/replicaCount'],
    ['a typo in a key', { replicas: 2 }, '/'],
    ['an unknown log level', { config: { logLevel: 'verbose' } }, '/config/logLevel'],
    [
      'an https upstream (the service wants ws/wss)',
      { config: { realtimeUrl: 'https://api.openai.com/v1/realtime' } },
      '/config/realtimeUrl',
    ],
    ['a drain grace above the service maximum', { shutdown: { graceMs: 90000000 } }, '/shutdown/graceMs'],
    ['a shutdown margin below 5 s', { shutdown: { extraSeconds: 0 } }, '/shutdown/extraSeconds'],
    ['the API key as a plain env variable', { env: { OPENAI_API_KEY: 'sk-live' } }, '/env'],
    ['a typed variable repeated under env', { env: { SHUTDOWN_GRACE_MS: '1000' } }, '/env'],
    ['an env value that is a map', { env: { OPENAI_MCP_SERVERS: { server_label: 'x' } } }, '/env/OPENAI_MCP_SERVERS'],
    ['a tool file that is not a module', { tools: { files: { 'run.sh': 'rm -rf /' } } }, '/tools/files'],
    ['a relative tools folder', { tools: { dir: 'tools' } }, '/tools/dir'],
    [
      'a typed variable as a raw extraEnv entry (it would override the typed one)',
      { extraEnv: [{ name: 'SHUTDOWN_GRACE_MS', value: '1' }] },
      '/extraEnv/0/name',
    ],
    ['a KEDA target given as text', { keda: { targetCallsPerPod: '100' } }, '/keda/targetCallsPerPod'],
    [
      'a KEDA Prometheus address that is not http(s)',
      { keda: { prometheus: { serverAddress: 'prometheus:9090' } } },
      '/keda/prometheus/serverAddress',
    ],
    [
      'an alert duration Prometheus refuses',
      { prometheusRule: { alerts: { failedCalls: { for: '10 minutes' } } } },
      '/prometheusRule/alerts/failedCalls/for',
    ],
    [
      'a dashboard label that is not text',
      { grafanaDashboard: { labels: { grafana_dashboard: 1 } } },
      '/grafanaDashboard/labels/grafana_dashboard',
    ],
  ])('the schema refuses %s', (_label, patch, where) => {
    const found = problems(validate, withValues(patch));
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((p) => p.startsWith(where))).toBe(true);
  });

  it('the schema accepts the documented ways of setting things', () => {
    const patch: JsonObject = {
      config: { realtimeUrl: 'simulator', language: 'en', amiUrl: 'http://avr-ami:6006' },
      secrets: { existingSecret: 'keys', existingSecretKeys: { callSummaryAuthHeader: '' } },
      instructions: { text: 'You are Ada.\n' },
      tools: { files: { 'weather.mjs': 'export default {}' }, enabled: ['weather', 'avr_hangup'] },
      env: {
        OPENAI_TEMPERATURE: 0.7,
        SESSION_ROTATE_AFTER_MS: 3300000,
        REPLAY_RESOLVE_INSTRUCTIONS: true,
        OPENAI_TURN_DETECTION: 'semantic_vad',
      },
      autoscaling: { enabled: true, behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } },
      podDisruptionBudget: { enabled: true, minAvailable: '50%' },
      serviceMonitor: { enabled: true, authorization: { type: 'Bearer', credentials: { name: 'keys', key: 'METRICS_AUTH_TOKEN' } } },
      global: { imageRegistry: 'x' },
    };
    expect(problems(validate, withValues(patch))).toEqual([]);
  });
});

describe('Helm chart: templates against values', () => {
  it('every .Values path a template reads exists in values.yaml', () => {
    const refs = valuesReferences();
    expect(refs.length).toBeGreaterThan(40);
    const missing = refs.filter((path) => get(values, path) === undefined).map((p) => p.join('.'));
    expect(missing).toEqual([]);
  });

  it('every value in values.yaml is read by a template', () => {
    const refs = valuesReferences().map((r) => r.join('.'));
    const unused = leafPaths(values)
      .map((p) => p.join('.'))
      .filter((leaf) => !refs.some((r) => leaf === r || leaf.startsWith(`${r}.`)));
    expect(unused).toEqual([]);
  });

  it('every included template is defined', () => {
    const defined = new Set([...allTemplateText.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const included = [...allTemplateText.matchAll(/include "([^"]+)"/g)].map((m) => m[1]);
    expect(included.length).toBeGreaterThan(10);
    expect(included.filter((n) => !defined.has(n))).toEqual([]);
  });

  it('every template has balanced {{ }} actions', () => {
    for (const [file, text] of templates) {
      expect([file, text.split('{{').length]).toEqual([file, text.split('}}').length]);
    }
  });

  it('the Deployment probes /health/live (startup, liveness) and /health/ready (readiness) on the service port', () => {
    const probe = (kind: string) =>
      new RegExp(`${kind}:\\s*\\n\\s*httpGet:\\s*\\n\\s*path: ([^\\s]+)\\s*\\n\\s*port: http`).exec(deployment)?.[1];
    expect({ startup: probe('startupProbe'), liveness: probe('livenessProbe'), readiness: probe('readinessProbe') }).toEqual({
      startup: '/health/live',
      liveness: '/health/live',
      readiness: '/health/ready',
    });
    expect(deployment).toMatch(/- name: http\s*\n\s*containerPort: \{\{ \.Values\.containerPort \}\}/);
    expect(templates.get('service.yaml')).toMatch(/targetPort: http/);
    expect(templates.get('servicemonitor.yaml')).toMatch(/path: \/metrics/);
  });

  it('pods run hardened: non-root user 1000 (the image user), read-only root, no privilege, no capabilities, RuntimeDefault seccomp, /tmp an emptyDir', () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^USER 1000:1000$/m);
    expect(deployment).toMatch(/toYaml \.Values\.podSecurityContext/);
    expect(deployment).toMatch(/toYaml \.Values\.securityContext/);
    expect(deployment).toMatch(/- name: tmp\s*\n\s*mountPath: \/tmp/);
    expect(deployment).toMatch(/- name: tmp\s*\n(\s*\{\{.*\}\}\s*\n)*\s*emptyDir:/);
  });

  it('a change of the ConfigMap or the chart-made Secret changes a pod annotation, so the pods roll', () => {
    expect(deployment).toContain('checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}');
    expect(deployment).toContain('checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}');
  });
});

describe('Helm chart: terminationGracePeriodSeconds', () => {
  // The helper's body is a Sprig arithmetic expression over values; evaluate it the way Sprig does
  // (int64 truncation, integer div) for the allowed range of values.
  const body = /define "avr-sts-openai\.terminationGracePeriodSeconds" -}}\s*\{\{-? (.+?) \}\}/s.exec(helpers)?.[1] ?? '';

  function evaluate(expr: string, vals: JsonObject): number {
    const tokens = expr.match(/\(|\)|[^\s()]+/g) ?? [];
    let i = 0;
    const atom = (): number => {
      const t = tokens[i++];
      if (t === '(') {
        const v = call();
        if (tokens[i++] !== ')') throw new Error(`unbalanced: ${expr}`);
        return v;
      }
      if (/^-?\d+$/.test(t)) return Number(t);
      if (t.startsWith('.Values.')) {
        const v = get(vals, t.slice('.Values.'.length).split('.'));
        if (typeof v !== 'number') throw new Error(`${t} is not a number`);
        return v;
      }
      throw new Error(`unexpected token ${t} in ${expr}`);
    };
    const call = (): number => {
      const fn = tokens[i++];
      const args: number[] = [];
      while (i < tokens.length && tokens[i] !== ')') args.push(atom());
      switch (fn) {
        case 'add':
          return args.reduce((a, b) => a + b, 0);
        case 'div':
          return Math.trunc(args[0] / args[1]);
        case 'int64':
          return Math.trunc(args[0]);
        default:
          throw new Error(`function ${fn} is not evaluated by this test`);
      }
    };
    return call();
  }

  it('is what the Deployment uses, computed from shutdown.graceMs (SHUTDOWN_GRACE_MS)', () => {
    expect(deployment).toContain('terminationGracePeriodSeconds: {{ include "avr-sts-openai.terminationGracePeriodSeconds" . }}');
    expect(body).toContain('.Values.shutdown.graceMs');
    expect(typedVariables().get('SHUTDOWN_GRACE_MS')).toEqual(['.Values.shutdown.graceMs']);
    expect(evaluate(body, values)).toBe(320);
  });

  it('leaves at least 5 s beyond the preStop pause plus the whole drain, for any allowed values', () => {
    const grace = schemaAt(['shutdown', 'graceMs']);
    const extra = schemaAt(['shutdown', 'extraSeconds']);
    const preStop = schemaAt(['shutdown', 'preStopSleepSeconds']);
    for (const graceMs of [grace.minimum as number, 1, 999, 1000, 1001, 1500, 300000, grace.maximum as number]) {
      for (const extraSeconds of [extra.minimum as number, 15]) {
        for (const preStopSleepSeconds of [0, 5, preStop.maximum as number]) {
          const vals = withValues({ shutdown: { graceMs, extraSeconds, preStopSleepSeconds } });
          expect(problems(validate, vals)).toEqual([]);
          const seconds = evaluate(body, vals);
          expect(seconds * 1000 - (preStopSleepSeconds * 1000 + graceMs)).toBeGreaterThanOrEqual(5000);
        }
      }
    }
  });
});

describe('Helm chart: every service variable is reachable', () => {
  const typed = typedVariables();
  const secret = secretVariables();
  const names = vars.map((d) => d.name);
  const envEnum = (get(schema, ['properties', 'env', 'propertyNames', 'not', 'enum']) ?? []) as string[];

  it('the typed and secret variables the templates set are variables of the service', () => {
    expect(typed.size).toBeGreaterThan(10);
    expect([...typed.keys(), ...secret.keys()].filter((n) => !names.includes(n))).toEqual([]);
  });

  it("the service's secret variables, and only they, come from a Secret", () => {
    expect([...secret.keys()].sort()).toEqual(
      vars
        .filter((d) => d.secret)
        .map((d) => d.name)
        .sort(),
    );
    for (const { value, key } of secret.values()) {
      expect(get(values, ['secrets', value])).toBe('');
      expect(typeof get(values, ['secrets', 'existingSecretKeys', key])).toBe('string');
    }
    expect([...typed.keys()].filter((n) => secret.has(n))).toEqual([]);
  });

  it('the Deployment passes the typed, the env and the secret variables to the container', () => {
    expect(helpers).toMatch(
      /range \$name, \$value := \.Values\.env -}}\s*\{\{- include "avr-sts-openai\.setEnv" \(list \$env \$name \$value\)/,
    );
    expect(deployment).toContain('include "avr-sts-openai.plainEnv" .');
    expect(deployment).toContain('include "avr-sts-openai.secretEnvs" .');
  });

  it('the schema refuses under env exactly the typed and secret variables, so each has one place', () => {
    expect([...envEnum].sort()).toEqual([...typed.keys(), ...secret.keys()].sort());
  });

  it('every other variable of the service can be set under env', () => {
    const refused = names.filter((n) => !typed.has(n) && !secret.has(n)).filter((n) => !validate(withValues({ env: { [n]: 'x' } })));
    expect(refused).toEqual([]);
  });

  it('the chart README lists every variable with where it is set and the service default', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Service variables'));
    const rows = new Map<string, string[]>();
    for (const m of section.matchAll(/^\| `([A-Z0-9_]+)` \|(.*)\|$/gm))
      rows.set(
        m[1],
        m[2].split(' | ').map((c) => c.trim()),
      );
    expect([...rows.keys()].sort()).toEqual([...names].sort());
    const wrong: string[] = [];
    for (const d of vars) {
      const [where, def] = rows.get(d.name) ?? ['', ''];
      const expected = typed.has(d.name)
        ? typed.get(d.name)!.flatMap((e) => [...e.matchAll(/\.Values\.([\w.]+)/g)].map((m) => `\`${m[1]}\``))
        : secret.has(d.name)
          ? [`\`secrets.${secret.get(d.name)!.value}\``, '`secrets.existingSecret`']
          : [`\`env.${d.name}\``];
      if (!expected.every((e) => where.includes(e))) wrong.push(`${d.name}: "${where}" should name ${expected.join(', ')}`);
      const shownDefault = d.default === '' ? '(unset)' : `\`${d.default}\``;
      if (def !== shownDefault) wrong.push(`${d.name}: default "${def}" should be ${shownDefault}`);
    }
    expect(wrong).toEqual([]);
  });

  it("typed values accept nothing the service refuses at start, and default to the service's defaults", () => {
    // TOOLS_DIR: the chart uses the absolute path of the image's ./tools (the image's WORKDIR is /app).
    const deliberate: Record<string, string> = { TOOLS_DIR: '/app/tools' };
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^WORKDIR \/app$/m);
    const wrong: string[] = [];
    for (const d of vars.filter((v) => typed.has(v.name))) {
      for (const expr of typed.get(d.name)!.filter((e) => /^\.Values\.[\w.]+$/.test(e))) {
        const path = expr.slice('.Values.'.length).split('.');
        const node = schemaAt(path);
        const sub = ajv.compile(node);
        const accepts = (v: unknown) => sub(v);
        let m: RegExpExecArray | null;
        if ((m = /^integer (-?\d+) to (-?\d+)$/.exec(d.allowed))) {
          const [min, max] = [Number(m[1]), Number(m[2])];
          if (node.type !== 'integer' || (node.minimum as number) < min || (node.maximum as number) > max || node.maximum === undefined)
            wrong.push(`${d.name}: schema ${JSON.stringify(node)} is wider than ${d.allowed}`);
        } else if ((m = /^one of (.+)$/.exec(d.allowed))) {
          const allowed = m[1].split(', ');
          const enumerated = (node.enum ?? []) as string[];
          if (enumerated.length === 0 || enumerated.some((e) => !allowed.includes(e)))
            wrong.push(`${d.name}: enum ${JSON.stringify(enumerated)} vs ${d.allowed}`);
        } else if ((m = /^an? ([a-z/]+) URL(?: or (.+))?$/.exec(d.allowed))) {
          const good = [...m[1].split('/').map((p) => `${p}://example.test/x`), ...(m[2]?.split(', ') ?? [])];
          for (const g of good) if (!accepts(g)) wrong.push(`${d.name}: schema refuses ${g}`);
          for (const b of ['ftp://example.test/x', 'example.test', 'not a url'])
            if (accepts(b)) wrong.push(`${d.name}: schema accepts ${b}`);
        } else if (d.allowed === 'comma-separated names') {
          if (!accepts(['a', 'b']) || accepts(['a,b']) || accepts('a,b')) wrong.push(`${d.name}: not a list of names`);
        } else if (d.allowed === 'any text') {
          if (node.type !== 'string' || !accepts(get(values, path))) wrong.push(`${d.name}: not a string schema accepting its default`);
        } else {
          wrong.push(`${d.name}: no rule in this test for "${d.allowed}"`);
        }
        const v = get(values, path);
        const shown = Array.isArray(v) ? v.map(scalarText).join(',') : scalarText(v);
        const expected = deliberate[d.name] ?? d.default;
        if (shown !== expected) wrong.push(`${d.name}: values.yaml ${path.join('.')}=${shown}, service default ${d.default}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
