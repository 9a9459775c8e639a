// Timeouts, aborts and liveness windows in every phase of a call, against local servers that stall
// where a real one can (a TCP server that never finishes TLS, a listener whose accept queue is full,
// a server that takes the request and never answers, a body that stops half way), and what a failed
// write says about whether the server may have applied it.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { after, describe, mock, test } from "node:test";
import { defaultTimeoutMs, RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { TransportError } from "./errors.js";
import { timed, within10 } from "./testing/timing.js";
import { json, startTestServer, type TestServer, testPKI } from "./testing/tls.js";
import { watchIdleTimeoutMs } from "./watch.js";

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

function client(host: string, extra: Partial<RestConfig> = {}): RESTClient {
  const c = RESTClient.forConfig({ host, tls: { caData: testPKI().caCert }, rateLimiter: null, ...extra });
  closers.push(() => c.close());
  return c;
}

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const s = await startTestServer(...args);
  closers.push(() => s.close());
  return s;
}

/** A TCP server that accepts connections and never says a word: TLS never completes. */
async function silentTCP(): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<Socket>();
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    sockets.add(s);
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, connections: () => n };
}

/**
 * A listener that never accepts (its process is stopped) with a full accept queue: a new connection's
 * SYN is dropped, so connecting itself hangs (the TCP phase).
 */
async function fullBacklog(): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-e",
      `const s=require("node:net").createServer(()=>{});s.listen({port:0,host:"127.0.0.1",backlog:1},()=>console.log(s.address().port))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  process.kill(child.pid!, "SIGSTOP");
  const fillers: Socket[] = [];
  closers.push(() => {
    for (const f of fillers) f.destroy();
    process.kill(child.pid!, "SIGKILL");
  });
  // Fill the accept queue: each filler completes its handshake until the queue is full.
  for (let i = 0; i < 8; i++) {
    const f = tcpConnect(port, "127.0.0.1");
    f.on("error", () => {});
    fillers.push(f);
  }
  await new Promise((r) => setTimeout(r, 300));
  return `https://127.0.0.1:${port}`;
}

/** A server that reads the request and never answers. */
function neverAnswers(): Promise<TestServer> {
  return serve(() => {});
}

/** Headers and the start of a body, then nothing. */
function stopsMidBody(code = 200): Promise<TestServer> {
  return serve((_req, res) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.write('{"kind":"Thing","items":[');
  });
}

const phases: { name: string; host: () => Promise<string>; when: RegExp }[] = [
  { name: "TCP connect (SYN dropped)", host: fullBacklog, when: /while connecting or sending/ },
  {
    name: "TLS handshake never finishes",
    host: async () => (await silentTCP()).url,
    when: /while connecting or sending/,
  },
  {
    name: "request sent, no answer",
    host: async () => (await neverAnswers()).url,
    when: /waiting for the response/,
  },
  { name: "body stops half way", host: async () => (await stopsMidBody()).url, when: /reading the response/ },
];

