import type { AppConfig, McpServerConfig } from '../config/index.js';

/** Which OpenAI voice interface a call uses (GPT-Live: gpt-live-* models). */
export const INTERFACES = ['realtime', 'live'] as const;
export type UpstreamInterface = (typeof INTERFACES)[number];

/** `generated`: the model greets following the text; `verbatim`: it says the text word for word. */
export const GREETING_MODES = ['generated', 'verbatim'] as const;
export type GreetingMode = (typeof GREETING_MODES)[number];

/** An OpenAI dashboard-managed prompt (Realtime `session.prompt`), variables filled per call. */
export interface StoredPrompt {
  id: string;
  version?: string;
  variables?: Record<string, string>;
}

type OpenAi = AppConfig['openai'];

/**
 * What can differ per call. Every field is optional: a profile only overrides the env defaults.
 * Documents (files, web answers, provider_config) spell the fields in snake_case; see profile-schema.ts.
 */
export interface AgentProfile {
  /** For records, metrics and logs; a file's name when a file profile has none. */
  name?: string;
  version?: string;
  /** Files only: metadata values (e.g. called numbers) that choose this profile. */
  match?: string[];

  instructions?: string;
  prompt?: StoredPrompt;
  greeting?: string;
  greetingMode?: GreetingMode;

  voice?: string;
  language?: string;
  model?: string;
  interface?: UpstreamInterface;

  turnDetection?: OpenAi['turnDetection'];
  eagerness?: OpenAi['eagerness'];
  vadThreshold?: number;
  vadSilenceMs?: number;
  vadPrefixPaddingMs?: number;

  transcriptionModel?: string;
  transcriptionKeywords?: string[];
  noiseReduction?: OpenAi['noiseReduction'];

  /** Allow-list over the loaded tools' names; unset offers every loaded tool. */
  tools?: string[];
  /** Replaces OPENAI_MCP_SERVERS for the call; header values may hold placeholders. */
  mcpServers?: McpServerConfig[];

  outputSpeed?: number;
  maxOutputTokens?: OpenAi['maxTokens'];
  reasoningEffort?: OpenAi['reasoningEffort'];

  /** Call guards of this call (IDLE_PROMPT_MS, IDLE_MAX_PROMPTS, MAX_CALL_SECONDS, MAX_CALL_WRAPUP_SECONDS). */
  idlePromptMs?: number;
  idleMaxPrompts?: number;
  maxCallSeconds?: number;
  maxCallWrapupSeconds?: number;
}
