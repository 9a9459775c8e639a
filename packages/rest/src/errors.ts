// Typed API errors, the counterpart of k8s.io/apimachinery/pkg/api/errors. A StatusError carries the
// server's metav1.Status plus the verb and URL of the request (URLs never hold credentials: tokens
// travel in headers only). Transport failures (no HTTP response) are a TransportError.

/** metav1.Status, the body of every API server error response. */
export interface Status {
  apiVersion?: "v1";
  kind?: "Status";
  status?: string;
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code?: number;
  metadata?: { resourceVersion?: string; continue?: string };
}

/** metav1.StatusReason values the API server sends. */
export const StatusReason = {
  Unknown: "",
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  NotFound: "NotFound",
  AlreadyExists: "AlreadyExists",
  Conflict: "Conflict",
  Gone: "Gone",
  Invalid: "Invalid",
  ServerTimeout: "ServerTimeout",
  StoreReadError: "StorageReadError",
  Timeout: "Timeout",
  TooManyRequests: "TooManyRequests",
  BadRequest: "BadRequest",
  MethodNotAllowed: "MethodNotAllowed",
  NotAcceptable: "NotAcceptable",
  RequestEntityTooLarge: "RequestEntityTooLarge",
  UnsupportedMediaType: "UnsupportedMediaType",
  InternalError: "InternalError",
  Expired: "Expired",
  ServiceUnavailable: "ServiceUnavailable",
} as const;

const knownReasons = new Set<string>(Object.values(StatusReason).filter((r) => r !== ""));

/** URLs longer than this are shortened in messages (an exec with a long command line); `url` keeps all. */
const MESSAGE_URL_CHARS = 300;

/** A URL as a message shows it: whole when short, else its start and its length. */
function messageURL(url: string): string {
  return url.length <= MESSAGE_URL_CHARS
    ? url
    : `${url.slice(0, MESSAGE_URL_CHARS)}... (${url.length} characters)`;
}

/** An API server error response (any non-2xx status), always with a metav1.Status. */
export class StatusError extends Error {
  override name = "StatusError";
  readonly status: Status;
  /** HTTP status code (the Status's `code`, else the response's). */
  readonly code: number;
  /** metav1.StatusReason ("NotFound", "Conflict", ...); "" when the server gave none. */
  readonly reason: string;
  readonly verb: string;
  readonly url: string;
  /** From the Status details or the Retry-After header. */
  readonly retryAfterSeconds?: number;

  constructor(status: Status, verb: string, url: string, retryAfterSeconds?: number) {
    const code = status.code ?? 0;
    const msg = status.message || status.reason || `HTTP ${code}`;
    super(
      `${verb} ${messageURL(url)}: ${msg}${code ? ` (${code}${status.reason ? ` ${status.reason}` : ""})` : ""}`,
    );
    this.status = status;
    this.code = code;
    this.reason = status.reason ?? "";
    this.verb = verb;
    this.url = url;
    const ra = status.details?.retryAfterSeconds ?? retryAfterSeconds;
    if (ra !== undefined) this.retryAfterSeconds = ra;
  }
}

/**
 * No usable HTTP response: connection refused or reset, TLS failure, timeout, a stream's liveness
 * window, DNS failure, or a write aborted after it was sent.
 */
export class TransportError extends Error {
  override name = "TransportError";
  readonly url: string;
  override readonly cause: unknown;
  /**
   * The system or undici error code when there is one ("ECONNREFUSED", "UND_ERR_SOCKET", ...);
   * "ETIMEDOUT" for the call's timeout, "IDLE_TIMEOUT" for a stream's liveness window, "ABORT_ERR"
   * for a sent write that the caller aborted.
   */
  readonly code?: string;
  /** True when the request's timeout or a stream's liveness window expired. */
  readonly timedOut: boolean;
  /**
   * A write (POST, PUT, PATCH, DELETE) that was sent in full and whose answer never came: the server
   * may have applied it, so read the object before retrying. False when the request was not sent
   * (refused, failed while connecting) and for reads.
   */
  readonly mayHaveBeenApplied: boolean;

  constructor(
    message: string,
    url: string,
    cause: unknown,
    opts: { code?: string; timedOut?: boolean; mayHaveBeenApplied?: boolean } = {},
  ) {
    super(message, { cause });
    this.url = url;
    this.cause = cause;
    if (opts.code !== undefined) this.code = opts.code;
    this.timedOut = opts.timedOut ?? false;
    this.mayHaveBeenApplied = opts.mayHaveBeenApplied ?? false;
  }
}

/** A response body or watch line that is not the JSON it should be. */
export class DecodeError extends Error {
  override name = "DecodeError";
  readonly url: string;
  constructor(message: string, url: string, cause?: unknown) {
    super(message, { cause });
    this.url = url;
  }
}

