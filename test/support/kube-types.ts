/**
 * Kubernetes objects checked against the TypeScript declarations of kubernetes-models, by the
 * TypeScript compiler: each object becomes an object literal typed as its kind's interface, so an
 * unknown field anywhere in it is an excess-property error. This covers what the models' JSON
 * schemas let through (they, like the API's OpenAPI documents, accept unknown fields; the API server's
 * strict field validation refuses them at install).
 */
import { join } from 'node:path';
import ts from 'typescript';

/** The module declaring each kind's interface (`I<Kind>`). */
const MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}

/** The type errors of the objects (unknown fields, wrong types, missing required fields), as text. */
export function typeProblems(objects: KubeObject[]): string[] {
  const file = join(process.cwd(), 'test', '__rendered-objects__.ts');
  const lines: string[] = [];
  const names: string[] = [];
  const problems: string[] = [];
  objects.forEach((o, i) => {
    const name = `${o.kind}/${o.metadata?.name ?? '?'}`;
    const module = MODULES[o.apiVersion];
    if (!module) {
      problems.push(`${name}: no declarations known for ${o.apiVersion}`);
      return;
    }
    // One object per line, so a diagnostic's line names its object.
    names[lines.length] = name;
    lines.push(`export const o${i}: import(${JSON.stringify(module)}).I${o.kind} = ${JSON.stringify(o)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').pop() ?? '';
    if (d.file?.fileName === file && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      problems.push(`${names[line] ?? `line ${line}`}: ${text}`);
    } else {
      problems.push(text);
    }
  }
  return problems;
}