describe("timeoutMs and abort hold in every phase (within 10%)", () => {
  for (const phase of phases) {
    test(`${phase.name}: timeoutMs 1000, abort at 1000 ms`, async (t) => {
      const host = await phase.host();
      const c = client(host);
      const a = await timed(() => c.request({ method: "GET", path: "/x", timeoutMs: 1000 }));
      assert.ok(a.err instanceof TransportError, String(a.err));
      assert.equal(a.err.timedOut, true);
      assert.equal(a.err.code, "ETIMEDOUT");
      assert.match(a.err.message, /timed out after 1000ms/);
      assert.match(a.err.message, phase.when);
      within10(a.ms, 1000, "timeoutMs", a.lagMs);

      const ac = new AbortController();
      const reason = new Error("caller gave up");
      const b = await timed(() => {
        setTimeout(() => ac.abort(reason), 1000);
        return client(host).request({ method: "GET", path: "/x", signal: ac.signal });
      });
      assert.equal(b.err, reason, "an abort rejects with the signal's reason");
      within10(b.ms, 1000, "abort", b.lagMs);
      t.diagnostic(
        `${phase.name}: timeoutMs 1000 → ${a.ms.toFixed(0)} ms, abort at 1000 → ${b.ms.toFixed(0)} ms`,
      );
    });
  }

  test("a watch's and a stream's timeout hold until the headers (TLS never finishes)", async (t) => {
    const { url } = await silentTCP();
    const c = client(url);
    const w = await timed(async () => {
      for await (const _ of c.watch({ method: "GET", resource: "pods", timeoutMs: 1000 })) break;
    });
    assert.ok(w.err instanceof TransportError && w.err.timedOut, String(w.err));
    within10(w.ms, 1000, "watch", w.lagMs);
    const s = await timed(() => c.requestStream({ method: "GET", path: "/logs", timeoutMs: 1000 }));
    assert.ok(s.err instanceof TransportError && s.err.timedOut, String(s.err));
    within10(s.ms, 1000, "stream", s.lagMs);
    t.diagnostic(`watch ${w.ms.toFixed(0)} ms, stream ${s.ms.toFixed(0)} ms`);
  });

  test("a Retry-After wait ends at the timeout; the first rate-limiter wait is not part of it (client-go), the signal ends it", async () => {
    const s = await serve((_req, res) =>
      json(res, 429, { kind: "Status", code: 429 }, { "Retry-After": "30" }),
    );
    const r = await timed(() => client(s.url).request({ method: "GET", path: "/x", timeoutMs: 1000 }));
    assert.ok(r.err instanceof TransportError && r.err.timedOut, String(r.err));
    assert.match(
      r.err.message,
      /before the request was sent \(rate limiter, credentials, or a wait to retry\)/,
    );
    within10(r.ms, 1000, "Retry-After wait", r.lagMs);

    // A throttled call waits for its token however long its timeout is, and then has all of it.
    const ok = await serve((_req, res) => {
      setTimeout(() => json(res, 200, { ok: true }), 150);
    });
    const queued = client(ok.url, { rateLimiter: undefined, qps: 2, burst: 1 });
    await queued.request({ method: "GET", path: "/first" }); // takes the only token
    const t0 = performance.now();
    assert.deepEqual(await queued.request({ method: "GET", path: "/second", timeoutMs: 300 }), { ok: true });
    const ms = performance.now() - t0;
    assert.ok(ms > 300, `waited ${ms.toFixed(0)} ms for the token and the answer, past timeoutMs 300`);

    const slow = client(ok.url, { rateLimiter: undefined, qps: 0.1, burst: 1 });
    await slow.request({ method: "GET", path: "/first" });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1000);
    const l = await timed(() =>
      slow.request({ method: "GET", path: "/second", timeoutMs: 200, signal: ac.signal }),
    );
    assert.equal((l.err as Error).name, "AbortError", String(l.err));
    within10(l.ms, 1000, "rate limiter, aborted", l.lagMs);
  });

  test(`with no timeout configured a call gives up after defaultTimeoutMs (${defaultTimeoutMs} ms)`, async () => {
    const s = await neverAnswers();
    const c = client(s.url);
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const p = c.request({ method: "GET", path: "/x" });
      let settled = false;
      p.catch(() => {}).finally(() => {
        settled = true;
      });
      while (s.requests.length === 0) await new Promise((r) => setImmediate(r));
      mock.timers.tick(defaultTimeoutMs - 1);
      await new Promise((r) => setImmediate(r));
      assert.equal(settled, false, "still waiting 1 ms before the default timeout");
      mock.timers.tick(1);
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof TransportError && e.timedOut);
        assert.match(e.message, new RegExp(`timed out after ${defaultTimeoutMs}ms waiting for the response`));
        return true;
      });
    } finally {
      mock.timers.reset();
    }
  });
});

