/**
 * Per-call placeholders in instructions, greetings, prompt variables and MCP header values:
 * `{{caller_number}}`, `{{called_number}}`, `{{uuid}}`, `{{today}}`, `{{now}}` and any call
 * metadata key. An unknown placeholder is left as written (the text still makes sense to a reader,
 * and the operator sees it in the one log line that names it).
 */

export type TemplateValues = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
/** Metadata is untrusted: one line, bounded, so a value cannot restructure the instructions. */
const MAX_VALUE_CHARS = 256;

export interface TemplateCall {
  uuid: string;
  metadata: Readonly<Record<string, unknown>>;
}

/** The values of one call's placeholders. `at` and `timeZone` fix {{today}} and {{now}}. */
export function templateValues(call: TemplateCall, timeZone: string, at: Date): TemplateValues {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.metadata)) {
    if (typeof value === 'string' || typeof value === 'number') values[key] = oneLine(String(value));
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'long',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const today = `${parts.year}-${parts.month}-${parts.day}`;
  return {
    ...values,
    // AVR core passes the dialplan's numbers as `from` and `to`.
    caller_number: values.caller_number ?? values.from ?? '',
    called_number: values.called_number ?? values.to ?? '',
    uuid: call.uuid,
    today: `${parts.weekday} ${today}`,
    now: `${parts.weekday} ${today} ${parts.hour}:${parts.minute} (${timeZone})`,
  };
}

export interface Filled {
  text: string;
  /** Placeholder names with no value, each once. */
  unknown: string[];
}

export function fillTemplate(text: string, values: TemplateValues): Filled {
  const unknown = new Set<string>();
  const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(values, name)) return values[name];
    unknown.add(name);
    return whole;
  });
  return { text: filled, unknown: [...unknown] };
}

/** A call metadata value (untrusted) as one bounded line: runs of control characters become one space. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, MAX_VALUE_CHARS);
}