/** A configuration that cannot work (missing file, conflicting settings, not in a cluster). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const reasonForCode: Record<number, { reason: string; message: string }> = {
  400: { reason: StatusReason.BadRequest, message: "the server rejected our request for an unknown reason" },
  401: {
    reason: StatusReason.Unauthorized,
    message: "the server has asked for the client to provide credentials",
  },
  403: {
    reason: StatusReason.Forbidden,
    message: "the server does not allow access to the requested resource",
  },
  404: { reason: StatusReason.NotFound, message: "the server could not find the requested resource" },
  405: {
    reason: StatusReason.MethodNotAllowed,
    message: "the server does not allow this method on the requested resource",
  },
  406: {
    reason: StatusReason.NotAcceptable,
    message: "the server was unable to respond with a content type that the client supports",
  },
  409: { reason: StatusReason.Conflict, message: "the server reported a conflict" },
  410: { reason: StatusReason.Gone, message: "the server has asked for the client to start over" },
  413: {
    reason: StatusReason.RequestEntityTooLarge,
    message: "the server has rejected the request because it is too large",
  },
  415: {
    reason: StatusReason.UnsupportedMediaType,
    message: "the server was unable to handle the media type sent by the client",
  },
  422: {
    reason: StatusReason.Invalid,
    message: "the server rejected our request due to an error in our request",
  },
  429: {
    reason: StatusReason.TooManyRequests,
    message: "the server has received too many requests and has asked us to try again later",
  },
  500: {
    reason: StatusReason.InternalError,
    message: "an error on the server has prevented the request from succeeding",
  },
  503: {
    reason: StatusReason.ServiceUnavailable,
    message: "the server is currently unable to handle the request",
  },
  504: {
    reason: StatusReason.Timeout,
    message:
      "the server was unable to return a response in the time allotted, but may still be processing the request",
  },
};

/**
 * The Status for an error response whose body is not a metav1.Status (a proxy's HTML page, plain
 * text): reason and message from the HTTP code, the body (shortened) as the cause, as client-go does.
 */
export function statusFromResponse(code: number, body: string): Status {
  const known = reasonForCode[code];
  const text = body.trim();
  const status: Status = {
    apiVersion: "v1",
    kind: "Status",
    status: "Failure",
    code,
    reason: known?.reason ?? StatusReason.Unknown,
    message:
      known?.message ??
      `an error on the server ("${shorten(text, 200)}") has prevented the request from succeeding`,
  };
  if (text)
    status.details = { causes: [{ reason: "UnexpectedServerResponse", message: shorten(text, 1024) }] };
  return status;
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}...`;
}

/** A parsed body is a metav1.Status when it says so. */
export function isStatus(v: unknown): v is Status {
  return typeof v === "object" && v !== null && (v as Status).kind === "Status";
}

function reasonAndCode(e: unknown): { reason: string; code: number } | undefined {
  if (e instanceof StatusError) return { reason: e.reason, code: e.code };
  return undefined;
}

/** client-go's rule: the reason decides; when the server gave no known reason, the HTTP code does. */
function matches(e: unknown, reason: string, code?: number): boolean {
  const rc = reasonAndCode(e);
  if (!rc) return false;
  if (rc.reason === reason) return true;
  return code !== undefined && !knownReasons.has(rc.reason) && rc.code === code;
}

/** The metav1.StatusReason of an API error; "" (Unknown) for anything else. */
export function reasonForError(e: unknown): string {
  return e instanceof StatusError ? e.reason : StatusReason.Unknown;
}
export const isNotFound = (e: unknown): boolean => matches(e, StatusReason.NotFound, 404);
export const isAlreadyExists = (e: unknown): boolean => matches(e, StatusReason.AlreadyExists);
export const isConflict = (e: unknown): boolean => matches(e, StatusReason.Conflict, 409);
/** 422: the object failed validation; the field causes are in `invalidCauses(e)`. */
export const isInvalid = (e: unknown): boolean => matches(e, StatusReason.Invalid, 422);
export const isForbidden = (e: unknown): boolean => matches(e, StatusReason.Forbidden, 403);
export const isUnauthorized = (e: unknown): boolean => matches(e, StatusReason.Unauthorized, 401);
export const isBadRequest = (e: unknown): boolean => matches(e, StatusReason.BadRequest, 400);
/**
 * 410: the requested resourceVersion is too old (reason Gone or Expired): list again and watch from
 * the new resourceVersion. True for both reasons, unlike client-go, where IsGone misses "Expired".
 */
export const isGone = (e: unknown): boolean =>
  matches(e, StatusReason.Gone, 410) || matches(e, StatusReason.Expired) || reasonAndCode(e)?.code === 410;
/** Same test as isGone (any 410): the API server reports expired resourceVersions with either reason. */
export const isResourceExpired = isGone;
/** 429, whatever the reason; `suggestsClientDelay(e)` gives the Retry-After seconds. */
export const isTooManyRequests = (e: unknown): boolean =>
  matches(e, StatusReason.TooManyRequests) || reasonAndCode(e)?.code === 429;
export const isTimeout = (e: unknown): boolean => matches(e, StatusReason.Timeout, 504);
export const isServerTimeout = (e: unknown): boolean => matches(e, StatusReason.ServerTimeout);
export const isServiceUnavailable = (e: unknown): boolean => matches(e, StatusReason.ServiceUnavailable, 503);
export const isInternalError = (e: unknown): boolean => matches(e, StatusReason.InternalError, 500);
export const isMethodNotSupported = (e: unknown): boolean => matches(e, StatusReason.MethodNotAllowed, 405);
export const isNotAcceptable = (e: unknown): boolean => matches(e, StatusReason.NotAcceptable, 406);
export const isUnsupportedMediaType = (e: unknown): boolean =>
  matches(e, StatusReason.UnsupportedMediaType, 415);
export const isRequestEntityTooLarge = (e: unknown): boolean =>
  matches(e, StatusReason.RequestEntityTooLarge, 413);

/** Seconds the server asked us to wait (Retry-After / details.retryAfterSeconds), if any. */
export function suggestsClientDelay(e: unknown): number | undefined {
  return e instanceof StatusError ? e.retryAfterSeconds : undefined;
}

/** The field causes of an Invalid (422) error: [{ field: "spec.replicas", message, reason }]. */
export function invalidCauses(e: unknown): { reason?: string; message?: string; field?: string }[] {
  return e instanceof StatusError ? (e.status.details?.causes ?? []) : [];
}