describe("liveness of watches and streams", () => {
  /** One event (or chunk), then silence on an open connection. */
  function oneThenSilence(): Promise<TestServer> {
    return serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    });
  }

  test("a silent watch ends within its liveness window with an IDLE_TIMEOUT TransportError", async (t) => {
    const s = await oneThenSilence();
    const c = client(s.url);
    let lastByte = 0;
    const r = await timed(async () => {
      for await (const ev of c.watch({ method: "GET", resource: "pods", options: { idleTimeoutMs: 1000 } })) {
        assert.equal(ev.type, "ADDED");
        lastByte = performance.now();
      }
    });
    const idleFor = performance.now() - lastByte;
    assert.ok(r.err instanceof TransportError, String(r.err));
    assert.equal(r.err.code, "IDLE_TIMEOUT");
    assert.equal(r.err.timedOut, true);
    assert.match(r.err.message, /^watch https:.*: no data for 1000ms \(its liveness window, idleTimeoutMs\)/);
    assert.match(r.err.message, /watch again from the last resourceVersion/);
    within10(idleFor, 1000, "watch liveness", r.lagMs);
    t.diagnostic(`silent watch ended ${idleFor.toFixed(0)} ms after its last byte (window 1000 ms)`);
  });

  test("a stream's liveness window: set per call or per config; none by default", async () => {
    const s = await oneThenSilence();
    const c = client(s.url, { idleTimeoutMs: 800 });
    const stream = await c.requestStream({ method: "GET", path: "/logs" });
    let lastByte = 0;
    const r = await timed(async () => {
      for await (const _ of stream) lastByte = performance.now();
    });
    assert.ok(r.err instanceof TransportError && r.err.code === "IDLE_TIMEOUT", String(r.err));
    within10(performance.now() - lastByte, 800, "stream liveness", r.lagMs);

    const ac = new AbortController();
    const quiet = await client(s.url).requestStream({ method: "GET", path: "/logs", signal: ac.signal });
    const it = quiet[Symbol.asyncIterator]();
    await it.next();
    const next = it.next();
    const outcome = await Promise.race([
      next.then(
        () => "ended",
        () => "failed",
      ),
      new Promise((r) => setTimeout(r, 1500, "still open")),
    ]);
    assert.equal(outcome, "still open", "a quiet log stream is not ended by default");
    ac.abort();
    await next.catch(() => {});
  });

  test("a watch's default window follows bookmarks and timeoutSeconds", () => {
    assert.equal(watchIdleTimeoutMs({ allowWatchBookmarks: true }), 90_000);
    assert.equal(watchIdleTimeoutMs({ sendInitialEvents: "true" }), 90_000);
    assert.equal(watchIdleTimeoutMs({ allowWatchBookmarks: true, timeoutSeconds: 10 }), 40_000);
    assert.equal(watchIdleTimeoutMs({ timeoutSeconds: 300 }), 330_000);
    assert.equal(watchIdleTimeoutMs({}), 3_630_000);
  });

  test("events that keep coming are never cut off by the window", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      let n = 0;
      const t = setInterval(() => {
        res.write(`{"type":"ADDED","object":{"metadata":{"name":"e${n}"}}}\n`);
        if (++n === 6) {
          clearInterval(t);
          res.end();
        }
      }, 200);
    });
    let n = 0;
    for await (const _ of client(s.url).watch({ method: "GET", resource: "pods", idleTimeoutMs: 1500 })) n++;
    assert.equal(n, 6);
  });
});

