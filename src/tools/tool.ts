/** What a handler learns about the call besides the uuid (a third argument: two-argument AVR handlers keep working). */
export interface ToolContext {
  uuid: string;
  /** The call's metadata, e.g. the WebSocket query parameters. */
  metadata: Record<string, unknown>;
  /** Aborted when the tool has run out of time, so a handler can give up its own requests. */
  signal: AbortSignal;
}

/** The AVR tool convention; a handler may answer a string, an object or a promise of either. */
export type ToolHandler = (uuid: string, args: Record<string, unknown>, context: ToolContext) => unknown;

/** What the call must do once a call-control tool has succeeded. */
export type CallControl = 'hangup' | 'transfer';

/** A tool as the registry holds it, built-in or loaded from a TOOLS_DIR file. */
export interface Tool {
  name: string;
  description: string;
  /** JSON Schema of the arguments, offered to the model as the function's parameters. */
  inputSchema: Record<string, unknown>;
  /** 'built-in', or the path of the file it came from: for start-up messages. */
  origin: string;
  /** Set on avr_hangup and avr_transfer only. */
  control?: CallControl;
  handler: ToolHandler;
}

export const BUILT_IN_ORIGIN = 'built-in';
