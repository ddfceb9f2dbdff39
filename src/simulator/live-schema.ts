/**
 * Strict validation of GPT-Live client events, as the server does it ("a strict configuration
 * object that rejects unknown fields"): every object's allowed keys are the keys of the `openai`
 * 7.59.0 declaration it mirrors. Each shape is declared with `satisfies Record<keyof X, Rule>`, so
 * the type check fails when the declarations gain or lose a field and this file has not followed.
 * Used by the simulator's GPT-Live mode and the test fake; nothing of the SDK loads at run time.
 */
import type {
  AudioFormat,
  ClientEvent,
  CommentaryAppendEvent,
  FunctionTool,
  InputAudioAppendEvent,
  InstructionsAppendEvent,
  ResponseCreateEvent,
  ResponseItemCreateEvent,
  ResponsesDelegationConfig,
  SessionCloseEvent,
  SessionConfig,
  SessionStartEvent,
  ThinkingAppendEvent,
} from '../live/live-events.js';

type Rule = (value: unknown, path: string, problems: string[]) => void;
type Shape<T> = { [K in keyof Required<T>]: Rule };

/** A problem as the server words it: the code the error carries, and the parameter. */
export interface LiveSchemaProblem {
  code: 'unknown_parameter' | 'invalid_value' | 'missing_required_parameter' | 'invalid_type';
  param: string;
  message: string;
}

const problemsOf = (list: string[]): LiveSchemaProblem[] =>
  list.map((line) => {
    const [code, param, message] = line.split('|');
    return { code: code as LiveSchemaProblem['code'], param, message };
  });

const report = (problems: string[], code: LiveSchemaProblem['code'], path: string, message: string) =>
  problems.push(`${code}|${path}|${message}`);

const str: Rule = (v, p, out) => {
  if (typeof v !== 'string') report(out, 'invalid_type', p, `${p} must be a string`);
};
const nullableStr: Rule = (v, p, out) => {
  if (v !== null) str(v, p, out);
};
const num: Rule = (v, p, out) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) report(out, 'invalid_type', p, `${p} must be a number`);
};
const bool: Rule = (v, p, out) => {
  if (typeof v !== 'boolean') report(out, 'invalid_type', p, `${p} must be a boolean`);
};
const nullable =
  (rule: Rule): Rule =>
  (v, p, out) => {
    if (v !== null) rule(v, p, out);
  };
