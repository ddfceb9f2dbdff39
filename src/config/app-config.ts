import { urlSecrets } from '../logging/redaction.js';
import { Env, EnvReader, VarDoc } from './env-reader.js';
import { readGuardsConfig, type GuardsConfig } from './guards-config.js';
import { DEFAULT_LIVE_BACKEND_MODEL, isLiveVoice, LIVE_VOICES } from './live-voices.js';

export const DEFAULT_INSTRUCTIONS = 'You are a helpful assistant that can answer questions and help with tasks.';
export const SIMULATOR_URL = 'simulator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const TURN_DETECTIONS = ['server_vad', 'semantic_vad', 'none'] as const;
export const EAGERNESS = ['low', 'medium', 'high', 'auto'] as const;
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export const NOISE_REDUCTIONS = ['near_field', 'far_field', 'none'] as const;
export const AUDIO_FORMATS = ['pcm16', 'pcmu'] as const;
export const SIMULATOR_REPLIES = ['echo', 'tones'] as const;
/** The largest integer OPENAI_MAX_TOKENS (and a profile's max_output_tokens) may be; "inf" is the other allowed value. */
export const MAX_OUTPUT_TOKENS = 4096;
/** Which OpenAI voice interface a call uses: Realtime (`/v1/realtime`) or GPT-Live (`/v1/live/sessions`). */
export const OPENAI_INTERFACES = ['realtime', 'live'] as const;
/** The upstream audio formats GPT-Live's WebSocket takes (pcm 24 kHz, mu-law 8 kHz; see gpt-live.md §c.1). */
const LIVE_AUDIO_FORMATS: readonly (typeof AUDIO_FORMATS)[number][] = ['pcm16', 'pcmu'];
const DEFAULT_LIVE_URL = 'wss://api.openai.com/v1/live/sessions';
const DEFAULT_LIVE_MODEL = 'gpt-live-1';

/** The interface a model name implies: `gpt-live-*` is GPT-Live, anything else Realtime. */
function interfaceForModel(model: string): (typeof OPENAI_INTERFACES)[number] {
  return /^gpt-live(-|$)/.test(model) ? 'live' : 'realtime';
}

export interface McpServerConfig {
  server_label: string;
  server_url: string;
  headers?: Record<string, string>;
  allowed_tools?: string[];
}

