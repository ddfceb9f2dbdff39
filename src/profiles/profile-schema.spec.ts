import { validateProfile } from './profile-schema.js';

const problemsOf = (doc: unknown): string[] => {
  const result = validateProfile(doc);
  return result.ok ? [] : result.problems;
};

describe('validateProfile', () => {
  it('turns a snake_case document into a profile', () => {
    /** Each field as the document spells it, as the profile names it, and its value. */
    const fields: Array<[string, string, unknown]> = [
      ['name', 'name', 'sales'],
      ['version', 'version', '3'],
      ['voice', 'voice', 'cedar'],
      ['greeting', 'greeting', 'Hello from sales'],
      ['greeting_mode', 'greetingMode', 'verbatim'],
      ['vad_silence_ms', 'vadSilenceMs', 700],
      ['turn_detection', 'turnDetection', 'semantic_vad'],
      ['eagerness', 'eagerness', 'high'],
      ['tools', 'tools', ['avr_transfer', 'get_weather']],
      ['max_output_tokens', 'maxOutputTokens', 'inf'],
      ['output_speed', 'outputSpeed', 1.2],
      ['idle_prompt_ms', 'idlePromptMs', 8000],
      ['prompt', 'prompt', { id: 'pmpt_123', version: '2', variables: { city: 'Paris' } }],
      ['mcp_servers', 'mcpServers', [{ server_label: 'crm', server_url: 'https://crm.example/mcp', headers: { 'X-Call': '{{uuid}}' } }]],
    ];
    const doc = Object.fromEntries(fields.map(([snake, , value]) => [snake, value]));
    const profile = Object.fromEntries(fields.map(([, camel, value]) => [camel, value]));
    expect(validateProfile(doc)).toEqual({ ok: true, profile });
  });

  it.each([
    [{ vad_silence_ms: 20000 }, "field 'vad_silence_ms': 20000 is out of range (integer 0 to 10000, as OPENAI_VAD_SILENCE_MS)"],
    [{ vad_silence_ms: 12.5 }, "field 'vad_silence_ms': 12.5 is not an integer (integer 0 to 10000, as OPENAI_VAD_SILENCE_MS)"],
    [{ vad_threshold: '0.5' }, 'field \'vad_threshold\': "0.5" is not a number (0 to 1, as OPENAI_VAD_THRESHOLD)'],
    [
      { turn_detection: 'sometimes' },
      'field \'turn_detection\': "sometimes" is not allowed (one of server_vad, semantic_vad, none, as OPENAI_TURN_DETECTION)',
    ],
    [
      { reasoning_effort: 'extreme' },
      'field \'reasoning_effort\': "extreme" is not allowed (one of minimal, low, medium, high, xhigh, as OPENAI_REASONING_EFFORT)',
    ],
    [
      { noise_reduction: 'studio' },
      'field \'noise_reduction\': "studio" is not allowed (one of near_field, far_field, none, as OPENAI_NOISE_REDUCTION)',
    ],
    [
      { max_output_tokens: 5000 },
      'field \'max_output_tokens\': 5000 is not a token limit (integer 1 to 4096 or "inf", as OPENAI_MAX_TOKENS)',
    ],
    [{ output_speed: 2 }, "field 'output_speed': 2 is out of range (0.25 to 1.5)"],
    [{ interface: 'sip' }, 'field \'interface\': "sip" is not allowed (one of realtime, live, as OPENAI_INTERFACE)'],
    [{ greeting_mode: 'sung' }, 'field \'greeting_mode\': "sung" is not allowed (one of generated, verbatim, as GREETING_MODE)'],
    [{ voice: '' }, "field 'voice': is empty"],
    [{ voice: 42 }, "field 'voice': 42 is not text"],
    [{ model: 'gpt\nrealtime' }, "field 'model': holds control characters"],
    [{ tools: 'avr_hangup' }, 'field \'tools\': "avr_hangup" is not a list'],
    [{ tools: ['avr hangup'] }, 'field \'tools\': item 0 "avr hangup" is not a tool name'],
    [
      { mcp_servers: [{ server_label: 'x' }] },
      "field 'mcp_servers': item 0 has no http(s) server_url (a list of {server_label, server_url, headers?, allowed_tools?}, as OPENAI_MCP_SERVERS)",
    ],
    [
      { mcp_servers: [{ server_label: 'x', server_url: 'https://x', headers: { a: 1 } }] },
      "field 'mcp_servers': item 0 headers 'a' is 1, not text",
    ],
    [{ prompt: { version: '1' } }, "field 'prompt': has no id"],
    [{ prompt: { id: 'p', vars: {} } }, "field 'prompt': 'vars' is not a prompt field (id, version, variables)"],
    [{ voise: 'cedar' }, "field 'voise': not a profile field"],
    [{ match: [5001] }, 'field \'match\': item 0 5001 is a number: quote it ("5001") so a leading + or 0 is kept'],
  ])('refuses %j naming the field and the rule', (doc, problem) => {
    expect(problemsOf(doc)).toEqual([problem]);
  });

  it('reports every bad field at once', () => {
    expect(problemsOf({ voice: 1, vad_threshold: 3, colour: 'blue' })).toHaveLength(3);
  });

  it('refuses a stored prompt on a GPT-Live profile, which has no such field', () => {
    expect(problemsOf({ model: 'gpt-live-1', prompt: { id: 'pmpt_1' } })).toEqual([
      "field 'prompt': stored prompts are a Realtime feature, and this profile's interface is live",
    ]);
    expect(problemsOf({ interface: 'realtime', model: 'gpt-live-1', prompt: { id: 'pmpt_1' } })).toEqual([]);
  });

  it('refuses a tool allow-list naming a tool the service does not offer, as AVR_TOOLS does', () => {
    const context = { toolNames: ['avr_transfer', 'avr_hangup'] };
    expect(validateProfile({ tools: ['avr_transfer'] }, context)).toEqual({ ok: true, profile: { tools: ['avr_transfer'] } });
    expect(validateProfile({ tools: ['avr_transfer', 'avr_transfr'] }, context)).toEqual({
      ok: false,
      problems: ['field \'tools\': there is no tool named "avr_transfr" (tools: avr_transfer, avr_hangup)'],
    });
  });

  it('treats an explicit null as "keep the default"', () => {
    expect(validateProfile({ voice: null, greeting: 'Hi' })).toEqual({ ok: true, profile: { greeting: 'Hi' } });
  });

  it.each([null, 'voice: cedar', [1, 2], 7])('refuses a document that is not an object: %j', (doc) => {
    expect(problemsOf(doc)).toHaveLength(1);
    expect(problemsOf(doc)[0]).toMatch(/^the profile is .*, not an object$/);
  });

  it('does not let a __proto__ key through', () => {
    const doc = JSON.parse('{"__proto__": {"voice": "x"}, "voice": "cedar"}') as unknown;
    expect(problemsOf(doc)).toEqual(["field '__proto__': not a profile field"]);
  });
});