describe("writes say whether the server may have applied them", () => {
  const notSent = /the request was not sent, so the server did not apply it/;
  const maySent = /the request was sent; the server may have applied it: read the object before retrying/;

  test("sent, no answer: timeout and abort carry mayHaveBeenApplied", async () => {
    const s = await neverAnswers();
    const c = client(s.url);
    const methods = ["POST", "PUT", "PATCH", "DELETE"] as const;
    const results = await Promise.all(
      methods.map((method) =>
        timed(() =>
          c.request({
            method,
            path: "/o",
            body: { a: 1 },
            contentType: "application/merge-patch+json",
            timeoutMs: 2000,
          }),
        ),
      ),
    );
    results.forEach(({ err }, i) => {
      assert.ok(err instanceof TransportError, String(err));
      assert.equal(err.mayHaveBeenApplied, true, methods[i]);
      assert.match(err.message, maySent);
    });
    // Aborted once the server has the request.
    const ac = new AbortController();
    const reason = new Error("stop");
    const before = s.requests.length;
    const { err } = await timed(async () => {
      const p = c.request({ method: "POST", path: "/o", body: {}, signal: ac.signal });
      while (s.requests.length === before) await new Promise((r) => setTimeout(r, 10));
      ac.abort(reason);
      return p;
    });
    assert.ok(err instanceof TransportError, "an abort after a write was sent is a TransportError");
    assert.equal(err.code, "ABORT_ERR");
    assert.equal(err.cause, reason);
    assert.equal(err.mayHaveBeenApplied, true);
    assert.match(err.message, maySent);
    const get = await timed(() => c.request({ method: "GET", path: "/o", timeoutMs: 300 }));
    assert.ok(get.err instanceof TransportError);
    assert.equal(get.err.mayHaveBeenApplied, false, "a read never");
    assert.doesNotMatch(get.err.message, /applied/);
  });

  test("not sent (TLS never finishes, refused): mayHaveBeenApplied false, and the message says so", async () => {
    const { url } = await silentTCP();
    const { err } = await timed(() =>
      client(url).request({
        method: "PATCH",
        path: "/o",
        body: {},
        contentType: "application/merge-patch+json",
        timeoutMs: 500,
      }),
    );
    assert.ok(err instanceof TransportError);
    assert.equal(err.mayHaveBeenApplied, false);
    assert.match(err.message, notSent);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const aborted = await timed(() =>
      client(url).request({ method: "POST", path: "/o", body: {}, signal: ac.signal }),
    );
    assert.equal((aborted.err as Error).name, "AbortError", "an abort before sending is the signal's reason");

    const gone = await serve((_req, res) => json(res, 200, {}));
    const goneURL = gone.url;
    await gone.close();
    const refused = await timed(() =>
      client(goneURL, { maxRetries: 0 }).request({ method: "POST", path: "/o", body: {} }),
    );
    assert.ok(refused.err instanceof TransportError);
    assert.equal(refused.err.code, "ECONNREFUSED");
    assert.equal(refused.err.mayHaveBeenApplied, false);
    assert.match(refused.err.message, notSent);
  });

  test("a 2xx whose body was cut short: applied, and the message says so; a 4xx: not applied", async () => {
    for (const [code, applied, words] of [
      [
        201,
        true,
        /the server answered 201, so it applied the request, but the response was cut short: read the object instead of retrying/,
      ],
      [
        409,
        false,
        /the server answered 409, so it did not apply the request, but the response was cut short/,
      ],
    ] as const) {
      const s = await serve((_req, res) => {
        res.writeHead(code, { "Content-Type": "application/json", "Content-Length": "100" });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const { err } = await timed(() => client(s.url).request({ method: "POST", path: "/o", body: {} }));
      assert.ok(err instanceof TransportError, String(err));
      assert.equal(err.mayHaveBeenApplied, applied);
      assert.match(err.message, words);
      assert.equal(s.requests.length, 1, "never sent again");
    }
  });

  test("a write cut before it was sent is retried; once sent it never is", async () => {
    // The first connection is cut during the TLS handshake (nothing sent): the POST goes again.
    const s = await serve((_req, res) => json(res, 201, { ok: true }));
    let cut = 0;
    const front = createServer((sock) => {
      sock.on("error", () => {});
      if (cut++ === 0) {
        sock.destroy();
        return;
      }
      const up = tcpConnect(s.port, "127.0.0.1");
      up.on("error", () => {});
      sock.pipe(up).pipe(sock);
      sock.on("close", () => up.destroy());
      up.on("close", () => sock.destroy());
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise<void>((r) => front.close(() => r())));
    const out = await client(`https://127.0.0.1:${(front.address() as { port: number }).port}`).request({
      method: "POST",
      path: "/o",
      body: {},
    });
    assert.deepEqual(out, { ok: true });
    assert.equal(cut, 2, "a second connection");
    assert.equal(s.requests.length, 1, "the server saw the POST once");

    // Sent in full, then reset before any answer: a POST is not sent again, a GET is.
    const reset = await serve((_req, res) => {
      res.socket?.destroy();
    });
    const post = await timed(() => client(reset.url).request({ method: "POST", path: "/p", body: {} }));
    assert.ok(post.err instanceof TransportError);
    assert.equal(post.err.mayHaveBeenApplied, true);
    assert.equal(reset.requests.filter((r) => r.url === "/p").length, 1);
    await timed(() => client(reset.url).request({ method: "GET", path: "/g" }));
    assert.ok(reset.requests.filter((r) => r.url === "/g").length > 1, "a GET is retried");
  });
});

describe("a WebSocket handshake", () => {
  test("timeoutMs and abort hold while TLS never finishes", async () => {
    const { url } = await silentTCP();
    const c = client(url);
    const handlers = { onMessage: () => {}, onClose: () => {} } as unknown as Parameters<
      RESTClient["connect"]
    >[2];
    const a = await timed(() =>
      c.connect({ method: "GET", path: "/exec", timeoutMs: 1000 }, ["v5.channel.k8s.io"], handlers),
    );
    assert.ok(a.err instanceof TransportError && a.err.timedOut, String(a.err));
    within10(a.ms, 1000, "handshake timeoutMs", a.lagMs);
    const ac = new AbortController();
    const reason = new Error("stop");
    const b = await timed(() => {
      setTimeout(() => ac.abort(reason), 1000);
      return c.connect({ method: "GET", path: "/exec", signal: ac.signal }, ["v5.channel.k8s.io"], handlers);
    });
    assert.equal(b.err, reason);
    within10(b.ms, 1000, "handshake abort", b.lagMs);
  });
});