export interface AppConfig {
  server: {
    port: number;
    host: string;
    logLevel: (typeof LOG_LEVELS)[number];
    maxConcurrentCalls: number;
    maxMessageBytes: number;
    shutdownGraceMs: number;
    authToken?: string;
    metricsAuthToken?: string;
    /** A WebSocket that has not sent `init` within this is closed. */
    initTimeoutMs: number;
    /** WebSockets open without `init` at once; they count against MAX_CONCURRENT_CALLS too. */
    maxPendingConnections: number;
    /** A WebSocket call with no caller audio for this long is ended (0: never). */
    clientIdleMs: number;
    /** Messages per second one WebSocket connection may send before it is closed. */
    maxMessagesPerSecond: number;
    /** A WebSocket call whose connection is lost waits this long for AVR core to reconnect (0: never). */
    clientResumeMs: number;
    /** After a call ends in failure, a comeback with its uuid is held this long without an upstream session. */
    failedCallHoldMs: number;
  };
  openai: {
    apiKey?: string;
    /** Full upstream base URL, or SIMULATOR_URL for the built-in simulated upstream. */
    realtimeUrl: string;
    model: string;
    voice: string;
    language?: string;
    temperature: number;
    reasoningEffort: (typeof REASONING_EFFORTS)[number];
    maxTokens: number | 'inf';
    transcriptionModel: string;
    turnDetection: (typeof TURN_DETECTIONS)[number];
    eagerness: (typeof EAGERNESS)[number];
    vadThreshold: number;
    vadSilenceMs: number;
    vadPrefixPaddingMs: number;
    noiseReduction: (typeof NOISE_REDUCTIONS)[number];
    audioFormat: (typeof AUDIO_FORMATS)[number];
    greeting?: string;
    connectTimeoutMs: number;
    heartbeatMs: number;
    /** Bytes written to one upstream socket and not yet taken by it, beyond which caller audio is dropped. */
    maxSendBufferBytes: number;
    mcpServers: McpServerConfig[];
    /** Realtime or GPT-Live; defaults from the model name. */
    interface: (typeof OPENAI_INTERFACES)[number];
    /** GPT-Live endpoint (no query), or SIMULATOR_URL for the built-in simulator in GPT-Live mode. */
    liveUrl: string;
    /** Responses model GPT-Live delegates tool use to. */
    liveBackendModel: string;
  };
  instructions: {
    text?: string;
    url?: string;
    file?: string;
    timeoutMs: number;
    maxBytes: number;
    defaultText: string;
  };
  audio: {
    /** Caller audio kept while the upstream is not ready; the oldest is dropped beyond it. */
    prebufferMs: number;
    /** Caller audio is appended upstream in batches of at least this many milliseconds. */
    appendBatchMs: number;
    /** Agent audio the client has not yet read, per call, before the call is ended. */
    maxClientBufferBytes: number;
    /** HTTP transport: how long the agent may finish speaking after the request body ends. */
    httpEndGraceMs: number;
  };
  tools: {
    amiUrl: string;
    amiTimeoutMs: number;
    dir: string;
    enabled?: string[];
    timeoutMs: number;
    /** Tool handlers one call may have running at once; further calls are answered with an error at once. */
    maxConcurrentPerCall: number;
    /** How long a hangup/transfer waits for the agent's last words to reach the caller. */
    callControlWaitMs: number;
  };
  continuity: {
    maxReconnectAttempts: number;
    reconnectBaseMs: number;
    maxSessionsPerMinute: number;
    rotateAfterMs: number;
    replayBudgetChars: number;
    maxConversationItems: number;
    reresolveInstructions: boolean;
  };
  records: {
    url?: string;
    authHeader?: string;
    includeTranscripts: boolean;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    concurrency: number;
    maxQueue: number;
    /** Bytes of pending (serialised) records before the oldest is dropped. */
    maxQueueBytes: number;
  };
  simulator: {
    reply: (typeof SIMULATOR_REPLIES)[number];
    sessionLimitMs: number;
  };
  profiles: {
    url?: string;
    /** Sent as the Authorization header to the profile web service; a secret. */
    authHeader?: string;
    timeoutMs: number;
    maxBytes: number;
    dir?: string;
    /** Call metadata keys whose value picks a profile file, first present wins. */
    select: string[];
    /** Profile fields a call's init.provider_config may set; none when unset. */
    providerConfigFields: string[];
    /** IANA time zone of {{today}} and {{now}}. */
    timezone: string;
  };
  guards: GuardsConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
  }
}

