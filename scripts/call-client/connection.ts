/** What a transport reports while the call runs. */
export interface ServiceHandlers {
  audio(bytes: Buffer): void;
  transcript(role: string, text: string): void;
  interruption(): void;
  error(message: string): void;
}

/** One open call to the service, whichever transport carries it. */
export interface CallConnection {
  /** Sends one 20 ms frame of caller audio. */
  send(frame: Buffer): void;
  /** True once the service's side is over (socket closed, response ended): stop sending. */
  readonly ended: boolean;
  /** Ends the caller's side and waits, at most timeoutMs, for the service to end its own. */
  hangUp(timeoutMs: number): Promise<void>;
  readonly closeCode?: number;
  readonly closeReason?: string;
  readonly httpStatus?: number;
}

/** Resolves when `done` resolves or after timeoutMs, whichever comes first; true if it was done. */
export async function within(done: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([done.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
