/**
 * Hands out audio chunks of `chunkMs` each when a listener would start hearing them (measured from
 * the first, so timer lateness does not add up), or all at once when `realTime` is false. Calls
 * `done` after the last one. Returns a function that stops it early.
 */
export function playChunks(
  chunks: Buffer[],
  chunkMs: number,
  realTime: boolean,
  deliver: (chunk: Buffer) => void,
  done: () => void,
): () => void {
  if (!realTime) {
    for (const chunk of chunks) deliver(chunk);
    done();
    return () => undefined;
  }
  const startedAt = Date.now();
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const sendNext = () => {
    if (stopped) return;
    if (next < chunks.length) deliver(chunks[next++]);
    if (next >= chunks.length) return done();
    timer = setTimeout(sendNext, Math.max(0, startedAt + next * chunkMs - Date.now()));
  };
  sendNext();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
