import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CallRecordInput } from './call-record-input.js';
import { APP_CONFIG, configuredSecrets, type AppConfig } from '../config/index.js';
import { ROOT_LOGGER, SecretRedactor } from '../logging/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { buildCallRecord, type CallRecord } from './call-record.js';
import { judgeAttempt } from './attempt-verdict.js';
import { postJson } from './post-json.js';
import { backoffDelayMs, RETRY_TIMING, type RetryTiming } from './retry-timing.js';

/** One record on its way to the receiver. */
interface Delivery {
  readonly uuid: string;
  readonly record: CallRecord;
  /** Serialised once, sent as is on every attempt. */
  readonly body: string;
  attempts: number;
  /** Ends the request in flight or the back-off wait, whichever is under way. */
  readonly abort: AbortController;
  /** Cuts the current back-off wait short (a flush started). */
  wake?: () => void;
  /** Delivered or given up: it is counted and logged exactly once. */
  finished: boolean;
}

export interface FlushResult {
  /** Records delivered while the flush waited. */
  delivered: number;
  /** Records that ended undelivered while the flush waited (logged whole, at warn). */
  givenUp: number;
}

/**
 * Posts each call's record to the call-summary receiver without ever holding up a call: submit()
 * only queues. At most `records.concurrency` records are under way (attempting or waiting to
 * retry) and at most `records.maxQueue` wait for a turn, the oldest dropped beyond it. A record
 * that is not delivered in the end is logged whole, once, so a log pipeline still has it.
 */
