/** Machine-readable error codes carried in `{"error":{"code","message"}}` bodies. */
export type ErrorCode =
  | "bad_request"
  | "invalid_offset"
  | "invalid_header"
  | "invalid_json"
  | "empty_body"
  | "body_incomplete"
  | "invalid_path"
  | "not_found"
  | "gone"
  | "offset_trimmed"
  | "retention_above_cap"
  | "conflict"
  | "content_type_mismatch"
  | "stream_closed"
  | "sequence_conflict"
  | "producer_stale_epoch"
  | "producer_seq_gap"
  | "payload_too_large"
  | "too_many_messages"
  | "insufficient_storage"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "unavailable"
  | "internal"
  /** The deployment's configuration is invalid (src/env.ts readConfig says which setting). */
  | "config_invalid"
  /** PROTOCOL.md §6.2: a webhook URL refused by the SSRF check. */
  | "WEBHOOK_URL_REJECTED";

/** An expected protocol failure: status, code, message and any protocol headers. */
export interface Failure {
  readonly ok: false;
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** Builds a Failure value (returned, not thrown, across module and RPC boundaries). */
export function failure(status: number, code: ErrorCode, message: string, headers?: Record<string, string>): Failure {
  return headers ? { ok: false, status, code, message, headers } : { ok: false, status, code, message };
}

/** An outcome that is either a value or an expected failure. */
export type Result<T> = Ok<T> | Failure;

/** The success arm of a Result. */
export type Ok<T> = { readonly ok: true } & T;

/** Thrown inside the edge to short-circuit into the single error→response mapping. */
export class HttpError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "HttpError";
  }
}
