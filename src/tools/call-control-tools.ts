import type { AppConfig } from '../config/index.js';
import { postToAmi, type AmiTarget } from './ami-client.js';
import { BUILT_IN_ORIGIN, type Tool } from './tool.js';

const TRANSFER_TOOL = 'avr_transfer';
const HANGUP_TOOL = 'avr_hangup';

/** Asterisk context and priority AVR's own avr_transfer uses when the model gives none. */
const DEFAULT_CONTEXT = 'demo';
const DEFAULT_PRIORITY = 1;

/** avr_transfer and avr_hangup, as AVR's built-in tools define them, talking to the avr-ami service. */
export function callControlTools(settings: AppConfig['tools']): Tool[] {
  const ami: AmiTarget = { amiUrl: settings.amiUrl, timeoutMs: settings.amiTimeoutMs };
  return [
    {
      name: TRANSFER_TOOL,
      description:
        'Transfers the call to another phone extension, for example a human operator or another department. ' +
        'Tell the caller they are being transferred before using it.',
      inputSchema: {
        type: 'object',
        properties: {
          transfer_extension: { type: 'string', description: 'The extension to transfer the call to.' },
          transfer_context: { type: 'string', description: 'The dialplan context of the extension (optional).' },
          transfer_priority: { type: 'string', description: 'The dialplan priority to start at (optional).' },
        },
        required: ['transfer_extension'],
      },
      origin: BUILT_IN_ORIGIN,
      control: 'transfer',
      handler: async (uuid, args, { signal }) => {
        const exten = textArgument(args.transfer_extension);
        if (!exten) throw new Error('transfer_extension is required: the extension to transfer the call to');
        const context = textArgument(args.transfer_context) || DEFAULT_CONTEXT;
        const priority =
          typeof args.transfer_priority === 'number' ? args.transfer_priority : textArgument(args.transfer_priority) || DEFAULT_PRIORITY;
        const message = await postToAmi(ami, 'transfer', { uuid, exten, context, priority }, signal);
        return message ?? `The call is being transferred to extension ${exten}.`;
      },
    },
    {
      name: HANGUP_TOOL,
      description: 'Ends the call. Use it only once the conversation is over and you have said goodbye.',
      inputSchema: { type: 'object', properties: {}, required: [] },
      origin: BUILT_IN_ORIGIN,
      control: 'hangup',
      handler: async (uuid, _args, { signal }) => (await postToAmi(ami, 'hangup', { uuid }, signal)) ?? 'The call is being ended.',
    },
  ];
}

/** Models sometimes send an extension as a number although the schema says string. */
function textArgument(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? value.trim() : '';
}