@Injectable()
export class CallRecordsService implements OnApplicationShutdown {
  private readonly target?: URL;
  private readonly waiting: Delivery[] = [];
  private readonly underWay = new Set<Delivery>();
  private readonly idleListeners = new Set<() => void>();
  private readonly tally = { delivered: 0, undelivered: 0 };
  private flushes = 0;
  private closed = false;
  private readonly redactor: SecretRedactor;
  /** Serialised size of the records in `waiting`. */
  private waitingBytes = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
    private readonly metrics: MetricsService,
    @Inject(RETRY_TIMING) private readonly timing: RetryTiming,
  ) {
    if (config.records.url) this.target = new URL(config.records.url);
    this.redactor = new SecretRedactor(configuredSecrets(config));
  }

  /** Queues the call's record for delivery; returns at once and never throws. */
  submit(input: CallRecordInput): void {
    try {
      if (!this.target) {
        this.log.debug({ uuid: input.uuid }, 'call record not sent: no CALL_SUMMARY_URL configured');
        return;
      }
      const record = buildCallRecord(input, {
        includeTranscripts: this.config.records.includeTranscripts,
        interface: this.config.openai.interface,
      });
      // Text in a record (a reason, a tool error) may quote a configured secret: replaced by value.
      const body = this.redactor.redact(JSON.stringify(record));
      const delivery: Delivery = { uuid: input.uuid, record, body, attempts: 0, abort: new AbortController(), finished: false };
      if (this.closed) return this.giveUp(delivery, 'the service had shut down');
      this.waiting.push(delivery);
      this.waitingBytes += delivery.body.length;
      this.startDeliveries();
      const { maxQueue, maxQueueBytes } = this.config.records;
      if (this.waiting.length > maxQueue)
        this.giveUp(this.takeWaiting()!, `queue full: dropped as the oldest of ${maxQueue} pending records`, 'dropped');
      // Bounded by size too: records with big client metadata must not add up to gigabytes.
      while (this.waitingBytes > maxQueueBytes && this.waiting.length > 0) {
        this.giveUp(
          this.takeWaiting()!,
          `queue full: dropped as the oldest of ${this.waiting.length + 1} pending records over ${maxQueueBytes} bytes`,
          'dropped',
        );
      }
    } catch (err) {
      this.log.error({ uuid: input?.uuid, err }, 'call record could not be built');
    }
  }

  /**
   * For shutdown: retries without their back-off waits and resolves when nothing is left, or at
   * the deadline, giving up (and logging) whatever is still pending then. Submitting afterwards
   * works as before.
   */
  async flush(timeoutMs: number): Promise<FlushResult> {
    const before = { ...this.tally };
    this.flushes++;
    try {
      for (const delivery of this.underWay) delivery.wake?.();
      if (!(await this.idleWithin(timeoutMs))) this.giveUpAll(`not delivered within the ${timeoutMs} ms flush`);
    } finally {
      this.flushes--;
    }
    return { delivered: this.tally.delivered - before.delivered, givenUp: this.tally.undelivered - before.undelivered };
  }

  /** Ends requests and waits in progress; what they carried goes to the log. */
  onApplicationShutdown(): void {
    this.closed = true;
    this.giveUpAll('the service shut down before delivery');
  }

  private takeWaiting(): Delivery | undefined {
    const delivery = this.waiting.shift();
    if (delivery) this.waitingBytes -= delivery.body.length;
    return delivery;
  }

  private startDeliveries(): void {
    while (this.underWay.size < this.config.records.concurrency && this.waiting.length > 0) {
      const delivery = this.takeWaiting()!;
      this.underWay.add(delivery);
      void this.deliver(delivery)
        .catch((err: unknown) => this.giveUp(delivery, `internal error: ${String(err)}`))
        .finally(() => {
          this.underWay.delete(delivery);
          this.startDeliveries();
          if (this.isIdle()) for (const listener of [...this.idleListeners]) listener();
        });
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { maxAttempts, timeoutMs } = this.config.records;
    const firstAttemptAt = Date.now();
    while (!delivery.finished) {
      delivery.attempts++;
      const result = await postJson(this.target!, delivery.body, {
        headers: this.headers(delivery.uuid),
        timeoutMs,
        signal: delivery.abort.signal,
      });
      if (delivery.finished) return;
      const verdict = judgeAttempt(result);
      if (verdict.delivered) return this.delivered(delivery, verdict.status);
      if (!verdict.retryable) return this.giveUp(delivery, `${verdict.reason} (not retried)`);
      if (delivery.attempts >= maxAttempts)
        return this.giveUp(delivery, `${verdict.reason} (attempt ${delivery.attempts} of ${maxAttempts})`);
      const waitMs = this.retryWaitMs(delivery.attempts);
      if (Date.now() + waitMs - firstAttemptAt > this.timing.maxTotalMs) {
        return this.giveUp(delivery, `${verdict.reason} (no retry within ${this.timing.maxTotalMs} ms of the first attempt)`);
      }
      this.metrics.callRecords.inc({ result: 'retried' });
      this.log.info(
        { uuid: delivery.uuid, attempt: delivery.attempts, reason: verdict.reason, retryInMs: waitMs },
        'call record delivery failed, will retry',
      );
      await this.pause(delivery, waitMs);
    }
  }

  /** While a flush waits for shutdown, a full back-off would only run into its deadline. */
  private retryWaitMs(failedAttempts: number): number {
    const backoff = backoffDelayMs(failedAttempts, this.timing);
    return this.flushes > 0 ? Math.min(backoff, this.timing.flushDelayMs) : backoff;
  }

  private headers(uuid: string): Record<string, string> {
    const { authHeader } = this.config.records;
    return authHeader ? { 'X-AVR-UUID': uuid, Authorization: authHeader } : { 'X-AVR-UUID': uuid };
  }

  /** A back-off wait that a flush cuts short and an abort ends; its timer never keeps the process up. */
  private pause(delivery: Delivery, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        delivery.abort.signal.removeEventListener('abort', end);
        delivery.wake = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      timer.unref();
      delivery.abort.signal.addEventListener('abort', end);
      delivery.wake = end;
    });
  }

  private delivered(delivery: Delivery, status: number): void {
    delivery.finished = true;
    this.tally.delivered++;
    this.metrics.callRecords.inc({ result: 'delivered' });
    this.log.info({ uuid: delivery.uuid, status, attempts: delivery.attempts }, 'call record delivered');
  }

  /** The record's last trace: one warn line carrying it whole, which a log pipeline keeps. */
  private giveUp(delivery: Delivery, reason: string, result: 'failed' | 'dropped' = 'failed'): void {
    if (delivery.finished) return;
    delivery.finished = true;
    delivery.abort.abort();
    this.tally.undelivered++;
    this.metrics.callRecords.inc({ result });
    this.log.warn(
      { uuid: delivery.uuid, callRecordUndelivered: true, reason, attempts: delivery.attempts, record: delivery.record },
      'call record not delivered',
    );
  }

  private giveUpAll(reason: string): void {
    this.waitingBytes = 0;
    for (const delivery of this.waiting.splice(0)) this.giveUp(delivery, reason);
    for (const delivery of this.underWay) this.giveUp(delivery, reason);
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.underWay.size === 0;
  }

  /** True once nothing is waiting or under way, false at the deadline. */
  private idleWithin(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.idleListeners.delete(onIdle);
        resolve(idle);
      };
      const onIdle = (): void => done(true);
      // Kept referenced: a shutdown awaiting the flush must not see the process exit under it.
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleListeners.add(onIdle);
    });
  }
}
