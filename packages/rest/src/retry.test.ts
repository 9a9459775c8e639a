// The retry policy against client-go's rest package (request.go's checkWait / retryAfterSeconds,
// with_retry.go's IsNextRetry): which Retry-After values are waited on, how long, and that what is
// retried is the same request. Local servers, for Retry-After values the real API server will not
// send on demand (it sends only small integers).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { ConfigError, isTooManyRequests, type StatusError } from "./errors.js";
import { parseRetryAfter } from "./retry.js";
import { json, localFixtures } from "./testing/tls.js";

const { clients, serve, client } = localFixtures();

const tooMany = { kind: "Status", apiVersion: "v1", status: "Failure", code: 429, reason: "TooManyRequests" };

describe("parseRetryAfter reads seconds as client-go's strconv.Atoi does", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:27:00 GMT");
  test("integers, with a sign; a negative one waits 0 s; surrounding spaces are trimmed", () => {
    for (const [v, want] of [
      ["0", 0],
      ["5", 5],
      ["+5", 5],
      [" 7 ", 7],
      ["-1", 0],
      ["86400", 86400],
    ] as const) {
      assert.equal(parseRetryAfter(v, now), want, JSON.stringify(v));
    }
  });
  test("anything else is no Retry-After: not a fraction, a unit, a bare number Date.parse takes for a date", () => {
    for (const v of [
      undefined,
      "",
      "1.5",
      "5s",
      "2030-01-01",
      "tomorrow",
      "0x10",
      "1e3",
      "Wed, 21 Oct 2015 07:28:00 PST",
    ]) {
      assert.equal(parseRetryAfter(v, now), undefined, JSON.stringify(v));
    }
  });
  test("the three HTTP-date forms of RFC 9110, as seconds from now (0 when past)", () => {
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), 60);
    assert.equal(parseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now), 60);
    assert.equal(parseRetryAfter("Wed Oct 21 07:28:00 2015", now), 60); // asctime is GMT
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), 0);
  });
});

describe("Retry-After values as a server sends them", () => {
  test("a Retry-After that is not an integer (1.5) is not waited on: the 429 comes back at once, as in client-go", async () => {
    const s = await serve((_req, res) => json(res, 429, tooMany, { "Retry-After": "1.5" }));
    await assert.rejects(client(s).request({ method: "GET", path: "/x" }), (e: unknown) => {
      assert.ok(isTooManyRequests(e));
      assert.equal((e as StatusError).retryAfterSeconds, undefined);
      return true;
    });
    assert.equal(s.requests.length, 1);
  });

  test("a negative Retry-After retries without waiting, as a negative wait does in client-go", async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      if (++n === 1) json(res, 429, tooMany, { "Retry-After": "-3" });
      else json(res, 200, { ok: true });
    });
    assert.deepEqual(await client(s).request({ method: "GET", path: "/x" }), { ok: true });
    assert.equal(s.requests.length, 2);
  });

  test("a Retry-After longer than a Node timer holds (30 days) is waited on, not retried at once", async () => {
    const s = await serve((_req, res) => json(res, 429, tooMany, { "Retry-After": String(30 * 86400) }));
    const ac = new AbortController();
    const p = client(s).request({ method: "GET", path: "/x", signal: ac.signal, timeoutMs: 0 });
    p.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.requests.length, 1, "still waiting after the first 429");
    ac.abort();
    await assert.rejects(p, (e: unknown) => (e as Error).name === "AbortError");
  });
});

describe("what a retry sends", () => {
  test("a POST, PUT or PATCH refused with 429 is sent again with the same body, byte for byte (JSON, string, 1 MiB of bytes)", async () => {
    const seen = new Map<string, number>();
    const s = await serve((req, res) => {
      const n = (seen.get(req.url ?? "") ?? 0) + 1;
      seen.set(req.url ?? "", n);
      if (n <= 2) json(res, 429, tooMany, { "Retry-After": "0" });
      else json(res, 200, {});
    });
    const c = client(s);
    const bytes = new Uint8Array(1 << 20).map((_, i) => (i * 31) % 251);
    await c.request({ method: "POST", path: "/json", body: { data: { k: "v ü" } } });
    await c.request({ method: "PUT", path: "/text", body: "plain text ü", contentType: "text/plain" });
    await c.request({
      method: "PATCH",
      path: "/bytes",
      body: bytes,
      contentType: "application/merge-patch+json",
    });
    for (const [path, want] of [
      ["/json", JSON.stringify({ data: { k: "v ü" } })],
      ["/text", "plain text ü"],
      ["/bytes", Buffer.from(bytes).toString("utf8")],
    ] as const) {
      const bodies = s.requests.filter((r) => r.url === path).map((r) => r.body);
      assert.equal(bodies.length, 3, path);
      for (const b of bodies) assert.ok(b === want, `${path}: a retry sent another body`);
    }
  });
});

describe("limit, retry and timeout options with a bad value", () => {
  test("each is a ConfigError naming the option, at forConfig", () => {
    const host = "https://127.0.0.1:1";
    for (const [key, value] of [
      ["qps", Number.NaN],
      ["qps", Number.POSITIVE_INFINITY],
      ["qps", "5"],
      ["burst", 0],
      ["burst", 2.5],
      ["burst", -1],
      ["maxRetries", Number.NaN],
      ["maxRetries", -1],
      ["maxRetries", 1.5],
      ["timeoutMs", -1],
      ["timeoutMs", Number.POSITIVE_INFINITY],
      ["timeoutMs", "30s"],
      ["idleTimeoutMs", Number.NaN],
    ] as const) {
      assert.throws(
        () => RESTClient.forConfig({ host, [key]: value } as RestConfig),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `${key}: ${String(e)}`);
          assert.match(e.message, new RegExp(`^RestConfig\\.${key} must be .+; got `));
          return true;
        },
      );
    }
    // the edges that are fine: limiting off, no retries, no timeout, a timeout longer than a Node timer
    for (const ok of [
      { qps: 0 },
      { qps: -1 },
      { maxRetries: 0 },
      { timeoutMs: 0 },
      { timeoutMs: 30 * 86400_000 },
    ]) {
      clients.push(RESTClient.forConfig({ host, ...ok }));
    }
  });

  test("a call's timeoutMs or idleTimeoutMs that is not a number >= 0 is a TypeError naming it", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const c = client(s);
    await assert.rejects(c.request({ method: "GET", path: "/x", timeoutMs: -5 }), {
      name: "TypeError",
      message: /^the call's timeoutMs must be a finite number of milliseconds >= 0 \(0: none\); got -5$/,
    });
    await assert.rejects(c.requestStream({ method: "GET", path: "/x", idleTimeoutMs: Number.NaN }), {
      name: "TypeError",
      message: /idleTimeoutMs .* got NaN/,
    });
    const w = c.watch({ method: "GET", path: "/x", options: { timeoutMs: Number.NaN } });
    await assert.rejects(
      (async () => {
        for await (const _ of w);
      })(),
      { name: "TypeError", message: /timeoutMs .* got NaN/ },
    );
    assert.equal(s.requests.length, 0);
  });

  test("a timeout longer than a Node timer holds (30 days) does not fire at once", async () => {
    const s = await serve((_req, res) => {
      setTimeout(() => json(res, 200, { ok: true }), 100);
    });
    const c = client(s, { timeoutMs: 30 * 86400_000 });
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { ok: true });
  });
});
