import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import {
  DecodeError,
  isForbidden,
  isGone,
  isNotFound,
  isServiceUnavailable,
  isTooManyRequests,
  StatusError,
  TransportError,
} from "./errors.js";
import { maxConnectionRetries } from "./retry.js";
import { json, localFixtures, type TestServer, testPKI } from "./testing/tls.js";

const { servers, clients, serve, client } = localFixtures();

describe("RESTClient over HTTPS", () => {
  test("GET decodes JSON and sends accept, user agent and bearer token", async () => {
    const s = await serve((_req, res) => json(res, 200, { kind: "PodList", items: [{ a: "é" }] }));
    const c = client(s, { bearerToken: "t0ken" });
    const out = await c.request<{ items: { a: string }[] }>({
      method: "GET",
      namespace: "ns",
      resource: "pods",
      options: { labelSelector: "app=web", limit: 5 },
    });
    assert.equal(out.items[0]!.a, "é");
    const r = s.requests[0]!;
    assert.equal(r.url, "/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb&limit=5");
    assert.equal(r.headers.authorization, "Bearer t0ken");
    assert.equal(r.headers.accept, "application/json, */*");
    assert.match(r.headers["user-agent"] ?? "", /^org-rest\//);
  });

  test("forConfig shares one client (transport, limiter) per config object", () => {
    const config: RestConfig = { host: "https://127.0.0.1:1" };
    const a = RESTClient.forConfig(config);
    clients.push(a);
    assert.equal(RESTClient.forConfig(config), a);
    assert.ok(a.rateLimiter);
    assert.notEqual(RESTClient.forConfig({ ...config }), a);
  });

  test("serverName: a host name is sent as SNI and checked; an IP is checked against the certificate's IPs, sent as no SNI, without Node's DEP0123 warning", async () => {
    const sni: (string | false)[] = [];
    const s = await serve((req, res) => {
      sni.push((req.socket as import("node:tls").TLSSocket).servername ?? false);
      json(res, 200, {});
    });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => void warnings.push(w.code ?? w.message);
    process.on("warning", onWarning);
    try {
      const at = `https://localhost:${s.port}`;
      await client(s, { host: at, tls: { caData: testPKI().caCert, serverName: "127.0.0.1" } }).request({
        method: "GET",
        path: "/version",
      });
      await client(s, { tls: { caData: testPKI().caCert, serverName: "localhost" } }).request({
        method: "GET",
        path: "/version",
      });
      await client(s, { host: at, tls: { caData: testPKI().caCert } }).request({ method: "GET", path: "/v" });
      // a name the certificate does not have, IP or host name, fails the check
      for (const serverName of ["127.0.0.2", "other.example"]) {
        await assert.rejects(
          client(s, { tls: { caData: testPKI().caCert, serverName } }).request({ method: "GET", path: "/v" }),
          (e: unknown) => e instanceof TransportError && /not trusted/.test(e.message),
        );
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    // an IP server name is sent as no SNI (as Go's TLS client does); a host name is, and so is the
    // URL's host name when there is no server name
    assert.deepEqual(sni, [false, "localhost", "localhost"]);
    assert.deepEqual(warnings, []);
  });

  test("a server certificate from another CA is rejected as a TransportError", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const c = client(s, { tls: { caData: testPKI().otherCaCert } });
    await assert.rejects(c.request({ method: "GET", path: "/version" }), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.match(e.message, /not trusted/);
      assert.equal(e.url, `${s.url}/version`);
      return true;
    });
    assert.equal(s.requests.length, 0);
  });

  test("insecure skips verification only when set", async () => {
    const s = await serve((_req, res) => json(res, 200, { ok: true }));
    const c = client(s, { tls: { insecure: true } });
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { ok: true });
  });

  test("client certificate from files is presented", async () => {
    const s = await serve((_req, res) => json(res, 200, {}), { requestCert: true });
    const p = testPKI().paths;
    const c = client(s, { tls: { caFile: p.caCert, certFile: p.clientCert, keyFile: p.clientKey } });
    await c.request({ method: "GET", path: "/api" });
    assert.equal(s.requests[0]!.clientCertCN, "tester");
  });

  test("impersonation: user, uid, one header line per group and extra value", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const c = client(s, {
      impersonate: {
        user: "jane",
        uid: "42",
        groups: ["g1", "g2"],
        extra: { "scopes.example.com/x y": ["a", "b"] },
      },
    });
    await c.request({ method: "GET", path: "/api" });
    const raw = s.requests[0]!.rawHeaders;
    const values = (name: string) =>
      raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === name.toLowerCase());
    assert.deepEqual(values("Impersonate-User"), ["jane"]);
    assert.deepEqual(values("Impersonate-Uid"), ["42"]);
    assert.deepEqual(values("Impersonate-Group"), ["g1", "g2"]);
    assert.deepEqual(values("Impersonate-Extra-scopes.example.com%2Fx%20y"), ["a", "b"]);
  });

  test("POST sends a JSON body with its content type", async () => {
    const s = await serve((_req, res, rec) => json(res, 201, JSON.parse(rec.body)));
    const c = client(s);
    const out = await c.request({
      method: "POST",
      resource: "namespaces",
      body: { metadata: { name: "x" } },
    });
    assert.deepEqual(out, { metadata: { name: "x" } });
    assert.equal(s.requests[0]!.headers["content-type"], "application/json");
  });

  test("Status errors become typed StatusErrors with verb and URL", async () => {
    const s = await serve((req, res) => {
      if (req.url?.includes("forbidden")) {
        json(res, 403, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "Forbidden",
          code: 403,
          message: "nope",
        });
      } else {
        res.writeHead(404, { "Content-Type": "text/html" });
        res.end("<html>not here</html>");
      }
    });
    const c = client(s);
    await assert.rejects(c.request({ method: "GET", path: "/forbidden" }), (e: unknown) => {
      assert.ok(e instanceof StatusError && isForbidden(e));
      assert.equal(e.verb, "GET");
      assert.equal(e.url, `${s.url}/forbidden`);
      assert.equal(e.status.message, "nope");
      return true;
    });
    await assert.rejects(c.request({ method: "GET", path: "/elsewhere" }), (e: unknown) => {
      assert.ok(e instanceof StatusError && isNotFound(e));
      assert.equal(e.code, 404);
      assert.equal(e.status.details?.causes?.[0]?.message, "<html>not here</html>");
      return true;
    });
  });

  test("429 storm with Retry-After: waits and retries until it succeeds", async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n <= 3)
        json(res, 429, { kind: "Status", code: 429, reason: "TooManyRequests" }, { "Retry-After": "0" });
      else json(res, 200, { ok: n });
    });
    const c = client(s);
    assert.deepEqual(await c.request({ method: "POST", path: "/x", body: {} }), { ok: 4 });
    assert.equal(s.requests.length, 4);
  });

  test("429 forever: gives up after 10 retries with the Retry-After seconds", async () => {
    const s = await serve((_req, res) =>
      json(
        res,
        429,
        { kind: "Status", code: 429, reason: "TooManyRequests", message: "slow down" },
        { "Retry-After": "0" },
      ),
    );
    const c = client(s);
    await assert.rejects(c.request({ method: "GET", path: "/x" }), (e: unknown) => {
      assert.ok(isTooManyRequests(e));
      assert.equal((e as StatusError).retryAfterSeconds, 0);
      return true;
    });
    assert.equal(s.requests.length, 11);
  });

  test("5xx with Retry-After is retried; 5xx without it is not", async () => {
    let n = 0;
    const s = await serve((req, res) => {
      n++;
      if (req.url === "/with" && n === 1)
        json(res, 503, { kind: "Status", code: 503 }, { "Retry-After": "0" });
      else if (req.url === "/with") json(res, 200, { ok: true });
      else json(res, 503, { kind: "Status", code: 503, reason: "ServiceUnavailable" });
    });
    const c = client(s);
    assert.deepEqual(await c.request({ method: "GET", path: "/with" }), { ok: true });
    await assert.rejects(c.request({ method: "GET", path: "/without" }), (e: unknown) =>
      isServiceUnavailable(e),
    );
    assert.equal(s.requests.filter((r) => r.url === "/without").length, 1);
  });

  test("an AbortSignal ends a Retry-After wait", async () => {
    const s = await serve((_req, res) =>
      json(res, 429, { kind: "Status", code: 429 }, { "Retry-After": "3600" }),
    );
    const c = client(s);
    const ac = new AbortController();
    const p = c.request({ method: "GET", path: "/x", signal: ac.signal });
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await assert.rejects(p, (e: unknown) => (e as Error).name === "AbortError");
  });

  test("connection reset mid-response: a GET is retried, a POST is not", async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1 || n === 3) {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 20);
      } else json(res, 200, { ok: n });
    });
    const c = client(s);
    assert.deepEqual(await c.request({ method: "GET", path: "/a" }), { ok: 2 });
    await assert.rejects(c.request({ method: "POST", path: "/b", body: {} }), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.match(e.message, /^POST https:\/\/127\.0\.0\.1:\d+\/b: /);
      return true;
    });
    assert.equal(s.requests.filter((r) => r.url === "/b").length, 1);
  });

  test("a GET that keeps failing without a response is retried maxConnectionRetries times, then fails", async () => {
    const s = await serve((_req, res) => {
      res.socket?.destroy();
    });
    await assert.rejects(client(s).request({ method: "GET", path: "/down" }), TransportError);
    assert.equal(s.requests.length, 1 + maxConnectionRetries);
  });

  test("connection refused is retried, then reported as a TransportError", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const c = RESTClient.forConfig({
      host: url,
      tls: { caData: testPKI().caCert },
      rateLimiter: null,
      maxRetries: 2,
    });
    clients.push(c);
    await assert.rejects(c.request({ method: "GET", path: "/x" }), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, "ECONNREFUSED");
      assert.match(e.message, /connection refused/);
      return true;
    });
  });

  test("a redirect to another host is not followed and no credentials leave", async () => {
    const other = await serve((_req, res) => json(res, 200, { stolen: true }));
    const s = await serve((_req, res) => {
      res.writeHead(302, { Location: `${other.url.replace("127.0.0.1", "localhost")}/steal` });
      res.end();
    });
    const c = client(s, { bearerToken: "secret-token" });
    await assert.rejects(c.request({ method: "GET", path: "/x" }), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 302);
      assert.match(e.message, /redirects are not followed/);
      assert.doesNotMatch(e.message, /secret-token/);
      return true;
    });
    assert.equal(other.requests.length, 0);
  });

  test("a slow body hits the timeout as a TransportError", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("[");
      const t = setInterval(() => res.write("1,"), 50);
      res.on("close", () => clearInterval(t));
    });
    const c = client(s, { timeoutMs: 300 });
    await assert.rejects(c.request({ method: "GET", path: "/slow" }), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.timedOut, true);
      assert.match(e.message, /timed out after 300ms/);
      return true;
    });
  });

  test("a body that is not JSON is a DecodeError", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{not json");
    });
    await assert.rejects(client(s).request({ method: "GET", path: "/x" }), DecodeError);
  });

  test("requestText returns the body; requestStream streams it", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("line 1\n");
      setTimeout(() => res.end("line 2\n"), 20);
    });
    const c = client(s);
    assert.equal(await c.requestText({ method: "GET", path: "/log" }), "line 1\nline 2\n");
    let text = "";
    for await (const chunk of await c.requestStream({ method: "GET", path: "/log" }))
      text += Buffer.from(chunk).toString();
    assert.equal(text, "line 1\nline 2\n");
  });

  test("Warning headers go to the warning handler", async () => {
    const s = await serve((_req, res) =>
      json(res, 200, {}, { Warning: '299 - "v1beta1 is deprecated", 299 - "unknown field \\"x\\""' }),
    );
    const seen: string[] = [];
    await client(s, { warningHandler: (m) => seen.push(m) }).request({ method: "GET", path: "/x" });
    assert.deepEqual(seen, ["v1beta1 is deprecated", 'unknown field "x"']);
  });

  test("a token file is used, and re-read after a 401", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rest-token-"));
    const file = join(dir, "token");
    writeFileSync(file, "old\n");
    const s = await serve((req, res) => {
      if (req.headers.authorization === "Bearer new") json(res, 200, { ok: true });
      else {
        writeFileSync(file, "new");
        json(res, 401, { kind: "Status", code: 401, reason: "Unauthorized" });
      }
    });
    const c = client(s, { bearerTokenFile: file });
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { ok: true });
    assert.deepEqual(
      s.requests.map((r) => r.headers.authorization),
      ["Bearer old", "Bearer new"],
    );
  });
});

