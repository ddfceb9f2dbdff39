import { checkMcpServers, describeConfig, MAX_OUTPUT_TOKENS, parseMaxTokens, type VarRule } from '../config/index.js';
import { GREETING_MODES, INTERFACES, type AgentProfile } from './agent-profile.js';

/**
 * The one schema every profile passes, whatever its source. A field that overrides an env
 * variable keeps to that variable's rule (read from the config parser itself, so the ranges and
 * value lists are written once); fields no variable sets yet have their own rule here, and pick up
 * the variable's rule as soon as one of that name exists.
 */

/** Returns null when the value is fine, else what is wrong with it (without the field name). */
type Check = (value: unknown) => string | null;

const ENV_RULES: ReadonlyMap<string, VarRule> = new Map(describeConfig().flatMap((d) => (d.rule ? [[d.name, d.rule] as const] : [])));

function describeRule(rule: VarRule): string {
  return rule.kind === 'oneOf' ? `one of ${rule.values.join(', ')}` : `${rule.kind === 'int' ? 'integer ' : ''}${rule.min} to ${rule.max}`;
}

function byRule(rule: VarRule, variable?: string): Check {
  const allowed = `${describeRule(rule)}${variable ? `, as ${variable}` : ''}`;
  return (value) => {
    if (rule.kind === 'oneOf')
      return typeof value === 'string' && rule.values.includes(value) ? null : `${show(value)} is not allowed (${allowed})`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${show(value)} is not a number (${allowed})`;
    if (rule.kind === 'int' && !Number.isInteger(value)) return `${value} is not an integer (${allowed})`;
    return value < rule.min || value > rule.max ? `${value} is out of range (${allowed})` : null;
  };
}

/** The env variable's rule; `fallback` only while no variable of that name exists. */
function asVariable(name: string, fallback?: VarRule): Check {
  const rule = ENV_RULES.get(name);
  if (rule) return byRule(rule, name);
  if (fallback) return byRule(fallback);
  throw new Error(`profile schema: ${name} has no rule in the configuration`);
}

function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

// Profile text goes into the model's instructions and the logs: control characters are refused,
// except tab and line breaks in multi-line text (ONE_LINE_CONTROL refuses those too).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ONE_LINE_CONTROL = /[\x00-\x1f\x7f]/;

/** Text up to maxChars; single-line text (names, models) also refuses line breaks. */
function text(maxChars: number, singleLine = true): Check {
  return (value) => {
    if (typeof value !== 'string') return `${show(value)} is not text`;
    if (!value.trim()) return 'is empty';
    if (value.length > maxChars) return `is ${value.length} characters, more than ${maxChars}`;
    if ((singleLine ? ONE_LINE_CONTROL : CONTROL).test(value)) return 'holds control characters';
    return null;
  };
}

function list(item: Check, maxItems: number): Check {
  return (value) => {
    if (!Array.isArray(value)) return `${show(value)} is not a list`;
    if (value.length > maxItems) return `has ${value.length} items, more than ${maxItems}`;
    for (const [i, v] of value.entries()) {
      const problem = item(v);
      if (problem) return `item ${i} ${problem}`;
    }
    return null;
  };
}

/** OpenAI's function-name rule, which every tool name already meets. */
const TOOL_NAME: Check = (value) =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? null : `${show(value)} is not a tool name`;

function stringMap(maxKeys: number, maxChars: number): Check {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${show(value)} is not an object`;
    const entries = Object.entries(value);
    if (entries.length > maxKeys) return `has ${entries.length} keys, more than ${maxKeys}`;
    for (const [k, v] of entries) {
      if (typeof v !== 'string') return `'${k}' is ${show(v)}, not text`;
      if (v.length > maxChars) return `'${k}' is longer than ${maxChars} characters`;
    }
    return null;
  };
}

/** YAML reads an unquoted 5001 as a number, and +4930… or 0612… would lose their + or 0: say so. */
const MATCH_VALUE: Check = (value) =>
  typeof value === 'number' ? `${value} is a number: quote it ("${value}") so a leading + or 0 is kept` : text(128)(value);

