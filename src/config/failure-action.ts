/** What the service does for the caller when the upstream cannot be had or fails beyond healing. */
export type FailureAction = { type: 'none' } | { type: 'hangup' } | { type: 'transfer'; exten: string; context?: string };

/** Asterisk extensions and contexts: dial-plan names, no spaces or separators of AMI's wire. */
const DIALPLAN_NAME = /^[A-Za-z0-9_+*#.-]{1,64}$/;

/** Parses `hangup` | `transfer:<exten>[@context]` | `none`; an error text names what is allowed. */
export function parseFailureAction(value: string): { ok: true; action: FailureAction } | { ok: false; error: string } {
  const v = value.trim();
  if (v === 'none') return { ok: true, action: { type: 'none' } };
  if (v === 'hangup') return { ok: true, action: { type: 'hangup' } };
  if (v.startsWith('transfer:')) {
    const [exten, context, ...rest] = v.slice('transfer:'.length).split('@');
    if (rest.length === 0 && DIALPLAN_NAME.test(exten) && (context === undefined || DIALPLAN_NAME.test(context))) {
      return { ok: true, action: { type: 'transfer', exten, ...(context !== undefined ? { context } : {}) } };
    }
  }
  return { ok: false, error: 'not a failure action (hangup, transfer:<exten>[@context], or none)' };
}
