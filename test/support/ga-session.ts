/**
 * A GA `session.update` session with every field the declarations have and the live server takes:
 * the accepted baseline of both client-event validators' specs, which change one field at a time.
 */
export const GA_SESSION = {
  type: 'realtime',
  instructions: 'Be brief.',
  output_modalities: ['audio'],
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
      noise_reduction: { type: 'near_field' },
      turn_detection: {
        type: 'server_vad',
        threshold: 0.5,
        prefix_padding_ms: 300,
        silence_duration_ms: 500,
        create_response: true,
        interrupt_response: true,
      },
    },
    output: { format: { type: 'audio/pcmu' }, voice: 'marin', speed: 1 },
  },
  tools: [
    {
      type: 'function',
      name: 'avr_hangup',
      description: 'End the call',
      parameters: { type: 'object', properties: { anything: { type: 'string' } } },
    },
    {
      type: 'mcp',
      server_label: 'crm',
      server_url: 'https://crm.example',
      require_approval: 'never',
      allowed_tools: { tool_names: ['find'] },
    },
  ],
  tool_choice: 'auto',
  max_output_tokens: 'inf',
  reasoning: { effort: 'low' },
  tracing: 'auto',
  truncation: { type: 'retention_ratio', retention_ratio: 0.8, token_limits: { post_instructions: 1000 } },
  prompt: { id: 'pmpt_1', variables: { city: 'Paris', logo: { type: 'input_image', image_url: 'https://x', detail: 'auto' } } },
};
