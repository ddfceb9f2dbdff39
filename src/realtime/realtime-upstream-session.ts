import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import type { RealtimeClient, RealtimeClientHandlers } from './realtime-client.js';
import { classifyError, boundedErrorCode, boundedMessage, type SentKind } from './realtime-errors.js';
import type { ServerEvent } from './realtime-events.js';
import { replayItemEvent, textItemEvent } from './replay-items.js';
import { readServerEvent } from './server-event-reader.js';
import { buildSessionUpdate } from './session-update.js';
import { UpstreamFailure } from './upstream-failure.js';
import type { UpstreamCapabilities, UpstreamListener, UpstreamSession, UpstreamSessionSettings } from './upstream-session.js';

/** How many sent event ids are remembered for reading errors in context. */
const MAX_TRACKED_EVENT_IDS = 64;

/**
 * Least wait for session.updated: the connect timeout bounds the upgrade and the first event, but a
 * server (or a test fake validating its first event) may take longer over the first update.
 */
const MIN_CONFIGURE_WAIT_MS = 5000;

const CAPABILITIES: UpstreamCapabilities = { callerTurnEvents: true, responseEvents: true, truncation: true, explicitResponses: true };

interface PendingConfigure {
  eventId: string;
  resolve(): void;
  reject(failure: UpstreamFailure): void;
}

/**
 * The OpenAI Realtime GA implementation of the call engine's `UpstreamSession`: owns the whole wire
 * (session.update, replay items, truncation, tool results, event ids, beta aliases, error tables)
 * over one `RealtimeClient` connection. The call engine sees only the seam's verbs and events.
 */