const oneOf =
  (...values: unknown[]): Rule =>
  (v, p, out) => {
    if (!values.includes(v)) report(out, 'invalid_value', p, `${p} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  };
const anyObject: Rule = (v, p, out) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) report(out, 'invalid_type', p, `${p} must be an object`);
};
/** Not checked here (the real server checks more than this simulator can know). */
const unchecked: Rule = () => undefined;
/** A field the SDK has but this gateway never sends: refused so a stray one shows up in tests. */
const notUsedHere: Rule = (_v, p, out) => report(out, 'invalid_value', p, `${p} is not used by this gateway`);

function object(shape: Record<string, Rule>, required: string[] = []): Rule {
  return (v, p, out) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return report(out, 'invalid_type', p, `${p} must be an object`);
    const o = v as Record<string, unknown>;
    for (const key of required)
      if (o[key] === undefined) report(out, 'missing_required_parameter', `${p}.${key}`, `Missing required parameter: '${p}.${key}'.`);
    for (const [key, value] of Object.entries(o)) {
      const rule = shape[key];
      if (!rule) report(out, 'unknown_parameter', `${p}.${key}`, `Unknown parameter: '${p}.${key}'.`);
      else if (value !== undefined) rule(value, `${p}.${key}`, out);
    }
  };
}

function array(rule: Rule, max?: number): Rule {
  return (v, p, out) => {
    if (!Array.isArray(v)) return report(out, 'invalid_type', p, `${p} must be an array`);
    if (max !== undefined && v.length > max) report(out, 'invalid_value', p, `${p} has ${v.length} entries; at most ${max}`);
    v.forEach((item, i) => rule(item, `${p}[${i}]`, out));
  };
}

/** A tagged union: the `type` (or other tag) picks the shape. */
function union(tag: string, variants: Record<string, Rule>, defaultVariant?: string): Rule {
  return (v, p, out) => {
    const t = typeof v === 'object' && v !== null ? ((v as Record<string, unknown>)[tag] ?? defaultVariant) : undefined;
    const rule = typeof t === 'string' ? variants[t] : undefined;
    if (!rule) return report(out, 'invalid_value', `${p}.${tag}`, `${p}.${tag} must be one of ${Object.keys(variants).join(', ')}`);
    rule(v, p, out);
  };
}

const audioFormat = union('type', {
  'audio/pcm': object({ type: str, rate: oneOf(16000, 24000) } satisfies Shape<AudioFormat.AudioPCM>, ['type', 'rate']),
  'audio/pcmu': object({ type: str, rate: oneOf(8000) } satisfies Shape<AudioFormat.AudioPCMU>, ['type', 'rate']),
  'audio/pcma': object({ type: str, rate: oneOf(8000) } satisfies Shape<AudioFormat.AudioPCMA>, ['type', 'rate']),
});

const voice: Rule = (v, p, out) => {
  if (typeof v === 'string') return;
  object({ id: str }, ['id'])(v, p, out);
};

const audio = object({
  format: audioFormat,
  output: object({ voice } satisfies Shape<SessionConfig.Audio.Output>),
} satisfies Shape<SessionConfig.Audio>);

const functionTool = object(
  { type: str, name: str, description: nullableStr, parameters: nullable(anyObject), strict: nullable(bool) } satisfies Shape<FunctionTool>,
  ['type', 'name'],
);

/** The docs name `function` and `web_search` entries; the SDK's wider union is not offered here. */
const delegationTool = union('type', { function: functionTool, web_search: unchecked });

const responsesConfig = object(
  {
    model: str,
    instructions: nullableStr,
    max_output_tokens: nullable((v, p, out) => {
      num(v, p, out);
      if (typeof v === 'number' && v < 16) report(out, 'invalid_value', p, `${p} must be at least 16`);
    }),
    parallel_tool_calls: nullable(bool),
    reasoning: nullable(
      object({
        effort: nullable(oneOf('none', 'minimal', 'low', 'medium', 'high', 'xhigh')),
        summary: nullable(oneOf('concise', 'detailed', 'auto')),
      } satisfies Shape<ResponsesDelegationConfig.Reasoning>),
    ),
    service_tier: nullable(oneOf('auto', 'default', 'fast_tier_temp_pilot', 'flex', 'priority', 'ultrafast')),
    text: nullable(object({ verbosity: nullable(oneOf('low', 'medium', 'high')) } satisfies Shape<ResponsesDelegationConfig.Text>)),
    tool_choice: (v, p, out) => {
      if (typeof v === 'string') return oneOf('auto', 'none', 'required')(v, p, out);
      anyObject(v, p, out);
    },
    tools: array(delegationTool),
  } satisfies Shape<ResponsesDelegationConfig>,
  ['model'],
);

const delegation = nullable(
  union('type', {
    client: object({ type: str, acknowledgement_delay_ms: num }),
    responses: object({ type: str, responses: responsesConfig, acknowledgement_delay_ms: num } satisfies Shape<SessionConfig.Responses>, [
      'type',
      'responses',
    ]),
    decisions: notUsedHere,
  }),
);

const textPart = (type: string): Rule => object({ text: str, type: oneOf(type) }, ['text']);
const messageBase = { id: nullableStr, status: nullable(oneOf('incomplete', 'completed')), type: oneOf('message') };
const initialItem = union('role', {
  developer: object({ ...messageBase, role: str, content: array(textPart('input_text'), 1) }, ['role', 'content']),
  user: object({ ...messageBase, role: str, content: array(textPart('input_text'), 1) }, ['role', 'content']),
  assistant: object(
    {
      ...messageBase,
      role: str,
      content: array(union('type', { text: textPart('text'), output_text: textPart('output_text') }, 'text'), 1),
    },
    ['role', 'content'],
  ),
});

const sessionConfig = object(
  {
    model: str,
    audio,
    client: notUsedHere,
    delegation,
    input: array(initialItem, 128),
    instructions: nullableStr,
    safety_identifier: nullableStr,
    store: bool,
    triggers: notUsedHere,
  } satisfies Shape<SessionConfig>,
  ['model'],
);

const eventId = nullableStr;
const delegationId: Rule = (v, p, out) => {
  // "Non-null IDs are not accepted with Responses delegation" (the only mode this gateway uses).
  if (v !== null) report(out, 'invalid_value', p, `${p} must be null with Responses delegation`);
};
const appendShape = { type: str, event_id: eventId, content: str, delegation_id: delegationId };

/** Tool results and typed user messages: the two input items the docs use on Live. */
const responseItem = union('type', {
  function_call_output: object({ type: str, call_id: str, output: str, id: nullableStr }, ['type', 'call_id', 'output']),
  message: object({ type: str, role: oneOf('user'), content: array(textPart('input_text')) }, ['role', 'content']),
});

const CLIENT_EVENTS: Partial<Record<ClientEvent['type'], Rule>> = {
  'session.start': object({ type: str, event_id: eventId, session: sessionConfig } satisfies Shape<SessionStartEvent>, ['session']),
  'session.input_audio.append': object({ type: str, event_id: eventId, audio: str } satisfies Shape<InputAudioAppendEvent>, ['audio']),
  'session.instructions.append': object(appendShape satisfies Shape<InstructionsAppendEvent>, ['content', 'delegation_id']),
  'session.thinking.append': object(appendShape satisfies Shape<ThinkingAppendEvent>, ['content', 'delegation_id']),
  'session.commentary.append': object(appendShape satisfies Shape<CommentaryAppendEvent>, ['content', 'delegation_id']),
  'response.item.create': object({ type: str, event_id: eventId, item: responseItem } satisfies Shape<ResponseItemCreateEvent>, ['item']),
  'response.create': object({ type: str, event_id: eventId } satisfies Shape<ResponseCreateEvent>),
  'session.close': object({ type: str, event_id: eventId } satisfies Shape<SessionCloseEvent>),
};

/** Longest append content in characters: 500 tokens at the most generous 4 characters a token. */
const LIVE_APPEND_MAX_CHARS = 2000;

/**
 * The problems of one client event (empty when the server would take it). Event types of the SDK
 * this gateway never sends (session.update, mute, fixtures, decisions) are refused as unknown.
 */
export function validateLiveClientEvent(event: unknown): LiveSchemaProblem[] {
  const out: string[] = [];
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  const rule = typeof type === 'string' ? CLIENT_EVENTS[type as ClientEvent['type']] : undefined;
  if (!rule) {
    report(out, 'invalid_value', 'type', `Invalid value: '${String(type).slice(0, 60)}'. Unknown or unsupported client event type.`);
    return problemsOf(out);
  }
  rule(event, 'event', out);
  const content = (event as { content?: unknown }).content;
  if (typeof content === 'string' && content.length > LIVE_APPEND_MAX_CHARS) {
    report(out, 'invalid_value', 'content', `content exceeds 500 tokens (${content.length} characters)`);
  }
  return problemsOf(out).map((p) => ({ ...p, param: p.param.replace(/^event\./, '') }));
}
