import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/index.js';
import { ROOT_LOGGER } from '../logging/index.js';
import type { RealtimeFunctionTool } from '../realtime/realtime-events.js';
import { callControlTools } from './call-control-tools.js';
import { BUILT_IN_ORIGIN, type Tool } from './tool.js';
import { loadToolDirectory } from './tool-directory.js';

/**
 * The tools offered to the model: the built-in avr_transfer and avr_hangup plus every module in
 * TOOLS_DIR, narrowed by AVR_TOOLS. Loaded once at start-up; any bad tool file or unknown AVR_TOOLS
 * name throws a ConfigError then, so the service never listens with a tool set other than intended.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private offered: ReadonlyMap<string, Tool> = new Map();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  /** Loads the tools (once: modules are cached by Node); throws a ConfigError listing every problem, one line each. */
  async load(): Promise<void> {
    const settings = this.config.tools;
    const dir = resolve(process.cwd(), settings.dir);
    const fromDir = await loadToolDirectory(dir);
    const problems = [...fromDir.problems];

    const all = new Map<string, Tool>();
    for (const tool of [...callControlTools(settings), ...fromDir.tools]) {
      const taken = all.get(tool.name);
      if (!taken) all.set(tool.name, tool);
      else problems.push(`${tool.origin}: the tool name "${tool.name}" is already used by ${describeOrigin(taken)}`);
    }

    const enabled = settings.enabled ?? [...all.keys()];
    for (const name of enabled) {
      if (!all.has(name)) problems.push(`AVR_TOOLS: there is no tool named "${name}" (tools: ${[...all.keys()].join(', ')})`);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    this.offered = new Map(enabled.map((name) => [name, all.get(name) as Tool]));
    if (!fromDir.found) this.logger.info({ dir }, 'no tools folder: no operator tools loaded');
    this.logger.info({ offered: [...this.offered.keys()], fromDir: fromDir.tools.length, dir }, 'tools loaded');
  }

  /** The offered tools in the Realtime GA function-tool shape, for session.update. */
  definitions(): RealtimeFunctionTool[] {
    return [...this.offered.values()].map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      parameters: tool.inputSchema,
    }));
  }

  /** An offered tool; tools left out by AVR_TOOLS are as unknown as names that exist nowhere. */
  get(name: string): Tool | undefined {
    return this.offered.get(name);
  }

  /** Names of the offered tools, in the order they are offered. */
  names(): string[] {
    return [...this.offered.keys()];
  }
}

function describeOrigin(tool: Tool): string {
  return tool.origin === BUILT_IN_ORIGIN ? 'a built-in tool' : tool.origin;
}
