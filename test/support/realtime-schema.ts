/**
 * Validates Realtime events against OpenAI's own schemas.
 *
 * openai-realtime-events.openapi.json beside this file is cut from OpenAI's OpenAPI spec
 * (github.com/openai/openai-openapi, commit f85dbe2 of 2026-08-21, MIT licence). It is kept in the
 * repository because CI runs on a fresh clone where ../shared is absent.
 *
 * The OpenAPI 3.1 text carries keys ajv's 2020 draft does not know (`discriminator`, `example`,
 * `x-…` vendor keys) and one OpenAPI-only `nullable: true`; they are rewritten before compiling.
 * The schemas rarely forbid extra properties, while the live GA server refuses a whole
 * session.update over one field it does not know: session.update is also checked against the
 * field table the simulator enforces (src/simulator/session-shape.ts, itself checked against the
 * `openai` package's declarations), and beta-only fields are named as such.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { responseCreateProblem, sessionUpdateProblem } from '../../src/simulator/session-shape.js';

const SCHEMA_ID = 'openai-realtime';
const DROPPED_KEYS = new Set(['discriminator', 'example']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Rewrites one schema node; `properties` maps hold property names, never schema keywords. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if ((key === 'properties' || key === 'patternProperties') && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  return node.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

interface Validators {
  union: Record<'client' | 'server', ValidateFunction>;
  /** The one schema per event type, for readable problems when the union fails. */
  byType: Record<'client' | 'server', Map<string, ValidateFunction>>;
}

let validators: Validators | undefined;

function load(): Validators {
  if (validators) return validators;
  const raw = JSON.parse(readFileSync(new URL('./openai-realtime-events.openapi.json', import.meta.url), 'utf8')) as Json;
  const doc = toJsonSchema(raw) as { components: { schemas: Record<string, { anyOf?: Array<{ $ref: string }> }> } };
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  ajv.addSchema({ $id: SCHEMA_ID, components: doc.components });
  const compile = (name: string): ValidateFunction => {
    const fn = ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${name}`);
    if (!fn) throw new Error(`schema ${name} not found in the Realtime OpenAPI document`);
    return fn;
  };
  const variants = (union: string): Map<string, ValidateFunction> => {
    const map = new Map<string, ValidateFunction>();
    for (const { $ref } of doc.components.schemas[union].anyOf ?? []) {
      const name = $ref.split('/').pop()!;
      const typeEnum = (doc.components.schemas[name] as { properties?: { type?: { enum?: string[] } } }).properties?.type?.enum;
      for (const t of typeEnum ?? []) map.set(t, compile(name));
    }
    return map;
  };
  validators = {
    union: { client: compile('RealtimeClientEvent'), server: compile('RealtimeServerEvent') },
    byType: { client: variants('RealtimeClientEvent'), server: variants('RealtimeServerEvent') },
  };
  return validators;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '(event)'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

function validate(side: 'client' | 'server', ev: unknown): string[] {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return ['event is not a JSON object'];
  const v = load();
  if (v.union[side](ev)) return [];
  const type = (ev as { type?: unknown }).type;
  const variant = typeof type === 'string' ? v.byType[side].get(type) : undefined;
  if (!variant) return [`unknown ${side} event type ${JSON.stringify(type)}`];
  variant(ev);
  const problems = describeErrors(variant.errors);
  return problems.length > 0 ? problems : [`does not match Realtime${side === 'client' ? 'Client' : 'Server'}Event`];
}

const BETA_SESSION_FIELDS = [
  'modalities',
  'input_audio_format',
  'output_audio_format',
  'voice',
  'max_response_output_tokens',
  'input_audio_transcription',
  'turn_detection',
];
const BETA_RESPONSE_FIELDS = ['modalities', 'output_audio_format', 'voice', 'max_response_output_tokens'];

function betaProblems(ev: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const flag = (owner: unknown, path: string, fields: string[]) => {
    if (!owner || typeof owner !== 'object') return;
    for (const f of fields) if (f in owner) problems.push(`${path}.${f} is a beta-only field (not part of the GA interface)`);
  };
  if (ev.type === 'session.update') {
    const session = ev.session as Record<string, unknown> | undefined;
    flag(session, 'session', BETA_SESSION_FIELDS);
    if (session && typeof session === 'object') {
      if (session.type === undefined) problems.push('session.type is missing (GA requires "realtime")');
      if (session.model !== undefined) {
        problems.push(
          "session.model is sent: the model is chosen by the URL's ?model= (the live server has refused proxies' aliases and Azure deployment names there)",
        );
      }
      const refusal = session.type === 'realtime' ? sessionUpdateProblem(session) : undefined;
      if (refusal) problems.push(`the live server refuses the whole update: ${refusal.code} "${refusal.message}"`);
    }
  }
  if (ev.type === 'response.create') {
    flag(ev.response, 'response', BETA_RESPONSE_FIELDS);
    const response = ev.response;
    const refusal =
      response && typeof response === 'object' && !Array.isArray(response)
        ? responseCreateProblem(response as Record<string, unknown>)
        : undefined;
    if (refusal) problems.push(`the live server refuses it: ${refusal.code} "${refusal.message}"`);
  }
  return problems;
}

/** Problems of one client event (empty when it is a valid GA RealtimeClientEvent). */
export function validateClientEvent(ev: unknown): string[] {
  const problems = validate('client', ev);
  return ev && typeof ev === 'object' && !Array.isArray(ev) ? [...problems, ...betaProblems(ev as Record<string, unknown>)] : problems;
}

/** Problems of one server event (empty when it is a valid RealtimeServerEvent). */
export function validateServerEvent(ev: unknown): string[] {
  return validate('server', ev);
}
