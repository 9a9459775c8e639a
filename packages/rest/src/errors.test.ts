import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  invalidCauses,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isMethodNotSupported,
  isNotFound,
  isResourceExpired,
  isServerTimeout,
  isServiceUnavailable,
  isTimeout,
  isTooManyRequests,
  isUnauthorized,
  reasonForError,
  type Status,
  StatusError,
  statusFromResponse,
  suggestsClientDelay,
  TransportError,
} from "./errors.js";

const err = (status: Status, retryAfter?: number) =>
  new StatusError(status, "GET", "https://h/api/v1/pods", retryAfter);
const guards = {
  isNotFound,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isForbidden,
  isUnauthorized,
  isBadRequest,
  isGone,
  isResourceExpired,
  isTooManyRequests,
  isTimeout,
  isServerTimeout,
  isServiceUnavailable,
  isInternalError,
  isMethodNotSupported,
};
const trueGuards = (e: unknown) =>
  Object.entries(guards)
    .filter(([, g]) => g(e))
    .map(([n]) => n)
    .sort();

describe("error guards", () => {
  const cases: [Status, string[]][] = [
    [{ code: 404, reason: "NotFound" }, ["isNotFound"]],
    [{ code: 409, reason: "AlreadyExists" }, ["isAlreadyExists"]],
    [{ code: 409, reason: "Conflict" }, ["isConflict"]],
    [{ code: 422, reason: "Invalid" }, ["isInvalid"]],
    [{ code: 403, reason: "Forbidden" }, ["isForbidden"]],
    [{ code: 401, reason: "Unauthorized" }, ["isUnauthorized"]],
    [{ code: 400, reason: "BadRequest" }, ["isBadRequest"]],
    [{ code: 410, reason: "Gone" }, ["isGone", "isResourceExpired"]],
    [{ code: 410, reason: "Expired" }, ["isGone", "isResourceExpired"]],
    [{ code: 429, reason: "TooManyRequests" }, ["isTooManyRequests"]],
    [{ code: 504, reason: "Timeout" }, ["isTimeout"]],
    [{ code: 500, reason: "ServerTimeout" }, ["isServerTimeout"]],
    [{ code: 503, reason: "ServiceUnavailable" }, ["isServiceUnavailable"]],
    [{ code: 500, reason: "InternalError" }, ["isInternalError"]],
    [{ code: 405, reason: "MethodNotAllowed" }, ["isMethodNotSupported"]],
    // No reason: the HTTP code decides.
    [{ code: 404 }, ["isNotFound"]],
    [{ code: 409 }, ["isConflict"]],
    [{ code: 500 }, ["isInternalError"]],
    [{ code: 429 }, ["isTooManyRequests"]],
    // A known reason wins over the code.
    [{ code: 500, reason: "NotFound" }, ["isNotFound"]],
  ];
  for (const [status, want] of cases) {
    test(`${status.code} ${status.reason ?? "(no reason)"} → ${want.join(", ")}`, () => {
      assert.deepEqual(trueGuards(err(status)), want.sort());
    });
  }

  test("non-API errors match nothing", () => {
    assert.deepEqual(trueGuards(new Error("x")), []);
    assert.deepEqual(trueGuards(new TransportError("x", "u", null)), []);
    assert.deepEqual(trueGuards(undefined), []);
    assert.equal(reasonForError(new Error("x")), "");
  });

  test("reason, retry-after and invalid causes", () => {
    const e = err({ code: 429, reason: "TooManyRequests", details: { retryAfterSeconds: 7 } });
    assert.equal(reasonForError(e), "TooManyRequests");
    assert.equal(suggestsClientDelay(e), 7);
    assert.equal(suggestsClientDelay(err({ code: 429 }, 3)), 3);
    const inv = err({
      code: 422,
      reason: "Invalid",
      details: { causes: [{ field: "spec.replicas", reason: "FieldValueInvalid", message: "must be >= 0" }] },
    });
    assert.deepEqual(invalidCauses(inv), [
      { field: "spec.replicas", reason: "FieldValueInvalid", message: "must be >= 0" },
    ]);
  });

  test("message carries verb, URL and the server's message", () => {
    const e = err({ code: 404, reason: "NotFound", message: 'pods "x" not found' });
    assert.equal(e.message, 'GET https://h/api/v1/pods: pods "x" not found (404 NotFound)');
    assert.ok(e instanceof Error);
  });

  test("a very long URL (an exec with a long command line) is shortened in the message, kept whole in url", () => {
    const url = `https://h/api/v1/namespaces/d/pods/p/exec?${"command=x&".repeat(100_000)}`;
    const e = new StatusError({ code: 431, message: "Request Header Fields Too Large" }, "GET", url);
    assert.equal(e.url, url);
    assert.ok(e.message.length < 500, `${e.message.length} characters`);
    assert.ok(e.message.startsWith("GET https://h/api/v1/namespaces/d/pods/p/exec?command=x&"));
    assert.match(e.message, /\.\.\. \(1000042 characters\): Request Header Fields Too Large \(431\)$/);
  });

  test("a non-Status body still yields a Status from the HTTP code", () => {
    const s = statusFromResponse(503, "<html>maintenance</html>");
    assert.equal(s.reason, "ServiceUnavailable");
    assert.equal(s.code, 503);
    assert.equal(s.details?.causes?.[0]?.message, "<html>maintenance</html>");
    assert.ok(isServiceUnavailable(err(s)));
    assert.equal(statusFromResponse(418, "teapot").reason, "");
  });
});
