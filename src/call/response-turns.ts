/**
 * Where the agent's turn stands: nothing asked (`idle`), a response asked for and not begun
 * (`requested`), a response under way (`speaking`), a response the caller talked over that the
 * upstream has yet to close (`cancelling`).
 */
export type TurnState = 'idle' | 'requested' | 'speaking' | 'cancelling';

/** A request for the agent to speak, with optional per-response instructions. */
export interface ResponseRequest {
  instructions?: string;
}

export interface TurnsListener {
  /** Asks the upstream for a response now; false when no session can take it (it is kept). */
  ask(request: ResponseRequest): boolean;
  stateChanged?(from: TurnState, to: TurnState): void;
}

/**
 * The response turns of one call: the upstream allows one response at a time, so a request made
 * while one is asked for or under way waits as the one queued request (a later one replaces it),
 * and goes out when the turn is over. It also knows which response's audio to drop after a barge-in.
 */
export class ResponseTurns {
  private current: TurnState = 'idle';
  private activeId: string | undefined;
  private droppingId: string | undefined;
  private queued: ResponseRequest | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly listener: TurnsListener) {}

  get state(): TurnState {
    return this.current;
  }

  /** A response is asked for or under way. */
  get busy(): boolean {
    return this.current !== 'idle';
  }

  /** Asks for a response now, or as soon as the turn in progress is over. */
  request(request: ResponseRequest = {}): void {
    if (this.current !== 'idle') {
      this.queued = request;
      return;
    }
    if (!this.listener.ask(request)) {
      this.queued = request;
      return;
    }
    this.set('requested');
  }

  /** A session can take requests again: the queued one goes out if no turn is in progress. */
  flush(): void {
    const next = this.queued;
    if (this.current !== 'idle' || !next) return;
    this.queued = undefined;
    this.request(next);
  }

  started(responseId: string): void {
    this.activeId = responseId;
    if (this.current !== 'cancelling') this.set('speaking');
  }

  /** The response is over (any status): the turn is idle and a queued request goes out. */
  done(responseId: string | undefined): void {
    if (responseId !== undefined && responseId === this.droppingId) this.droppingId = undefined;
    if (responseId !== undefined && this.activeId !== undefined && responseId !== this.activeId) return;
    this.activeId = undefined;
    this.set('idle');
    this.releaseIdleWaiters();
    const next = this.queued;
    this.queued = undefined;
    if (next) this.request(next);
  }

  /** The caller talked over the agent: the response under way is dropped. True when one was. */
  bargeIn(): boolean {
    if (this.current !== 'speaking') return false;
    this.droppingId = this.activeId;
    this.set('cancelling');
    return true;
  }

  /** Audio and transcripts of a response the caller talked over are not played. */
  isDropped(responseId: string | undefined): boolean {
    return responseId !== undefined && responseId === this.droppingId;
  }

  /**
   * The upstream session is gone: no response is under way any more. Returns whether the agent was
   * speaking (cut off mid-sentence) and hands over the queued request, for the next session.
   */
  reset(): { wasSpeaking: boolean; queued: ResponseRequest | undefined } {
    const wasSpeaking = this.current === 'speaking';
    const queued = this.queued;
    this.queued = undefined;
    this.activeId = undefined;
    this.droppingId = undefined;
    this.set('idle');
    this.releaseIdleWaiters();
    return { wasSpeaking, queued };
  }

  /** Resolves when no response is asked for or under way (at once if none), after maxMs, or on abort. */
  whenIdle(maxMs: number, signal: AbortSignal): Promise<void> {
    if (this.current === 'idle' || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', release);
        this.idleWaiters = this.idleWaiters.filter((w) => w !== release);
        resolve();
      };
      const timer = setTimeout(release, maxMs);
      signal.addEventListener('abort', release, { once: true });
      this.idleWaiters.push(release);
    });
  }

  private releaseIdleWaiters(): void {
    for (const w of this.idleWaiters.slice()) w();
  }

  private set(next: TurnState): void {
    const from = this.current;
    if (from === next) return;
    this.current = next;
    this.listener.stateChanged?.(from, next);
  }
}
