import { loadConfig } from '../config/index.js';
import { validateClientEvent } from '../../test/support/realtime-schema.js';
import type { RealtimeSessionCreateRequest } from './realtime-events.js';
import { buildSessionUpdate, isReasoningModel } from './session-update.js';

function openai(env: Record<string, string>) {
  return loadConfig({ OPENAI_REALTIME_URL: 'simulator', ...env }).openai;
}

describe('buildSessionUpdate', () => {
  it('gives the 2.x reasoning models reasoning effort and no temperature', () => {
    const ev = buildSessionUpdate(openai({ OPENAI_MODEL: 'gpt-realtime-2.1-mini', OPENAI_REASONING_EFFORT: 'medium' }), 'x', []);
    expect(ev.session).toMatchObject({ reasoning: { effort: 'medium' } });
    expect((ev.session as { temperature?: number }).temperature).toBeUndefined();
    expect((ev.session as { model?: string }).model).toBeUndefined();
    expect(validateClientEvent(ev)).toEqual([]);
  });

  it('never sends temperature or model, which the live GA server refuses with the whole update', () => {
    const ev = buildSessionUpdate(openai({ OPENAI_MODEL: 'gpt-realtime-1.5', OPENAI_TEMPERATURE: '0.7' }), 'x', []);
    expect(Object.keys(ev.session)).not.toContain('temperature');
    expect(Object.keys(ev.session)).not.toContain('model');
    expect((ev.session as { reasoning?: unknown }).reasoning).toBeUndefined();
    expect(isReasoningModel('gpt-realtime-2')).toBe(true);
    expect(isReasoningModel('gpt-realtime-1.5')).toBe(false);
  });

  it('asks for G.711 mu-law both ways in pcmu mode', () => {
    const ev = buildSessionUpdate(openai({ OPENAI_AUDIO_FORMAT: 'pcmu' }), 'x', []);
    const session = ev.session as { audio: { input: { format: unknown }; output: { format: unknown } } };
    expect(session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(session.audio.output.format).toEqual({ type: 'audio/pcmu' });
    expect(validateClientEvent(ev)).toEqual([]);
  });

  it('maps turn detection settings', () => {
    const none = buildSessionUpdate(openai({ OPENAI_TURN_DETECTION: 'none' }), 'x', []);
    expect((none.session as { audio: { input: { turn_detection: unknown } } }).audio.input.turn_detection).toBeNull();
    const semantic = buildSessionUpdate(
      openai({ OPENAI_TURN_DETECTION: 'semantic_vad', OPENAI_TURN_DETECTION_EAGERNESS: 'high' }),
      'x',
      [],
    );
    expect((semantic.session as { audio: { input: { turn_detection: unknown } } }).audio.input.turn_detection).toMatchObject({
      type: 'semantic_vad',
      eagerness: 'high',
    });
    expect(validateClientEvent(none)).toEqual([]);
    expect(validateClientEvent(semantic)).toEqual([]);
  });

  it('offers remote MCP servers as mcp tools next to the function tools', () => {
    const env = {
      OPENAI_MCP_SERVERS: JSON.stringify([
        { server_label: 'crm', server_url: 'https://mcp.example.com/sse', allowed_tools: ['find_customer'], headers: { 'X-Key': 'k' } },
      ]),
    };
    const fn = { type: 'function' as const, name: 'order_status', description: 'd', parameters: { type: 'object', properties: {} } };
    const ev = buildSessionUpdate(openai(env), 'x', [fn]);
    expect((ev.session as RealtimeSessionCreateRequest).tools).toEqual([
      fn,
      {
        type: 'mcp',
        server_label: 'crm',
        server_url: 'https://mcp.example.com/sse',
        allowed_tools: ['find_customer'],
        headers: { 'X-Key': 'k' },
        require_approval: 'never',
      },
    ]);
    expect(validateClientEvent(ev)).toEqual([]);
  });

  it('passes OPENAI_NOISE_REDUCTION to the session as configured, and leaves it out when none', () => {
    for (const type of ['near_field', 'far_field'] as const) {
      const ev = buildSessionUpdate(openai({ OPENAI_NOISE_REDUCTION: type }), 'x', []);
      expect((ev.session as RealtimeSessionCreateRequest).audio?.input?.noise_reduction).toEqual({ type });
      expect(validateClientEvent(ev)).toEqual([]);
    }
    const none = buildSessionUpdate(openai({ OPENAI_NOISE_REDUCTION: 'none' }), 'x', []);
    expect(Object.keys((none.session as RealtimeSessionCreateRequest).audio?.input ?? {})).not.toContain('noise_reduction');
  });

  it('offers MCP servers even when there is no function tool', () => {
    const env = { OPENAI_MCP_SERVERS: JSON.stringify([{ server_label: 'crm', server_url: 'https://mcp.example.com/sse' }]) };
    const ev = buildSessionUpdate(openai(env), 'x', []);
    const session = ev.session as RealtimeSessionCreateRequest;
    expect(session.tools).toEqual([
      { type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example.com/sse', require_approval: 'never' },
    ]);
    expect(session.tool_choice).toBe('auto');
    expect(validateClientEvent(ev)).toEqual([]);
  });

  it('accepts reasoning effort xhigh for the reasoning models', () => {
    const ev = buildSessionUpdate(openai({ OPENAI_MODEL: 'gpt-realtime-2', OPENAI_REASONING_EFFORT: 'xhigh' }), 'x', []);
    expect((ev.session as RealtimeSessionCreateRequest).reasoning).toEqual({ effort: 'xhigh' });
  });

  describe("a call's profile extras", () => {
    it('sends a stored prompt with its filled variables, and no instructions when there is no text', () => {
      const ev = buildSessionUpdate(openai({}), '', [], { prompt: { id: 'pmpt_1', version: '4', variables: { caller: '+33611' } } });
      const session = ev.session as RealtimeSessionCreateRequest;
      expect(session.prompt).toEqual({ id: 'pmpt_1', version: '4', variables: { caller: '+33611' } });
      expect('instructions' in session).toBe(false);
      expect(validateClientEvent(ev)).toEqual([]);
    });

    it('keeps instructions text next to a stored prompt when there is some', () => {
      const session = buildSessionUpdate(openai({}), 'Be brief.', [], { prompt: { id: 'pmpt_1' } }).session as RealtimeSessionCreateRequest;
      expect([session.instructions, session.prompt]).toEqual(['Be brief.', { id: 'pmpt_1' }]);
    });

    it('sends the output speed and the transcription keywords (as the transcription prompt)', () => {
      const ev = buildSessionUpdate(openai({ OPENAI_TRANSCRIPTION_MODEL: 'whisper-1' }), 'x', [], {
        outputSpeed: 1.25,
        transcriptionKeywords: ['Acme', 'ZX-81'],
      });
      const session = ev.session as RealtimeSessionCreateRequest;
      expect(session.audio?.output?.speed).toBe(1.25);
      expect(session.audio?.input?.transcription).toMatchObject({ prompt: 'Acme, ZX-81' });
      expect(validateClientEvent(ev)).toEqual([]);
    });

    it('sends no transcription prompt to a transcription model that takes none', () => {
      const ev = buildSessionUpdate(openai({ OPENAI_TRANSCRIPTION_MODEL: 'gpt-realtime-whisper' }), 'x', [], {
        transcriptionKeywords: ['Acme'],
      });
      expect((ev.session as RealtimeSessionCreateRequest).audio?.input?.transcription).toEqual({ model: 'gpt-realtime-whisper' });
    });

    it('sends nothing of them when the profile sets none (the env-only session is unchanged)', () => {
      expect(buildSessionUpdate(openai({}), 'x', [], {})).toEqual(buildSessionUpdate(openai({}), 'x', []));
    });
  });
});
