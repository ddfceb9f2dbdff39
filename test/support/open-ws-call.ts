import type { TestApp } from './app.js';
import { AvrWsClient } from './avr-client.js';
import type { FakeConnection, FakeRealtimeServer } from './fake-realtime-server.js';

/** Opens a WebSocket call as AVR core does and waits until its upstream session is configured. */
export async function openWsCall(
  app: Pick<TestApp, 'wsUrl'>,
  fake: FakeRealtimeServer,
  uuid: string,
  query = '',
  extra: object = {},
): Promise<{ client: AvrWsClient; upstream: FakeConnection }> {
  const client = await AvrWsClient.connect(`${app.wsUrl}/${query}`);
  const next = fake.connections.length;
  client.init(uuid, extra);
  const upstream = await fake.waitForConnection(next);
  await upstream.waitFor('session.update');
  return { client, upstream };
}
