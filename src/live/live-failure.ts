/**
 * Why a GPT-Live connection could not be opened or was lost. Same fields as the Realtime side's
 * failures (`kind`, `status`, `code`, `retryable`), as an `Error`, which is what the seam's
 * `lost()` and a rejected `open()` carry.
 */
export type LiveFailureKind = 'refused' | 'dns' | 'http' | 'timeout' | 'closed' | 'network' | 'configuration' | 'aborted';

export class LiveFailure extends Error {
  readonly kind: LiveFailureKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly code?: string;

  constructor(kind: LiveFailureKind, message: string, opts: { retryable: boolean; status?: number; code?: string }) {
    super(message);
    this.name = 'LiveFailure';
    this.kind = kind;
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.code !== undefined) this.code = opts.code;
  }

  /** From the shared upgrade/socket classifiers (plain objects or Error subclasses alike). */
  static from(failure: { kind: string; message: string; retryable: boolean; status?: number; code?: string }): LiveFailure {
    const kind = (['refused', 'dns', 'http', 'timeout', 'closed', 'network'] as const).find((k) => k === failure.kind) ?? 'network';
    return new LiveFailure(kind, failure.message, { retryable: failure.retryable, status: failure.status, code: failure.code });
  }
}