describe("watch over HTTPS", () => {
  const ev = (type: string, name: string) => `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;

  test("events split across chunks (and inside a UTF-8 character) decode in order", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const all = Buffer.from(ev("ADDED", "a") + ev("MODIFIED", "ünï") + ev("DELETED", "c"));
      const cuts = [5, 30, 31, 50, 51, 52, all.length];
      let prev = 0;
      for (const cut of cuts) {
        res.write(all.subarray(prev, cut));
        prev = cut;
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    });
    const got: string[] = [];
    const w = client(s).watch<{ metadata: { name: string } }>({ method: "GET", resource: "pods" });
    for await (const e of w) got.push(`${e.type}:${e.object.metadata.name}`);
    assert.deepEqual(got, ["ADDED:a", "MODIFIED:ünï", "DELETED:c"]);
    assert.equal(s.requests[0]!.url, "/api/v1/pods?watch=true");
  });

  test("a malformed line is an error after the good events, never dropped", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(`${ev("ADDED", "a")}{"type":"ADDED","obj\n${ev("ADDED", "b")}`);
    });
    const got: string[] = [];
    await assert.rejects(async () => {
      for await (const e of client(s).watch<{ metadata: { name: string } }>({ method: "GET", path: "/w" }))
        got.push(e.object.metadata.name);
    }, DecodeError);
    assert.deepEqual(got, ["a"]);
  });

  test("an ERROR event with 410 throws a StatusError that isGone", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        ev("ADDED", "a") +
          `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } })}\n`,
      );
    });
    await assert.rejects(
      async () => {
        for await (const _ of client(s).watch({ method: "GET", path: "/w" })) {
        }
      },
      (e: unknown) =>
        isGone(e) && e instanceof StatusError && e.status.message === "too old resource version",
    );
  });

  test("stop() ends a quiet watch promptly and closes the connection", async () => {
    let closed = false;
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(ev("ADDED", "a"));
      res.on("close", () => {
        closed = true;
      });
    });
    const w = client(s).watch<{ metadata: { name: string } }>({ method: "GET", path: "/w" });
    const got: string[] = [];
    for await (const e of w) {
      got.push(e.object.metadata.name);
      setTimeout(() => w.stop(), 20);
    }
    assert.deepEqual(got, ["a"]);
    while (!closed) await new Promise((r) => setTimeout(r, 10));
    assert.ok(closed);
  });

  test("an AbortSignal ends the watch; a non-2xx start throws a StatusError", async () => {
    const s = await serve((req, res) => {
      if (req.url?.startsWith("/denied")) {
        json(res, 403, { kind: "Status", code: 403, reason: "Forbidden" });
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(ev("ADDED", "a"));
    });
    const c = client(s);
    const ac = new AbortController();
    const got: string[] = [];
    for await (const e of c.watch<{ metadata: { name: string } }>({
      method: "GET",
      path: "/w",
      signal: ac.signal,
    })) {
      got.push(e.object.metadata.name);
      ac.abort();
    }
    assert.deepEqual(got, ["a"]);
    await assert.rejects(async () => {
      for await (const _ of c.watch({ method: "GET", path: "/denied" })) {
      }
    }, isForbidden);
  });

  test("a connection reset mid-watch is a TransportError, not a silent end", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(ev("ADDED", "a"));
      setTimeout(() => res.socket?.destroy(), 30);
    });
    const got: string[] = [];
    await assert.rejects(async () => {
      for await (const e of client(s).watch<{ metadata: { name: string } }>({ method: "GET", path: "/w" }))
        got.push(e.object.metadata.name);
    }, TransportError);
    assert.deepEqual(got, ["a"]);
  });

  test("breaking out of the loop closes the connection", async () => {
    let closed = false;
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(ev("ADDED", "a") + ev("ADDED", "b"));
      res.on("close", () => {
        closed = true;
      });
    });
    for await (const _ of client(s).watch({ method: "GET", path: "/w" })) break;
    while (!closed) await new Promise((r) => setTimeout(r, 10));
    assert.ok(closed);
  });

  /** A server streaming `total` 4 KB events, 1 MB a write, each once the last one reached the socket. */
  async function eventFlood(total: number): Promise<{ server: TestServer; written: () => number }> {
    const pad = "x".repeat(4000);
    let written = 0;
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      while (written < total) {
        let batch = "";
        for (let i = 0; i < 250; i++, written++)
          batch += `${JSON.stringify({ type: "ADDED", object: { metadata: { name: String(written) }, pad } })}\n`;
        if (!res.write(batch)) await new Promise((r) => res.once("drain", r));
      }
      res.end();
    });
    return { server, written: () => written };
  }

  test("a slow consumer holds the server back; every event arrives, in order", async () => {
    // 64 MB of events against a consumer that stops every 20 events: the events read but not yet
    // taken stay bounded (the connection is paused), so the server cannot run far ahead
    const total = 16_000;
    const { server, written } = await eventFlood(total);
    let n = 0;
    let lead = 0;
    for await (const e of client(server).watch<{ metadata: { name: string } }>({
      method: "GET",
      path: "/w",
    })) {
      assert.equal(e.object.metadata.name, String(n));
      n++;
      lead = Math.max(lead, written() - n);
      if (n % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(n, total);
    assert.ok(lead < total / 2, `the server ran ${lead} events (${lead * 4} KB) ahead of the consumer`);
  });

  test("a watch not read yet holds the server back, then delivers everything", async () => {
    const total = 16_000;
    const { server, written } = await eventFlood(total);
    const w = client(server).watch<{ metadata: { name: string } }>({ method: "GET", path: "/w" });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(written() < total / 2, `the server wrote ${written()} of ${total} events with nobody reading`);
    let n = 0;
    for await (const e of w) assert.equal(e.object.metadata.name, String(n++));
    assert.equal(n, total);
  });

  test("a watch stopped before it is read ends with no events", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(ev("ADDED", "a"));
    });
    const w = client(s).watch({ method: "GET", path: "/w" });
    await new Promise((r) => setTimeout(r, 50));
    w.stop();
    const got: unknown[] = [];
    for await (const e of w) got.push(e);
    assert.deepEqual(got, []);
  });

  test("a watch is not cut off by the request timeout once events flow", async () => {
    const s = await serve(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      for (const name of ["a", "b", "c"]) {
        res.write(ev("ADDED", name));
        await new Promise((r) => setTimeout(r, 700));
      }
      res.end();
    });
    const got: string[] = [];
    for await (const e of client(s, { timeoutMs: 500 }).watch<{ metadata: { name: string } }>({
      method: "GET",
      path: "/w",
    }))
      got.push(e.object.metadata.name);
    assert.deepEqual(got, ["a", "b", "c"]);
  });
});
