import { UpstreamFailure } from '../realtime/upstream-session.js';

/**
 * Why a GPT-Live connection could not be opened or was lost. An `UpstreamFailure`, so the call
 * engine reads its kind, status and code (a refused session.start is logged and counted by its
 * code, not as a network failure), which is what the seam's `lost()` and a rejected `open()` carry.
 */
export type LiveFailureKind = 'refused' | 'dns' | 'http' | 'timeout' | 'closed' | 'network' | 'configuration' | 'aborted';

export class LiveFailure extends UpstreamFailure {
  declare readonly kind: LiveFailureKind;

  constructor(kind: LiveFailureKind, message: string, opts: { retryable: boolean; status?: number; code?: string }) {
    super(kind, message, opts);
    this.name = 'LiveFailure';
  }

  /** From the shared upgrade/socket classifiers (plain objects or Error subclasses alike). */
  static from(failure: { kind: string; message: string; retryable: boolean; status?: number; code?: string }): LiveFailure {
    const kind = (['refused', 'dns', 'http', 'timeout', 'closed', 'network'] as const).find((k) => k === failure.kind) ?? 'network';
    const opts: { retryable: boolean; status?: number; code?: string } = { retryable: failure.retryable };
    if (failure.status !== undefined) opts.status = failure.status;
    if (failure.code !== undefined) opts.code = failure.code;
    return new LiveFailure(kind, failure.message, opts);
  }
}