function read(env: Env): { config: AppConfig; problems: string[]; docs: VarDoc[] } {
  const r = new EnvReader(env);
  const server: AppConfig['server'] = {
    port: r.int('PORT', 6030, 0, 65535, 'The one TCP port for WebSocket, HTTP stream, health and metrics'),
    host: r.string('HOST', '0.0.0.0', 'Interface to listen on'),
    logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS, 'Log level of the JSON logs'),
    maxConcurrentCalls: r.int('MAX_CONCURRENT_CALLS', 500, 1, 100000, 'Calls beyond this are refused (WebSocket close 1013, HTTP 503)'),
    maxMessageBytes: r.int('MAX_MESSAGE_BYTES', 262144, 1024, 16777216, 'Largest WebSocket message accepted from AVR core'),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 300000, 0, 86400000, 'On SIGTERM, how long live calls may go on before they are closed'),
    authToken: r.optionalString('AUTH_TOKEN', 'When set, calls must present it (?token= or Authorization: Bearer)', { secret: true }),
    metricsAuthToken: r.optionalString('METRICS_AUTH_TOKEN', 'When set, GET /metrics requires Authorization: Bearer <it>', {
      secret: true,
    }),
    initTimeoutMs: r.int('INIT_TIMEOUT_MS', 5000, 100, 120000, 'A WebSocket that sends no init within this is closed (1008)'),
    maxPendingConnections: r.int(
      'MAX_PENDING_CONNECTIONS',
      200,
      1,
      100000,
      'WebSockets open without init at once (also counted against MAX_CONCURRENT_CALLS); more are closed 1013',
    ),
    clientIdleMs: r.int(
      'CLIENT_IDLE_MS',
      15000,
      0,
      3600000,
      'A WebSocket call with no caller audio this long (from init on) is ended; 0: never',
    ),
    clientResumeMs: r.int(
      'CLIENT_RESUME_MS',
      1500,
      0,
      60000,
      'A WebSocket closed other than with 1000 leaves its call alive this long; an init with its uuid re-attaches; 0: never',
    ),
    failedCallHoldMs: r.int(
      'FAILED_CALL_HOLD_MS',
      30000,
      0,
      600000,
      'After a call ends in failure, a new init (or X-UUID POST) with its uuid is held this long: no new upstream session, audio discarded; 0: off',
    ),
    maxMessagesPerSecond: r.int(
      'MAX_MESSAGES_PER_SECOND',
      500,
      60,
      1000000,
      'Messages per second one WebSocket may send (AVR core sends 50) before it is closed (1008)',
    ),
  };

  const realtimeUrl = r.url(
    'OPENAI_REALTIME_URL',
    'wss://api.openai.com/v1/realtime',
    ['wss:', 'ws:'],
    'Upstream Realtime endpoint (OpenAI, Azure, a proxy) or "simulator" for the built-in simulated upstream',
    [SIMULATOR_URL],
  );
  const maxTokensRaw = r.string('OPENAI_MAX_TOKENS', 'inf', 'Max output tokens per response: an integer 1-4096 or inf');
  const parsedMaxTokens = parseMaxTokens(maxTokensRaw);
  if (parsedMaxTokens === undefined)
    r.problem(`OPENAI_MAX_TOKENS=${maxTokensRaw}: not a valid token limit (integer 1 to ${MAX_OUTPUT_TOKENS}, or inf)`);
  const maxTokens = parsedMaxTokens ?? 'inf';
  const openai: AppConfig['openai'] = {
    apiKey: r.optionalString('OPENAI_API_KEY', 'OpenAI (or Azure) API key; required unless OPENAI_REALTIME_URL=simulator', {
      secret: true,
    }),
    realtimeUrl,
    model: r.string(
      'OPENAI_MODEL',
      'gpt-realtime-2.1',
      'Realtime or GPT-Live model (Azure: the deployment name); unset with OPENAI_INTERFACE=live: gpt-live-1',
    ),
    voice: r.string('OPENAI_VOICE', 'marin', 'Agent voice'),
    language: r.optionalString('OPENAI_LANGUAGE', 'Caller language for transcription (ISO 639-1, e.g. en); unset: detected'),
    temperature: r.number(
      'OPENAI_TEMPERATURE',
      0.8,
      0.6,
      1.2,
      'Accepted so old env files keep working; has no effect (the GA server refuses a temperature, start-up warns)',
    ),
    reasoningEffort: r.oneOf(
      'OPENAI_REASONING_EFFORT',
      'low',
      REASONING_EFFORTS,
      'Reasoning effort for the reasoning models (gpt-realtime-2*)',
    ),
    maxTokens,
    transcriptionModel: r.string(
      'OPENAI_TRANSCRIPTION_MODEL',
      'gpt-realtime-whisper',
      'Model transcribing the caller (default: a current model; gpt-4o-mini-transcribe and gpt-4o-transcribe shut down on 2027-02-26)',
    ),
    turnDetection: r.oneOf('OPENAI_TURN_DETECTION', 'server_vad', TURN_DETECTIONS, 'Turn detection of the upstream'),
    eagerness: r.oneOf('OPENAI_TURN_DETECTION_EAGERNESS', 'auto', EAGERNESS, 'Eagerness for semantic_vad'),
    vadThreshold: r.number('OPENAI_VAD_THRESHOLD', 0.5, 0, 1, 'server_vad activation threshold'),
    vadSilenceMs: r.int('OPENAI_VAD_SILENCE_MS', 500, 0, 10000, 'server_vad silence that ends a caller turn'),
    vadPrefixPaddingMs: r.int('OPENAI_VAD_PREFIX_PADDING_MS', 300, 0, 10000, 'server_vad audio kept before detected speech'),
    noiseReduction: r.oneOf('OPENAI_NOISE_REDUCTION', 'near_field', NOISE_REDUCTIONS, 'Input noise reduction'),
    audioFormat: r.oneOf(
      'OPENAI_AUDIO_FORMAT',
      'pcm16',
      AUDIO_FORMATS,
      'Upstream audio: pcm16 (24 kHz via our resampler) or pcmu (G.711 8 kHz); unset on GPT-Live: pcmu',
    ),
    greeting: r.optionalString('OPENAI_GREETING', 'When set, the agent speaks first, following this text'),
    connectTimeoutMs: r.int('OPENAI_CONNECT_TIMEOUT_MS', 10000, 100, 120000, 'Upstream connect and first-event timeout'),
    heartbeatMs: r.int('OPENAI_HEARTBEAT_MS', 10000, 100, 300000, 'Upstream ping interval; no pong by the next ping counts as a drop'),
    maxSendBufferBytes: r.int(
      'OPENAI_MAX_SEND_BUFFER_BYTES',
      327680,
      16384,
      67108864,
      'Bytes queued for one upstream connection that is not reading (about 5 s of 24 kHz PCM16 as base64) beyond which caller audio is dropped, counted and logged once',
    ),
    mcpServers:
      r.json<McpServerConfig[]>(
        'OPENAI_MCP_SERVERS',
        'Remote MCP servers offered to the model',
        'a JSON list of {server_label, server_url, headers?, allowed_tools?}',
        checkMcpServers,
      ) ?? [],
    interface: 'realtime',
    liveUrl: r.url(
      'OPENAI_LIVE_URL',
      DEFAULT_LIVE_URL,
      ['wss:', 'ws:'],
      'GPT-Live endpoint, no query (OpenAI, Azure /openai/v1/live/sessions, a proxy) or "simulator" for the built-in simulator in GPT-Live mode',
      [SIMULATOR_URL],
    ),
    liveBackendModel: r.string(
      'OPENAI_LIVE_BACKEND_MODEL',
      DEFAULT_LIVE_BACKEND_MODEL,
      'GPT-Live: the Responses model tool use is delegated to',
    ),
  };
  openai.interface = r.oneOf(
    'OPENAI_INTERFACE',
    interfaceForModel(openai.model),
    OPENAI_INTERFACES,
    'realtime (/v1/realtime) or live (GPT-Live, /v1/live/sessions); default: live when OPENAI_MODEL starts with gpt-live-, else realtime',
  );
  // OPENAI_INTERFACE=live alone is enough: the model then defaults to GPT-Live's own.
  if (openai.interface === 'live' && !env.OPENAI_MODEL?.trim()) openai.model = DEFAULT_LIVE_MODEL;
  // GPT-Live takes G.711 at 8 kHz as it is: no resampling unless pcm16 is asked for.
  if (openai.interface === 'live' && !env.OPENAI_AUDIO_FORMAT?.trim()) openai.audioFormat = 'pcmu';
  const activeUrlVar = openai.interface === 'live' ? 'OPENAI_LIVE_URL' : 'OPENAI_REALTIME_URL';
  const activeUrl = openai.interface === 'live' ? openai.liveUrl : realtimeUrl;
  if (activeUrl !== SIMULATOR_URL && !openai.apiKey) {
    r.problem(`OPENAI_API_KEY is not set: required (or set ${activeUrlVar}=simulator for the built-in simulated upstream)`);
  }
  if (openai.interface === 'live') checkLiveCombination(openai, r);
  else if (interfaceForModel(openai.model) === 'live') {
    r.problem(
      `OPENAI_INTERFACE=realtime: OPENAI_MODEL=${openai.model} is a GPT-Live model, which the Realtime endpoint refuses (use OPENAI_INTERFACE=live, or a gpt-realtime-* model)`,
    );
  }

  const instructions: AppConfig['instructions'] = {
    text: r.optionalString('OPENAI_INSTRUCTIONS', 'Instructions text (highest priority)'),
    url: r.optionalUrl(
      'OPENAI_URL_INSTRUCTIONS',
      ['http:', 'https:'],
      'Web service answering {"system": ...} per call (X-AVR-UUID header)',
    ),
    file: r.optionalString('OPENAI_FILE_INSTRUCTIONS', 'Path of a text file with the instructions'),
    timeoutMs: r.int('INSTRUCTIONS_TIMEOUT_MS', 2000, 50, 60000, 'Timeout of the instructions web service'),
    maxBytes: r.int('INSTRUCTIONS_MAX_BYTES', 262144, 1024, 16777216, 'Largest instructions web service answer'),
    defaultText: DEFAULT_INSTRUCTIONS,
  };

  const audio: AppConfig['audio'] = {
    prebufferMs: r.int('PREBUFFER_MS', 5000, 0, 60000, 'Caller audio kept while the upstream connects'),
    appendBatchMs: r.int(
      'APPEND_BATCH_MS',
      20,
      20,
      40,
      'Caller audio per upstream append: 20 sends every frame, 40 batches two (fewer events, up to 20 ms later)',
    ),
    maxClientBufferBytes: r.int(
      'MAX_CLIENT_BUFFER_BYTES',
      4194304,
      65536,
      268435456,
      'Unread agent audio per call before the call is ended',
    ),
    httpEndGraceMs: r.int('HTTP_END_GRACE_MS', 5000, 0, 60000, 'HTTP transport: time for the agent to finish after the request body ends'),
  };

  const tools: AppConfig['tools'] = {
    amiUrl: r.url('AMI_URL', 'http://127.0.0.1:6006', ['http:', 'https:'], 'AVR AMI service used by avr_transfer and avr_hangup'),
    amiTimeoutMs: r.int('AMI_TIMEOUT_MS', 5000, 100, 60000, 'Timeout of requests to the AMI service'),
    dir: r.string('TOOLS_DIR', './tools', "Folder of operators' tool modules (.js/.cjs/.mjs)"),
    enabled: r.list('AVR_TOOLS', 'Comma-separated tool names offered to the model (default: all)'),
    timeoutMs: r.int('TOOL_TIMEOUT_MS', 10000, 100, 300000, 'Timeout of one tool handler'),
    maxConcurrentPerCall: r.int(
      'TOOL_MAX_CONCURRENT_PER_CALL',
      4,
      1,
      100,
      'Tool calls one call may have running at once; more are answered at once with an error the model can act on',
    ),
    callControlWaitMs: r.int('CALL_CONTROL_WAIT_MS', 8000, 0, 60000, "Hangup/transfer wait for the agent's last words"),
  };

  const continuity: AppConfig['continuity'] = {
    maxReconnectAttempts: r.int('UPSTREAM_RECONNECT_ATTEMPTS', 3, 0, 20, 'Attempts to reopen a lost upstream session'),
    reconnectBaseMs: r.int('UPSTREAM_RECONNECT_BASE_MS', 250, 10, 60000, 'First reconnect back-off (doubles, with jitter)'),
    maxSessionsPerMinute: r.int(
      'UPSTREAM_MAX_SESSIONS_PER_MINUTE',
      12,
      2,
      1000,
      'Upstream sessions one call may open in a minute; beyond it the call ends (no reconnect storm)',
    ),
    rotateAfterMs: r.int('SESSION_ROTATE_AFTER_MS', 3300000, 1000, 3600000, 'Rotate the upstream session between turns after this age'),
    replayBudgetChars: r.int('REPLAY_BUDGET_CHARS', 8000, 0, 1000000, 'Conversation text replayed into a new upstream session'),
    maxConversationItems: r.int('CONVERSATION_MAX_ITEMS', 200, 10, 100000, 'Conversation items kept per call for replay and records'),
    reresolveInstructions: r.bool('REPLAY_RESOLVE_INSTRUCTIONS', false, 'Resolve instructions again on a new upstream session'),
  };

  const baseUrl = r.optionalUrl('AGENT_API_BASE_URL', ['http:', 'https:'], 'Legacy call-summary receiver base URL (with AGENT_ID)');
  const agentId = r.optionalString('AGENT_ID', 'Legacy call-summary agent id (with AGENT_API_BASE_URL)');
  const summaryUrl = r.optionalUrl('CALL_SUMMARY_URL', ['http:', 'https:'], 'Webhook receiving each call record');
  const records: AppConfig['records'] = {
    url:
      summaryUrl ??
      (baseUrl && agentId ? `${baseUrl.replace(/\/+$/, '')}/api/agents/${encodeURIComponent(agentId)}/call-summary` : undefined),
    authHeader: r.optionalString('CALL_SUMMARY_AUTH_HEADER', 'Sent as the Authorization header with call records', { secret: true }),
    includeTranscripts: r.bool('CALL_SUMMARY_TRANSCRIPTS', true, 'Include transcript text in call records'),
    timeoutMs: r.int('CALL_SUMMARY_TIMEOUT_MS', 5000, 100, 120000, 'Timeout of one call-record delivery'),
    maxAttempts: r.int('CALL_SUMMARY_MAX_ATTEMPTS', 4, 1, 20, 'Delivery attempts per call record'),
    retryBaseMs: r.int('CALL_SUMMARY_RETRY_BASE_MS', 1000, 10, 60000, 'First retry delay of a call record (doubles, with jitter)'),
    concurrency: r.int('CALL_SUMMARY_CONCURRENCY', 4, 1, 256, 'Call records delivered at once'),
    maxQueue: r.int('CALL_SUMMARY_MAX_QUEUE', 1000, 1, 1000000, 'Pending call records before the oldest is dropped'),
    maxQueueBytes: r.int(
      'CALL_SUMMARY_MAX_QUEUE_BYTES',
      33554432,
      65536,
      4294967296,
      'Bytes of pending call records (as sent) before the oldest is dropped',
    ),
  };

  const simulator: AppConfig['simulator'] = {
    reply: r.oneOf('SIMULATOR_REPLY', 'echo', SIMULATOR_REPLIES, 'Simulator answer: echo the caller or a tone sequence'),
    sessionLimitMs: r.int('SIMULATOR_SESSION_LIMIT_MS', 3600000, 1000, 86400000, 'Simulator session lifetime (session_expired after it)'),
  };

  const profiles: AppConfig['profiles'] = {
    url: r.optionalUrl(
      'AGENT_PROFILE_URL',
      ['http:', 'https:'],
      'Profile web service: POSTed {uuid, transport, metadata} per call, answers a profile (204/404: none)',
    ),
    authHeader: r.optionalString('AGENT_PROFILE_AUTH_HEADER', 'Sent as the Authorization header to the profile web service', {
      secret: true,
    }),
    timeoutMs: r.int('AGENT_PROFILE_TIMEOUT_MS', 2000, 50, 60000, 'Timeout of the profile web service'),
    maxBytes: r.int('AGENT_PROFILE_MAX_BYTES', 262144, 1024, 16777216, 'Largest profile web service answer'),
    dir: r.optionalString('PROFILES_DIR', 'Folder of profile files (.yaml, .yml, .json; one profile each), checked at start-up'),
    select: r.list(
      'PROFILE_SELECT',
      'Call metadata keys whose value picks a profile file by name or match list, first present wins (default: to)',
    ) ?? ['to'],
    providerConfigFields: r.list('PROVIDER_CONFIG_FIELDS', "Profile fields a call's init.provider_config may set (default: none)") ?? [],
    timezone: r.string('PROFILE_TIMEZONE', 'UTC', 'IANA time zone of the {{today}} and {{now}} placeholders'),
  };
  if (!isTimeZone(profiles.timezone))
    r.problem(`PROFILE_TIMEZONE=${profiles.timezone.slice(0, 80)}: not a known time zone (an IANA name such as Europe/Paris, or UTC)`);

  const guards = readGuardsConfig(r, env);

  return {
    config: { server, openai, instructions, audio, tools, continuity, records, simulator, profiles, guards },
    problems: r.problems,
    docs: r.docs,
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An output token limit: an integer 1 to MAX_OUTPUT_TOKENS, or "inf"; undefined when it is neither. */
export function parseMaxTokens(value: string | number): number | 'inf' | undefined {
  if (value === 'inf') return 'inf';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_TOKENS ? n : undefined;
}

/** Settings GPT-Live cannot work with stop start-up, naming the variable. */
function checkLiveCombination(openai: AppConfig['openai'], r: EnvReader): void {
  if (!isLiveVoice(openai.voice)) {
    r.problem(
      `OPENAI_VOICE=${openai.voice.slice(0, 80)}: not a GPT-Live voice (one of ${LIVE_VOICES.join(', ')}, or a custom voice id voice_…)`,
    );
  }
  if (!LIVE_AUDIO_FORMATS.includes(openai.audioFormat)) {
    r.problem(`OPENAI_AUDIO_FORMAT=${openai.audioFormat}: GPT-Live cannot take it (one of ${LIVE_AUDIO_FORMATS.join(', ')})`);
  }
  if (/^gpt-realtime/.test(openai.model)) {
    r.problem(
      `OPENAI_MODEL=${openai.model}: a Realtime model, which GPT-Live cannot run (OPENAI_INTERFACE=live wants gpt-live-1 or gpt-live-1.1, or an Azure deployment of one)`,
    );
  }
  if (openai.mcpServers.length > 0) {
    r.problem(
      'OPENAI_MCP_SERVERS: not available on GPT-Live (its Responses delegation documents only function and web_search tools; how an MCP server is configured there is undocumented); unset it or use OPENAI_INTERFACE=realtime',
    );
  }
}

/** The rule of OPENAI_MCP_SERVERS, shared with per-call profiles: null when the list is valid, else the problem. */
export function checkMcpServers(value: unknown): string | null {
  if (!Array.isArray(value)) return 'not a JSON list';
  for (const [i, s] of value.entries()) {
    if (typeof s !== 'object' || s === null) return `item ${i} is not an object`;
    const o = s as Record<string, unknown>;
    if (typeof o.server_label !== 'string' || !o.server_label) return `item ${i} has no server_label`;
    if (typeof o.server_url !== 'string' || !/^https?:\/\//.test(o.server_url)) return `item ${i} has no http(s) server_url`;
    if (o.allowed_tools !== undefined && !(Array.isArray(o.allowed_tools) && o.allowed_tools.every((t) => typeof t === 'string')))
      return `item ${i} allowed_tools is not a list of names`;
    if (o.headers !== undefined && (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers)))
      return `item ${i} headers is not an object`;
  }
  return null;
}

/** Parses and validates; throws ConfigError listing every problem, one line each. */
export function loadConfig(env: Env): AppConfig {
  const { config, problems } = read(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * Every secret value this process was configured with (keys, tokens, credentials inside URLs and
 * header values): redacted by value wherever text leaves the process.
 */
export function configuredSecrets(config: AppConfig): string[] {
  const { server, openai, instructions, tools, records } = config;
  const out: Array<string | undefined> = [server.authToken, server.metricsAuthToken, openai.apiKey, records.authHeader];
  // "Bearer abc": the credential is the part after the scheme, quoted alone just as well.
  if (records.authHeader?.includes(' ')) out.push(records.authHeader.slice(records.authHeader.indexOf(' ') + 1).trim());
  for (const url of [openai.realtimeUrl, instructions.url, tools.amiUrl, records.url]) out.push(...urlSecrets(url));
  for (const mcp of openai.mcpServers) {
    out.push(...urlSecrets(mcp.server_url));
    for (const value of Object.values(mcp.headers ?? {})) {
      if (typeof value !== 'string') continue;
      out.push(value);
      if (value.includes(' ')) out.push(value.slice(value.indexOf(' ') + 1).trim());
    }
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Every variable the service reads, with default and meaning (for .env.example and the README). */
export function describeConfig(): VarDoc[] {
  return read({}).docs;
}
