import net from 'node:net';

/**
 * A loopback port that was free a moment ago: for a service to listen on, or (nothing listens there
 * once this returns) for a client to be refused at.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A loopback port nothing listens on: connecting there is refused. */
export async function closedPort(): Promise<number> {
  return freePort();
}
