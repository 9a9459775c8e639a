// The retry policy of one call: a 429 or 5xx with Retry-After waits and tries again (the server did
// not process it, so every verb may); a failure without a response is retried a few times quickly,
// and only when the request cannot have been processed twice: refused, or failed before it was sent
// in full (every verb); a reset or premature EOF after it was sent: only for GET. A write that was
// sent is never sent again.

import { DecodeError, StatusError, TransportError } from "./errors.js";
import { errorCode } from "./transport.js";

/** Retries of 429/5xx-with-Retry-After responses when `maxRetries` is unset. */
export const defaultMaxRetries = 10;
/**
 * Retries after a failure without a response (refused, or a reset/EOF on a GET): few and quick, so a
 * server that is down fails the call in about 1.5 s, as kubectl's does, instead of after the full
 * Retry-After budget.
 */
export const maxConnectionRetries = 3;

/**
 * Where an attempt failed: `prepare` before anything was sent (rate limiter, credentials), `send`
 * while connecting (TCP, TLS) or writing the request, `sent` once the request was written in full
 * (waiting for the response headers), `read` while reading a response.
 */
export type AttemptStage = "prepare" | "send" | "sent" | "read";

/** Failures without a response worth another attempt (refused, reset, EOF). */
const retryableCodes = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ECONNREFUSED", "UND_ERR_CLOSED"]);

const day = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const weekday = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const time = String.raw`\d{2}:\d{2}:\d{2}`;
/** The GMT forms of an HTTP-date (RFC 9110 5.6.7): IMF-fixdate and the obsolete RFC 850. */
const gmtDate = new RegExp(
  String.raw`^(?:${day}, \d{2} ${month} \d{4}|${weekday}, \d{2}-${month}-\d{2}) ${time} GMT$`,
);
/** asctime, the third form: GMT without saying so. */
const asctimeDate = new RegExp(String.raw`^${day} ${month} [ \d]\d ${time} \d{4}$`);

/**
 * Retry-After as seconds, or undefined when it is missing or not a value client-go would wait on.
 * Seconds are read as client-go's strconv.Atoi reads them (an optional sign, then digits; "1.5" or
 * "5s" are no Retry-After at all, so the response is not retried); a negative value waits 0 s, as a
 * negative wait does in Go. An HTTP-date (which client-go ignores) is honoured too, but only in the
 * forms RFC 9110 defines, not whatever Date.parse would make of a string ("2" is no date).
 */
export function parseRetryAfter(v: string | undefined, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim(); // Go's header parser trims the value
  if (/^[+-]?\d+$/.test(s)) return Math.max(0, Number(s));
  let t = Number.NaN;
  if (gmtDate.test(s)) t = Date.parse(s);
  else if (asctimeDate.test(s)) t = Date.parse(`${s} GMT`);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

/** 200ms, 400ms, 800ms, 1.6s, then 2s (plus up to 20% jitter). */
function backoffMs(attempt: number): number {
  const base = Math.min(2000, 200 * 2 ** (attempt - 1));
  return base + Math.random() * base * 0.2;
}

/** The retries of one call: each answer says how long to wait before the next attempt, or undefined to stop. */
export class RetryPolicy {
  readonly #maxRetries: number;
  #responses = 0;
  #failures = 0;

  constructor(maxRetries: number) {
    this.#maxRetries = maxRetries;
  }

  /** After an error response: wait Retry-After for a 429 or 5xx that has one, at most maxRetries times. */
  afterResponse(code: number, retryAfterSeconds: number | undefined): number | undefined {
    if ((code !== 429 && code < 500) || retryAfterSeconds === undefined) return undefined;
    if (this.#responses >= this.#maxRetries) return undefined;
    this.#responses++;
    return retryAfterSeconds * 1000;
  }

  /** After a failure without a (complete) response: back off when the request cannot be processed twice. */
  afterFailure(method: string, stage: AttemptStage, err: unknown): number | undefined {
    if (stage === "prepare") return undefined;
    if (this.#failures >= Math.min(maxConnectionRetries, this.#maxRetries)) return undefined;
    if (err instanceof StatusError || err instanceof DecodeError || err instanceof TransportError)
      return undefined;
    const code = errorCode(err);
    if (code === undefined || !retryableCodes.has(code)) return undefined;
    // Refused, or cut before the request was written in full: the server cannot have processed it,
    // safe for every verb. After that (sent, or reading): ambiguous, only for GET.
    if (code !== "ECONNREFUSED" && stage !== "send" && method !== "GET") return undefined;
    this.#failures++;
    return backoffMs(this.#failures);
  }
}
