import { parseFailureAction } from './failure-action.js';

describe('parseFailureAction', () => {
  it.each([
    ['none', { type: 'none' }],
    ['hangup', { type: 'hangup' }],
    ['transfer:100', { type: 'transfer', exten: '100' }],
    ['transfer:100@support', { type: 'transfer', exten: '100', context: 'support' }],
  ])('reads %s', (value, action) => {
    expect(parseFailureAction(value)).toEqual({ ok: true, action });
  });

  it.each(['', 'hang up', 'transfer:', 'transfer:1 00', 'transfer:100@a@b', 'transfer:100\r\nAction: Originate'])('refuses %j', (value) => {
    expect(parseFailureAction(value)).toMatchObject({ ok: false });
  });
});
