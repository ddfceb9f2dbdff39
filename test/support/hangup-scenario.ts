import type { FakeAmi } from '../../src/tools/testing/tools-test-kit.js';
import { callEndedLog, type TestApp } from './app.js';
import type { AvrWsClient } from './avr-client.js';

/** The upstream's part in an avr_hangup call, in the protocol of whichever fake plays it. */
export interface HangupUpstream {
  /** Sends 800 ms of goodbye audio (and its transcript) at once. */
  sayGoodbye(): Promise<unknown>;
  /** Calls avr_hangup; resolves with the function output the service sent back. */
  callHangup(): Promise<string>;
  /** How many responses the service asked the model for. */
  responseRequests(): number;
}

/**
 * The same behaviour over either upstream: avr_hangup waits for the agent's last words. The 800 ms
 * goodbye reaches AVR core at once and plays in real time, so AMI is asked to hang up this call no
 * sooner than ~700 ms later; the model is not asked to speak again; the call ends as `hangup_tool`.
 */
export async function expectHangupAfterGoodbye(
  app: TestApp,
  ami: FakeAmi,
  client: AvrWsClient,
  uuid: string,
  upstream: HangupUpstream,
): Promise<void> {
  const before = ami.requests.length;
  await upstream.sayGoodbye();
  await client.until(() => client.count('audio') >= 40, 5000, 'the goodbye audio');
  const goodbyeSentAt = Date.now();
  const output = await upstream.callHangup();
  const hangupAt = Date.now();
  expect(ami.requests[before]).toEqual(expect.objectContaining({ path: '/hangup', body: { uuid } }));
  expect(hangupAt - goodbyeSentAt).toBeGreaterThanOrEqual(700);
  expect(output).toBe('Call hung up');
  expect(upstream.responseRequests()).toBe(0);
  client.close();
  expect(await callEndedLog(app, uuid)).toMatchObject({ outcome: 'hangup_tool' });
}
