import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RESPONSE_CREATE_SHAPE,
  responseCreateProblem,
  SESSION_SHAPE,
  sessionUpdateProblem,
  type FieldShape,
  type ObjectShape,
  type TypedShape,
} from './session-shape.js';
import { GA_SESSION } from '../../test/support/ga-session.js';

/**
 * The table in session-shape.ts against the `openai` package's own declarations: every object's
 * keys, every nested type, every variant's `type`. An upgrade of the package that adds or drops a
 * GA session field fails here until the table follows.
 */
const openaiRoot = fileURLToPath(new URL('../../node_modules/openai/', import.meta.url));
const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '');
const sources = {
  realtime: stripComments(readFileSync(join(openaiRoot, 'resources/realtime/realtime.d.ts'), 'utf8')),
  responses: stripComments(readFileSync(join(openaiRoot, 'resources/responses/responses.d.ts'), 'utf8')),
};
const openaiVersion = (JSON.parse(readFileSync(join(openaiRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The text between the braces that open at `open` (an index of '{'). */
function braced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

/** Index of `keyword name {` at brace depth 0 of `text`. */
function findAtTop(text: string, keyword: 'interface' | 'namespace', name: string): number {
  const pattern = new RegExp(`(?:^|\\n)\\s*(?:export\\s+)?(?:declare\\s+)?${keyword}\\s+${name}\\s*\\{`, 'g');
  for (const match of text.matchAll(pattern)) {
    const before = text.slice(0, match.index);
    const depth = (before.match(/\{/g)?.length ?? 0) - (before.match(/\}/g)?.length ?? 0);
    if (depth === 0) return match.index + match[0].length - 1;
  }
  throw new Error(`${keyword} ${name} not declared`);
}

/** The body of a declared interface, e.g. 'RealtimeAudioFormats.AudioPCM' or 'responses:ResponsePrompt'. */
function interfaceBody(declaredAs: string): string {
  const [file, path] = declaredAs.includes(':') ? (declaredAs.split(':') as ['responses', string]) : (['realtime', declaredAs] as const);
  const names = path.split('.');
  let text = sources[file];
  names.forEach((name, i) => {
    text = braced(text, findAtTop(text, i === names.length - 1 ? 'interface' : 'namespace', name));
  });
  return text;
}

/** Property name -> its declared type text, at the top level of an interface body. */
function declaredProperties(body: string): Map<string, string> {
  const props = new Map<string, string>();
  let depth = 0;
  let at = 0;
  while (at < body.length) {
    if (depth === 0) {
      const match = /^\s*(\w+)\??:\s*/.exec(body.slice(at));
      if (match) {
        let end = at + match[0].length;
        let d = 0;
        while (end < body.length && !(d === 0 && body[end] === ';')) {
          if (body[end] === '{' || body[end] === '(' || body[end] === '<') d++;
          if (body[end] === '}' || body[end] === ')' || body[end] === '>') d--;
          end++;
        }
        props.set(match[1], body.slice(at + match[0].length, end).trim());
        at = end + 1;
        continue;
      }
    }
    if (body[at] === '{') depth++;
    if (body[at] === '}') depth--;
    at++;
  }
  return props;
}

/** Type aliases of realtime.d.ts expanded in `typeText` (a few levels: aliases of aliases). */
function expandAliases(typeText: string): string {
  let text = typeText;
  for (let round = 0; round < 3; round++) {
    text = text.replace(/\b(?:(?:RealtimeAPI|ResponsesAPI)\.)?([A-Z]\w+)\b(?!\.)/g, (whole, name: string) => {
      const alias =
        new RegExp(`export type ${name}\\s*=\\s*([^;]+);`).exec(sources.realtime) ??
        new RegExp(`export type ${name}\\s*=\\s*([^;]+);`).exec(sources.responses);
      return alias ? `(${alias[1]})` : whole;
    });
  }
  return text;
}

const lastName = (declaredAs: string) => declaredAs.split(/[.:]/).pop()!;
const mentions = (typeText: string, declaredAs: string) =>
  [typeText, expandAliases(typeText)].some((text) => new RegExp(`\\b${lastName(declaredAs)}\\b`).test(text));

/** The declared object shapes a field leads to (through arrays and or-value). */
function nestedShapes(shape: FieldShape): Array<ObjectShape | TypedShape> {
  if (shape.kind === 'object' || shape.kind === 'typed') return [shape];
  if (shape.kind === 'or-value') return [shape.object];
  if (shape.kind === 'array') return nestedShapes(shape.of);
  return [];
}

interface Check {
  path: string;
  shape: ObjectShape;
}

function allObjects(shape: ObjectShape | TypedShape, path: string, out: Check[] = []): Check[] {
  if (shape.kind === 'typed') {
    for (const [type, variant] of Object.entries(shape.variants)) allObjects(variant, `${path}<${type}>`, out);
    return out;
  }
  out.push({ path, shape });
  for (const [key, field] of Object.entries(shape.fields))
    for (const nested of nestedShapes(field)) allObjects(nested, `${path}.${key}`, out);
  return out;
}

function allTyped(shape: ObjectShape | TypedShape, out: TypedShape[] = []): TypedShape[] {
  if (shape.kind === 'typed') {
    out.push(shape);
    for (const variant of Object.values(shape.variants)) allTyped(variant, out);
    return out;
  }
  for (const field of Object.values(shape.fields)) for (const nested of nestedShapes(field)) allTyped(nested, out);
  return out;
}

describe.each([
  ['session.update', SESSION_SHAPE, 'session'],
  ['response.create', RESPONSE_CREATE_SHAPE, 'response'],
])(`the GA %s table, against openai@${openaiVersion}'s declarations`, (_event, root, rootPath) => {
  const objects = allObjects(root, rootPath);

  it.each(objects.map((o) => [o.path, o.shape.declaredAs, o.shape] as const))(
    '%s has exactly the keys of %s',
    (_path, declaredAs, shape) => {
      const declared = [...declaredProperties(interfaceBody(declaredAs)).keys()].sort();
      expect(Object.keys(shape.fields).sort()).toEqual(declared);
    },
  );

  it.each(objects.map((o) => [o.path, o.shape] as const))('%s follows every declared nested type', (_path, shape) => {
    const declared = declaredProperties(interfaceBody(shape.declaredAs));
    for (const [key, field] of Object.entries(shape.fields)) {
      const typeText = declared.get(key)!;
      const nested = nestedShapes(field);
      // A union by `type` is followed when every variant is one of the declared type's members.
      const named = nested.flatMap((n) => (n.kind === 'typed' ? Object.values(n.variants) : [n]));
      for (const n of named)
        expect({ key, typeText, mentions: mentions(typeText, n.declaredAs) }).toEqual({ key, typeText, mentions: true });
      if (field.kind === 'value' && !field.why) {
        // A plain value: a scalar, a literal union or an array of them, never a declared object type.
        const types =
          expandAliases(typeText)
            .match(/\b[A-Z]\w*/g)
            ?.filter((n) => n !== 'Array') ?? [];
        expect({ key, named: types }).toEqual({ key, named: [] });
      }
    }
  });

  it.each(allTyped(root).map((t) => [t.declaredAs, t] as const))(
    'the variants of %s are picked by their declared type',
    (_declaredAs, shape) => {
      for (const [type, variant] of Object.entries(shape.variants)) {
        expect(declaredProperties(interfaceBody(variant.declaredAs)).get('type')).toMatch(new RegExp(`^'${type}'$`));
      }
    },
  );
});

describe('sessionUpdateProblem', () => {
  const good = GA_SESSION;

  it('accepts every declared field (free-form values are not looked into)', () => {
    expect(sessionUpdateProblem(good)).toBeUndefined();
    expect(
      sessionUpdateProblem({ type: 'realtime', audio: { input: { turn_detection: null } }, tracing: null, prompt: null }),
    ).toBeUndefined();
    expect(sessionUpdateProblem({ type: 'realtime', tool_choice: { type: 'function', name: 'avr_hangup' } })).toBeUndefined();
  });

  it.each([
    ['session.temperature', { temperature: 0.8 }],
    ['session.modalities', { modalities: ['audio'] }],
    ['session.voice', { voice: 'alloy' }],
    ['session.input_audio_format', { input_audio_format: 'pcm16' }],
    ['session.audio.input.transcription.keywords', { audio: { input: { transcription: { model: 'x', keywords: ['a'] } } } }],
    ['session.audio.input.noise_reduction.strength', { audio: { input: { noise_reduction: { type: 'near_field', strength: 1 } } } }],
    ['session.audio.input.turn_detection.eagerness', { audio: { input: { turn_detection: { type: 'server_vad', eagerness: 'low' } } } }],
    ['session.audio.output.format.rate', { audio: { output: { format: { type: 'audio/pcmu', rate: 8000 } } } }],
    ['session.tools[1].strict', { tools: [good.tools[0], { type: 'function', name: 'x', strict: true }] }],
  ])('refuses the unknown field %s with the live text', (param, extra) => {
    expect(sessionUpdateProblem({ ...good, ...extra })).toEqual({
      code: 'unknown_parameter',
      message: `Unknown parameter: '${param}'.`,
      param,
    });
  });

  it('refuses PCM without its rate, and a rate other than 24000', () => {
    expect(sessionUpdateProblem({ type: 'realtime', audio: { input: { format: { type: 'audio/pcm' } } } })).toEqual({
      code: 'missing_required_parameter',
      message: "Missing required parameter: 'session.audio.input.format.rate'.",
      param: 'session.audio.input.format.rate',
    });
    expect(sessionUpdateProblem({ type: 'realtime', audio: { output: { format: { type: 'audio/pcm', rate: 16000 } } } })).toMatchObject({
      code: 'invalid_value',
      param: 'session.audio.output.format.rate',
    });
  });

  it('refuses a format type the GA interface does not offer, naming the supported ones', () => {
    expect(sessionUpdateProblem({ type: 'realtime', audio: { input: { format: { type: 'pcm16' } } } })).toEqual({
      code: 'invalid_value',
      message: "Invalid value: 'pcm16'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
      param: 'session.audio.input.format.type',
    });
    expect(sessionUpdateProblem({ type: 'realtime', audio: { output: { format: 'g711_ulaw' } } })).toEqual({
      code: 'invalid_type',
      message: "Invalid type for 'session.audio.output.format': expected an object, but got a string instead.",
      param: 'session.audio.output.format',
    });
    expect(sessionUpdateProblem({ type: 'realtime', audio: { input: { turn_detection: { type: 'vad' } } } })).toMatchObject({
      code: 'invalid_value',
      param: 'session.audio.input.turn_detection.type',
    });
  });
});

describe('responseCreateProblem', () => {
  it('accepts per-response instructions and the declared fields', () => {
    expect(responseCreateProblem({ instructions: 'Greet the caller', conversation: 'auto', metadata: { anything: 'x' } })).toBeUndefined();
    expect(
      responseCreateProblem({
        audio: { output: { format: { type: 'audio/pcmu' }, voice: 'marin' } },
        tools: [{ type: 'function', name: 'x' }],
      }),
    ).toBeUndefined();
  });

  it('refuses an unknown field, a beta field and a PCM format without rate', () => {
    expect(responseCreateProblem({ temperature: 0.8 })).toEqual({
      code: 'unknown_parameter',
      message: "Unknown parameter: 'response.temperature'.",
      param: 'response.temperature',
    });
    expect(responseCreateProblem({ modalities: ['audio'] })?.param).toBe('response.modalities');
    expect(responseCreateProblem({ audio: { output: { format: { type: 'audio/pcm' } } } })?.code).toBe('missing_required_parameter');
  });
});
