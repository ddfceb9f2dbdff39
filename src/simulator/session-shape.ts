/**
 * Every field a GA `session.update` may carry, object by object, as the `openai` package declares
 * them (openai@6.49.0, `resources/realtime/realtime.d.ts` `RealtimeSessionCreateRequest` and the
 * types it names; `ResponsePrompt` and the `ToolChoice…` types from `resources/responses/responses.d.ts`).
 * session-shape.spec.ts reads those declarations and fails when this table and they disagree,
 * so an upgrade of the package shows what changed.
 *
 * The live GA server refuses a whole `session.update` over one field it does not know
 * ("Unknown parameter: 'session.temperature'.", code `unknown_parameter`) and applies nothing
 * of it; the simulator and the e2e tests' fake do the same with this table.
 */
import type { ErrorDetails } from './server-events.js';

/** An object with a fixed set of keys (`declaredAs` names the declaration it mirrors). */
export interface ObjectShape {
  kind: 'object';
  declaredAs: string;
  fields: Record<string, FieldShape>;
  /** Keys the live server requires although the declarations mark them optional. */
  required?: string[];
}

/** An object whose `type` picks its keys (a declared union of interfaces). */
export interface TypedShape {
  kind: 'typed';
  declaredAs: string;
  variants: Record<string, ObjectShape>;
  /** The variant of an object without `type` (only where the declarations make `type` optional). */
  untyped?: string;
}

export interface ArrayShape {
  kind: 'array';
  of: FieldShape;
}

/**
 * A value whose keys are not checked: scalars, literal unions and free-form maps (JSON Schema
 * `parameters`, tracing `metadata`, MCP `headers`). `why` is for the reader and the spec test.
 */
export interface ValueShape {
  kind: 'value';
  why?: string;
}

/** Objects are checked against `object`; strings, numbers and null pass as values. */
export interface OrValueShape {
  kind: 'or-value';
  object: ObjectShape | TypedShape;
}

export type FieldShape = ObjectShape | TypedShape | ArrayShape | ValueShape | OrValueShape;

const value: ValueShape = { kind: 'value' };
const opaque = (why: string): ValueShape => ({ kind: 'value', why });
const obj = (declaredAs: string, fields: Record<string, FieldShape>, required?: string[]): ObjectShape => ({
  kind: 'object',
  declaredAs,
  fields,
  ...(required ? { required } : {}),
});
const orValue = (object: ObjectShape | TypedShape): OrValueShape => ({ kind: 'or-value', object });

const audioFormat: TypedShape = {
  kind: 'typed',
  declaredAs: 'RealtimeAudioFormats',
  variants: {
    // `rate` is optional in the declarations; the live server refuses PCM without it.
    'audio/pcm': obj('RealtimeAudioFormats.AudioPCM', { rate: value, type: value }, ['rate']),
    'audio/pcmu': obj('RealtimeAudioFormats.AudioPCMU', { type: value }),
    'audio/pcma': obj('RealtimeAudioFormats.AudioPCMA', { type: value }),
  },
};

const turnDetection: TypedShape = {
  kind: 'typed',
  declaredAs: 'RealtimeAudioInputTurnDetection',
  variants: {
    server_vad: obj('RealtimeAudioInputTurnDetection.ServerVad', {
      type: value,
      create_response: value,
      idle_timeout_ms: value,
      interrupt_response: value,
      prefix_padding_ms: value,
      silence_duration_ms: value,
      threshold: value,
    }),
    semantic_vad: obj('RealtimeAudioInputTurnDetection.SemanticVad', {
      type: value,
      create_response: value,
      eagerness: value,
      interrupt_response: value,
    }),
  },
};

const toolFilter = (declaredAs: string) => obj(declaredAs, { read_only: value, tool_names: value });

/** The MCP tool, declared twice with the same keys (session tools and response.create tools). */
const mcpTool = (declaredAs: string) =>
  obj(declaredAs, {
    server_label: value,
    type: value,
    allowed_callers: value,
    allowed_tools: orValue(toolFilter(`${declaredAs}.McpToolFilter`)),
    authorization: value,
    connector_id: value,
    defer_loading: value,
    headers: opaque('a map of header names to values'),
    require_approval: orValue(
      obj(`${declaredAs}.McpToolApprovalFilter`, {
        always: toolFilter(`${declaredAs}.McpToolApprovalFilter.Always`),
        never: toolFilter(`${declaredAs}.McpToolApprovalFilter.Never`),
      }),
    ),
    server_description: value,
    server_url: value,
    tunnel_id: value,
  });

const functionTool = obj('RealtimeFunctionTool', { description: value, name: value, parameters: opaque('a JSON Schema'), type: value });
const prompt = obj('responses:ResponsePrompt', {
  id: value,
  variables: opaque('a map of variable names to text, image or file inputs'),
  version: value,
});
const reasoning = obj('RealtimeReasoning', { effort: value });
const toolChoice = (declaredAs: string) =>
  orValue({
    kind: 'typed',
    declaredAs,
    variants: {
      function: obj('responses:ToolChoiceFunction', { name: value, type: value }),
      mcp: obj('responses:ToolChoiceMcp', { server_label: value, type: value, name: value }),
    },
  });
const tools = (declaredAs: string, mcpDeclaredAs: string): ArrayShape => ({
  kind: 'array',
  of: { kind: 'typed', declaredAs, untyped: 'function', variants: { function: functionTool, mcp: mcpTool(mcpDeclaredAs) } },
});

