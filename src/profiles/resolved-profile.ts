import type { AppConfig, McpServerConfig } from '../config/index.js';
import type { AgentProfile, GreetingMode, StoredPrompt, UpstreamInterface } from './agent-profile.js';
import { interfaceOfModel } from './profile-schema.js';
import type { ProfileSourceName, SourcedProfile } from './profile-source.js';
import { fillTemplate, type TemplateValues } from './profile-template.js';

/** The call-guard settings a profile carries; unset means the env setting (or no guard). */
export interface GuardSettings {
  idlePromptMs?: number;
  idleMaxPrompts?: number;
  maxCallSeconds?: number;
  maxCallWrapupSeconds?: number;
}

/** One call's effective settings: the env defaults overlaid by its profile, placeholders filled. */
export interface ResolvedProfile {
  /** For the call record, metrics and the call's log line. */
  name: string;
  version?: string;
  source: ProfileSourceName;
  /** Same shape as the env's `openai` settings, so the session builders take it as they are. */
  openai: AppConfig['openai'];
  interface: UpstreamInterface;
  /** The profile's own instructions; unset: the instructions sources decide (see instructionsFor). */
  instructions?: string;
  /** A stored prompt (Realtime); with it and no instructions, no instructions are sent at all. */
  prompt?: StoredPrompt;
  /** Unset: GREETING_MODE decides. */
  greetingMode?: GreetingMode;
  outputSpeed?: number;
  transcriptionKeywords?: string[];
  /** Allow-list over the loaded tools' names; unset offers every loaded tool. */
  tools?: string[];
  guards: GuardSettings;
  /**
   * The model or interface differs from the env defaults: the upstream connection depends on the
   * profile, so it cannot be opened before the profile is known.
   */
  changesConnection: boolean;
  /** The call's placeholder values, for instructions that come from the instructions sources. */
  placeholders: TemplateValues;
}

/** The `openai` settings a profile sets under their own names, each replacing the env's when set. */
const SAME_NAMED_SETTINGS = [
  'model',
  'voice',
  'language',
  'reasoningEffort',
  'transcriptionModel',
  'turnDetection',
  'eagerness',
  'vadThreshold',
  'vadSilenceMs',
  'vadPrefixPaddingMs',
  'noiseReduction',
] as const satisfies ReadonlyArray<keyof AgentProfile & keyof AppConfig['openai']>;

/** Overlays a profile on the env defaults; `onUnknown` hears each placeholder name with no value. */
export function overlay(
  config: AppConfig,
  sourced: SourcedProfile,
  source: ProfileSourceName,
  placeholders: TemplateValues,
  onUnknown: (name: string) => void,
): ResolvedProfile {
  const p = sourced.profile;
  const fill = (text: string): string => {
    const filled = fillTemplate(text, placeholders);
    filled.unknown.forEach(onUnknown);
    return filled.text;
  };
  const env = config.openai;
  const greeting = p.greeting ?? env.greeting;
  const mcpServers = p.mcpServers ?? env.mcpServers;
  const openai: AppConfig['openai'] = {
    ...env,
    ...definedOnly(pick(p, SAME_NAMED_SETTINGS)),
    maxTokens: p.maxOutputTokens ?? env.maxTokens,
    greeting: greeting === undefined ? undefined : fill(greeting),
    mcpServers: mcpServers.map((s) => withFilledHeaders(s, fill)),
  };
  const envInterface = interfaceOfModel(env.model) ?? 'realtime';
  const callInterface = p.interface ?? interfaceOfModel(p.model) ?? envInterface;
  return {
    name: sourced.name,
    ...(sourced.version ? { version: sourced.version } : {}),
    source,
    openai,
    interface: callInterface,
    ...(p.instructions ? { instructions: fill(p.instructions) } : {}),
    ...(p.prompt ? { prompt: withFilledVariables(p.prompt, fill) } : {}),
    ...(p.greetingMode ? { greetingMode: p.greetingMode } : {}),
    ...(p.outputSpeed !== undefined ? { outputSpeed: p.outputSpeed } : {}),
    ...(p.transcriptionKeywords ? { transcriptionKeywords: p.transcriptionKeywords } : {}),
    ...(p.tools ? { tools: p.tools } : {}),
    guards: definedOnly({
      idlePromptMs: p.idlePromptMs,
      idleMaxPrompts: p.idleMaxPrompts,
      maxCallSeconds: p.maxCallSeconds,
      maxCallWrapupSeconds: p.maxCallWrapupSeconds,
    }),
    changesConnection: openai.model !== env.model || callInterface !== envInterface,
    placeholders,
  };
}

function withFilledHeaders(server: McpServerConfig, fill: (text: string) => string): McpServerConfig {
  if (!server.headers) return server;
  return { ...server, headers: Object.fromEntries(Object.entries(server.headers).map(([k, v]) => [k, fill(v)])) };
}

function withFilledVariables(prompt: StoredPrompt, fill: (text: string) => string): StoredPrompt {
  if (!prompt.variables) return prompt;
  return { ...prompt, variables: Object.fromEntries(Object.entries(prompt.variables).map(([k, v]) => [k, fill(v)])) };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
