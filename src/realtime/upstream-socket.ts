import WebSocket from 'ws';

/**
 * A connection whose peer vanished without a FIN (NAT timeout, dead host) looks open for minutes:
 * a ping unanswered by the next one counts as a drop. Calls `onMissed` once and terminates the
 * socket; returns the function that stops the heartbeat (it also stops when the socket closes).
 */
export function startHeartbeat(ws: WebSocket, intervalMs: number, onMissed: () => void): () => void {
  let awaitingPong = false;
  const stop = () => clearInterval(timer);
  const timer = setInterval(() => {
    if (awaitingPong) {
      stop();
      onMissed();
      ws.terminate();
      return;
    }
    awaitingPong = true;
    ws.ping();
  }, intervalMs);
  ws.on('pong', () => (awaitingPong = false));
  ws.once('close', stop);
  return stop;
}

/** Ends an upstream connection we no longer want: a closing handshake, bounded, else cut. */
export function closeUpstreamSocket(ws: WebSocket): void {
  ws.removeAllListeners('message');
  if (ws.readyState === WebSocket.OPEN) {
    ws.close(1000, 'call ended');
    // A peer that never completes the closing handshake must not hold the socket.
    const timer = setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => clearTimeout(timer));
  } else {
    ws.terminate();
  }
}