export class RealtimeUpstreamSession implements UpstreamSession {
  readonly capabilities = CAPABILITIES;
  private readonly client: RealtimeClient;
  private ready = false;
  private closed = false;
  private configuring: PendingConfigure | undefined;
  /** With `interrupt_response` the server cancels a response on barge-in by itself. */
  private selfInterrupting = false;
  private readonly sentKinds = new Map<string, SentKind>();
  private readonly idTag = randomBytes(4).toString('hex');
  private seq = 0;
  private unreadable = 0;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly openai: AppConfig['openai'],
    createClient: (handlers: RealtimeClientHandlers) => RealtimeClient,
    private readonly logger: Logger,
    private readonly listener: UpstreamListener,
  ) {
    this.client = createClient({ onEvent: (ev) => this.onServerEvent(ev), onLost: (failure) => this.onLost(failure) });
  }

  get isReady(): boolean {
    return this.ready && !this.closed && this.client.isOpen;
  }

  get malformedEvents(): number {
    return this.client.malformedEvents + this.unreadable;
  }

  connect(signal: AbortSignal): Promise<void> {
    this.connecting ??= this.guarded(signal, () => this.client.connect());
    return this.connecting;
  }

  open(settings: UpstreamSessionSettings, signal: AbortSignal): Promise<void> {
    return this.guarded(signal, () => this.configureWith(settings, signal));
  }

  /** Runs a step of opening; a session that did not become ready closes (never left open) and rejects. */
  private async guarded(signal: AbortSignal, step: () => Promise<void>): Promise<void> {
    const abort = () => this.close();
    if (signal.aborted || this.closed) throw aborted();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await step();
    } catch (err) {
      this.close();
      throw signal.aborted ? aborted() : err;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private async configureWith(settings: UpstreamSessionSettings, signal: AbortSignal): Promise<void> {
    await this.connect(signal);
    if (signal.aborted || this.closed) throw aborted();
    const { openai = this.openai, ...extras } = settings.call ?? {};
    // The connection was opened for another model than the call's profile names (the profile was
    // not known yet): a new connection, opened with the profile, can serve it.
    if (openai.model !== this.openai.model) {
      throw new UpstreamFailure(
        'configuration',
        `the call's profile needs model ${openai.model}, this connection was opened for ${this.openai.model}`,
        { retryable: true },
      );
    }
    const update = buildSessionUpdate(
      openai,
      settings.instructions,
      settings.tools.map((t) => ({ type: 'function' as const, name: t.name, description: t.description, parameters: t.parameters })),
      extras,
    );
    this.selfInterrupting = update.session.type === 'realtime' && update.session.audio?.input?.turn_detection?.interrupt_response === true;
    await this.configure(update, signal);
    for (const item of settings.replay) this.send(replayItemEvent(item), 'conversation.item.create');
    this.ready = true;
  }

  /** Sends the session.update and waits for session.updated, or the error that refuses it. */
  private configure(update: object, signal: AbortSignal): Promise<void> {
    const waitMs = Math.max(this.openai.connectTimeoutMs, MIN_CONFIGURE_WAIT_MS);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle(
            new UpstreamFailure('timeout', `upstream did not confirm the session configuration within ${waitMs} ms`, { retryable: true }),
          ),
        waitMs,
      );
      const onAbort = () => settle(aborted());
      const settle = (failure?: UpstreamFailure) => {
        if (!this.configuring) return;
        this.configuring = undefined;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (failure) reject(failure);
        else resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.configuring = { eventId: '', resolve: () => settle(), reject: (f) => settle(f) };
      this.configuring.eventId = this.send(update, 'session.update');
    });
  }

  appendAudio(audio: Uint8Array): void {
    this.client.appendAudio(audio);
  }

  respond(instructions?: string): void {
    this.send(
      instructions === undefined ? { type: 'response.create' } : { type: 'response.create', response: { instructions } },
      'response.create',
    );
  }

  cancel(): void {
    // With interrupt_response the server has already cancelled: a cancel would only earn
    // response_cancel_not_active (OpenAI's own SDKs send it only when interrupt_response is off).
    if (!this.selfInterrupting) this.send({ type: 'response.cancel' }, 'response.cancel');
  }

  heard(itemId: string, audioEndMs: number): void {
    this.send(
      { type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: Math.max(0, Math.floor(audioEndMs)) },
      'conversation.item.truncate',
    );
  }

  addUserText(text: string): void {
    this.send(textItemEvent('user', text), 'conversation.item.create');
  }

  addInstruction(text: string): void {
    this.send(textItemEvent('system', text), 'conversation.item.create');
  }

  toolResult(callId: string, output: string): void {
    this.send(
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } },
      'conversation.item.create',
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.configuring?.reject(aborted());
    this.client.close();
  }

  /** Sends a client event with an event_id of its own, so an error can be matched to it. */
  private send(event: object, kind: SentKind): string {
    const eventId = `evt_${this.idTag}_${++this.seq}`;
    if (this.sentKinds.size >= MAX_TRACKED_EVENT_IDS) this.sentKinds.delete(this.sentKinds.keys().next().value!);
    this.sentKinds.set(eventId, kind);
    this.client.send({ event_id: eventId, ...event });
    return eventId;
  }

  private onServerEvent(ev: ServerEvent): void {
    if (this.closed) return;
    try {
      this.dispatch(ev);
    } catch (err) {
      // A fault in handling one event ends this call's session, never the process (#20).
      this.logger.error({ err, event: ev.type }, 'handling an upstream event failed');
      if (this.closed) return;
      this.close();
      this.listener.lost(new UpstreamFailure('internal', `internal error handling the upstream event ${ev.type}`, { retryable: false }));
    }
  }

  private dispatch(ev: ServerEvent): void {
    const reading = readServerEvent(ev);
    switch (reading.kind) {
      case 'event': {
        const ev = reading.event;
        // A failed turn comes with no error event: classify its code like one (fatal, transient).
        if (ev.type === 'response_done' && ev.status === 'failed') {
          const code = ev.reason ?? 'unknown';
          this.listener.event({
            ...ev,
            reason: boundedErrorCode(code),
            error: classifyError(code, `the response failed (${boundedErrorCode(code)})`, undefined),
          });
          return;
        }
        this.listener.event(ev);
        return;
      }
      case 'session_updated':
        this.configuring?.resolve();
        return;
      case 'error':
        return this.onError(reading.code, reading.message, reading.eventId);
      case 'transcription_failed':
        this.listener.event({
          type: 'error',
          error: {
            code: 'transcription_failed',
            message: `caller audio was not transcribed (${boundedErrorCode(reading.code)}): ${boundedMessage(reading.message)}`,
            benign: false,
            fatal: false,
            sessionOver: false,
          },
        });
        return;
      case 'skipped_call':
        this.logger.debug({ tool: reading.name, status: reading.status }, 'function call not completed (barged in or cancelled): not run');
        return;
      case 'malformed':
        // Logged once per session and then counted, so a broken upstream cannot flood the log.
        if (this.unreadable++ === 0) this.logger.warn({ event: reading.what }, 'upstream event with fields of the wrong type ignored');
        return;
      case 'ignored':
        return;
    }
  }

  private onError(code: string, message: string, eventId: string | undefined): void {
    const answering = eventId === undefined ? undefined : this.sentKinds.get(eventId);
    const info = classifyError(code, message, answering);
    const configuring = this.configuring;
    if (answering === 'session.update' && configuring && configuring.eventId === eventId) {
      // The whole update was refused: the session runs on the server's defaults. Only a server
      // fault is worth another session; a refused field would be refused again.
      const retryable = code === 'server_error';
      configuring.reject(
        new UpstreamFailure('configuration', `upstream refused the session configuration (${info.code}): ${info.message}`, {
          retryable,
          code: info.code,
        }),
      );
      return;
    }
    this.listener.event({ type: 'error', error: info });
  }

  private onLost(failure: UpstreamFailure): void {
    if (this.closed) return;
    this.ready = false;
    if (this.configuring) {
      this.configuring.reject(failure);
      return;
    }
    this.listener.lost(failure);
  }
}

function aborted(): UpstreamFailure {
  return new UpstreamFailure('aborted', 'upstream session closed before it was ready', { retryable: false });
}