const PROMPT_KEYS = new Set(['id', 'version', 'variables']);
const checkPrompt: Check = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${show(value)} is not an object {id, version?, variables?}`;
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !PROMPT_KEYS.has(k));
  if (unknown) return `'${unknown}' is not a prompt field (id, version, variables)`;
  if (o.id === undefined) return 'has no id';
  const id = text(200)(o.id);
  if (id) return `id ${id}`;
  const version = o.version === undefined ? null : text(64)(o.version);
  if (version) return `version ${version}`;
  const variables = o.variables === undefined ? null : stringMap(64, 4000)(o.variables);
  return variables ? `variables ${variables}` : null;
};

const checkMaxTokens: Check = (value) =>
  (typeof value === 'number' || value === 'inf') && parseMaxTokens(value) !== undefined
    ? null
    : `${show(value)} is not a token limit (integer 1 to ${MAX_OUTPUT_TOKENS} or "inf", as OPENAI_MAX_TOKENS)`;

const checkMcp: Check = (value) => {
  const problem = checkMcpServers(value);
  if (problem) return `${problem} (a list of {server_label, server_url, headers?, allowed_tools?}, as OPENAI_MCP_SERVERS)`;
  for (const [i, s] of (value as Array<{ headers?: object }>).entries()) {
    const headers = s.headers === undefined ? null : stringMap(32, 4000)(s.headers);
    if (headers) return `item ${i} headers ${headers}`;
  }
  return null;
};

interface Field {
  prop: keyof AgentProfile;
  check: Check;
}

/** Document key (snake_case, as in files and web answers) → profile property and its rule. */
export const PROFILE_FIELDS: Readonly<Record<string, Field>> = {
  name: { prop: 'name', check: text(128) },
  version: { prop: 'version', check: text(64) },
  match: { prop: 'match', check: list(MATCH_VALUE, 1000) },
  instructions: { prop: 'instructions', check: text(1_000_000, false) },
  prompt: { prop: 'prompt', check: checkPrompt },
  greeting: { prop: 'greeting', check: text(4000, false) },
  greeting_mode: { prop: 'greetingMode', check: asVariable('GREETING_MODE', { kind: 'oneOf', values: GREETING_MODES }) },
  voice: { prop: 'voice', check: text(64) },
  language: { prop: 'language', check: text(35) },
  model: { prop: 'model', check: text(128) },
  interface: { prop: 'interface', check: asVariable('OPENAI_INTERFACE', { kind: 'oneOf', values: INTERFACES }) },
  turn_detection: { prop: 'turnDetection', check: asVariable('OPENAI_TURN_DETECTION') },
  eagerness: { prop: 'eagerness', check: asVariable('OPENAI_TURN_DETECTION_EAGERNESS') },
  vad_threshold: { prop: 'vadThreshold', check: asVariable('OPENAI_VAD_THRESHOLD') },
  vad_silence_ms: { prop: 'vadSilenceMs', check: asVariable('OPENAI_VAD_SILENCE_MS') },
  vad_prefix_padding_ms: { prop: 'vadPrefixPaddingMs', check: asVariable('OPENAI_VAD_PREFIX_PADDING_MS') },
  transcription_model: { prop: 'transcriptionModel', check: text(128) },
  transcription_keywords: { prop: 'transcriptionKeywords', check: list(text(100), 200) },
  noise_reduction: { prop: 'noiseReduction', check: asVariable('OPENAI_NOISE_REDUCTION') },
  tools: { prop: 'tools', check: list(TOOL_NAME, 256) },
  mcp_servers: { prop: 'mcpServers', check: checkMcp },
  // audio.output.speed: 0.25 to 1.5 in the openai package's declarations.
  output_speed: { prop: 'outputSpeed', check: asVariable('OPENAI_OUTPUT_SPEED', { kind: 'number', min: 0.25, max: 1.5 }) },
  max_output_tokens: { prop: 'maxOutputTokens', check: checkMaxTokens },
  reasoning_effort: { prop: 'reasoningEffort', check: asVariable('OPENAI_REASONING_EFFORT') },
  idle_prompt_ms: { prop: 'idlePromptMs', check: asVariable('IDLE_PROMPT_MS', { kind: 'int', min: 0, max: 600000 }) },
  idle_max_prompts: { prop: 'idleMaxPrompts', check: asVariable('IDLE_MAX_PROMPTS', { kind: 'int', min: 0, max: 20 }) },
  max_call_seconds: { prop: 'maxCallSeconds', check: asVariable('MAX_CALL_SECONDS', { kind: 'int', min: 0, max: 86400 }) },
  max_call_wrapup_seconds: {
    prop: 'maxCallWrapupSeconds',
    check: asVariable('MAX_CALL_WRAPUP_SECONDS', { kind: 'int', min: 0, max: 3600 }),
  },
};

export type ProfileValidation = { ok: true; profile: AgentProfile } | { ok: false; problems: string[] };

/** What the running service offers, for the rules that depend on it. */
export interface ProfileContext {
  /** The loaded tools: a `tools` allow-list naming another is a mistake, as in AVR_TOOLS. */
  toolNames?: readonly string[];
}

/**
 * Checks a parsed document (a file, a web answer, the allow-listed part of provider_config) and
 * turns it into an AgentProfile. Every problem is one line naming the field; an unknown field is a
 * problem too, so a misspelt setting is never silently ignored.
 */
export function validateProfile(doc: unknown, context: ProfileContext = {}): ProfileValidation {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { ok: false, problems: [`the profile is ${show(doc)}, not an object`] };
  const problems: string[] = [];
  const profile: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const field = Object.hasOwn(PROFILE_FIELDS, key) ? PROFILE_FIELDS[key] : undefined;
    if (!field) {
      problems.push(`field '${key}': not a profile field`);
      continue;
    }
    if (value === null || value === undefined) continue; // an explicit null keeps the default
    const problem = field.check(value);
    if (problem) problems.push(`field '${key}': ${problem}`);
    else profile[field.prop] = value;
  }
  const p = profile as AgentProfile;
  const { toolNames } = context;
  const unknownTool = toolNames && p.tools?.find((t) => !toolNames.includes(t));
  if (unknownTool) problems.push(`field 'tools': there is no tool named "${unknownTool}" (tools: ${toolNames.join(', ')})`);
  if (p.prompt && (p.interface ?? interfaceOfModel(p.model)) === 'live') {
    problems.push("field 'prompt': stored prompts are a Realtime feature, and this profile's interface is live");
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profile: p };
}

/** GPT-Live models are gpt-live-*; everything else (Azure deployment names included) is Realtime. */
export function interfaceOfModel(model: string | undefined): 'realtime' | 'live' | undefined {
  if (model === undefined) return undefined;
  return /^gpt-live\b/.test(model) ? 'live' : 'realtime';
}