export const SESSION_SHAPE: ObjectShape = obj('RealtimeSessionCreateRequest', {
  type: value,
  audio: obj('RealtimeAudioConfig', {
    input: obj('RealtimeAudioConfigInput', {
      format: audioFormat,
      noise_reduction: obj('RealtimeAudioConfigInput.NoiseReduction', { type: value }),
      transcription: obj('AudioTranscription', { delay: value, language: value, model: value, prompt: value }),
      turn_detection: turnDetection,
    }),
    output: obj('RealtimeAudioConfigOutput', {
      format: audioFormat,
      speed: value,
      voice: orValue(obj('RealtimeAudioConfigOutput.ID', { id: value })),
    }),
  }),
  include: value,
  instructions: value,
  max_output_tokens: value,
  model: value,
  output_modalities: value,
  parallel_tool_calls: value,
  prompt,
  reasoning,
  tool_choice: toolChoice('RealtimeToolChoiceConfig'),
  tools: tools('RealtimeToolsConfigUnion', 'RealtimeToolsConfigUnion.Mcp'),
  tracing: orValue(
    obj('RealtimeTracingConfig.TracingConfiguration', { group_id: value, metadata: opaque('free-form'), workflow_name: value }),
  ),
  truncation: orValue(
    obj('RealtimeTruncationRetentionRatio', {
      retention_ratio: value,
      type: value,
      token_limits: obj('RealtimeTruncationRetentionRatio.TokenLimits', { post_instructions: value }),
    }),
  ),
});

/** The `response` of a `response.create` (`RealtimeResponseCreateParams`), refused the same way. */
export const RESPONSE_CREATE_SHAPE: ObjectShape = obj('RealtimeResponseCreateParams', {
  audio: obj('RealtimeResponseCreateAudioOutput', {
    output: obj('RealtimeResponseCreateAudioOutput.Output', {
      format: audioFormat,
      voice: orValue(obj('RealtimeResponseCreateAudioOutput.Output.ID', { id: value })),
    }),
  }),
  conversation: value,
  input: opaque('conversation items, checked by the OpenAPI schema in the tests'),
  instructions: value,
  max_output_tokens: value,
  metadata: opaque('free-form'),
  output_modalities: value,
  parallel_tool_calls: value,
  prompt,
  reasoning,
  tool_choice: toolChoice('ToolChoiceOptions'),
  tools: {
    kind: 'array',
    of: {
      kind: 'typed',
      declaredAs: 'RealtimeResponseCreateParams.tools',
      untyped: 'function',
      variants: { function: functionTool, mcp: mcpTool('RealtimeResponseCreateMcpTool') },
    },
  },
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

/** "'a', 'b', and 'c'" as OpenAI's messages list supported values. */
function supported(values: string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

function unknownParameter(param: string): ErrorDetails {
  return { code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
}

function missingParameter(param: string): ErrorDetails {
  return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
}

function invalidType(param: string, given: unknown, expected: string): ErrorDetails {
  return { code: 'invalid_type', message: `Invalid type for '${param}': expected ${expected}, but got ${typeName(given)} instead.`, param };
}

function checkObject(shape: ObjectShape, given: Record<string, unknown>, path: string): ErrorDetails | undefined {
  for (const [key, v] of Object.entries(given)) {
    const field = shape.fields[key];
    if (!field) return unknownParameter(`${path}.${key}`);
    const problem = checkField(field, v, `${path}.${key}`);
    if (problem) return problem;
  }
  for (const key of shape.required ?? []) if (given[key] === undefined) return missingParameter(`${path}.${key}`);
  return undefined;
}

function checkTyped(shape: TypedShape, given: Record<string, unknown>, path: string): ErrorDetails | undefined {
  const type = given.type ?? shape.untyped;
  if (type === undefined) return missingParameter(`${path}.type`);
  const variant = typeof type === 'string' ? shape.variants[type] : undefined;
  if (!variant) {
    const param = `${path}.type`;
    return {
      code: 'invalid_value',
      message: `Invalid value: ${quote(type)}. Supported values are: ${supported(Object.keys(shape.variants))}.`,
      param,
    };
  }
  const problem = checkObject(variant, given, path);
  if (problem || type !== 'audio/pcm' || given.rate === 24000) return problem;
  return { code: 'invalid_value', message: `Invalid value: ${quote(given.rate)}. Supported values are: 24000.`, param: `${path}.rate` };
}

function checkField(shape: FieldShape, given: unknown, path: string): ErrorDetails | undefined {
  switch (shape.kind) {
    case 'value':
      return undefined;
    case 'or-value':
      return isObject(given) ? checkField(shape.object, given, path) : undefined;
    case 'array':
      if (!Array.isArray(given)) return given === null ? undefined : invalidType(path, given, 'an array');
      for (let i = 0; i < given.length; i++) {
        const problem = checkField(shape.of, given[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    case 'object':
    case 'typed':
      // null switches a feature off where the declarations allow it (turn_detection, prompt).
      if (given === null) return undefined;
      if (!isObject(given)) return invalidType(path, given, 'an object');
      return shape.kind === 'object' ? checkObject(shape, given, path) : checkTyped(shape, given, path);
  }
}

/**
 * The first reason the live GA server would refuse this `session.update` session object as a
 * whole (unknown field, PCM without rate, unsupported format or variant type), or undefined.
 */
export function sessionUpdateProblem(session: Record<string, unknown>): ErrorDetails | undefined {
  return checkObject(SESSION_SHAPE, session, 'session');
}

/** The same for the `response` object of a `response.create`. */
export function responseCreateProblem(response: Record<string, unknown>): ErrorDetails | undefined {
  return checkObject(RESPONSE_CREATE_SHAPE, response, 'response');
}
