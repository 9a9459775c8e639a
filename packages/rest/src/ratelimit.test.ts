import assert from "node:assert/strict";
import { createServer } from "node:http";
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { type RateLimiter, TokenBucketRateLimiter } from "./ratelimit.js";
import { json, localFixtures, startTestServer, testPKI } from "./testing/tls.js";
import { noProxyMatches, proxyFor } from "./transport.js";

const { servers, clients } = localFixtures();

describe("token bucket", () => {
  test("starts full with `burst` tokens, then refuses until refilled", () => {
    const l = new TokenBucketRateLimiter(0.001, 3);
    assert.deepEqual([l.tryAccept(), l.tryAccept(), l.tryAccept(), l.tryAccept()], [true, true, true, false]);
  });

  test("a waiting request honours its AbortSignal", async () => {
    const l = new TokenBucketRateLimiter(0.001, 1);
    await l.wait();
    const ac = new AbortController();
    const p = l.wait(ac.signal);
    ac.abort(new Error("gave up"));
    await assert.rejects(p, /gave up/);
  });

  test("a wait longer than a Node timer holds (qps 1e-7: 116 days a token) still waits", async () => {
    const l = new TokenBucketRateLimiter(1e-7, 1);
    assert.equal(l.tryAccept(), true);
    const ac = new AbortController();
    let settled = false;
    const p = l.wait(ac.signal).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, "the second request waits for its token");
    ac.abort(new Error("gave up"));
    await assert.rejects(p, /gave up/);
  });

  test("qps must be positive", () => {
    assert.throws(() => new TokenBucketRateLimiter(0, 1), /rateLimiter: null/);
  });
});

describe("rate limiting in RESTClient", () => {
  test("defaults to qps 5 / burst 10, shared by every client of the config; qps <= 0 or null disables it", () => {
    const config: RestConfig = { host: "https://127.0.0.1:1" };
    const c = RESTClient.forConfig(config);
    clients.push(c);
    const l = c.rateLimiter as TokenBucketRateLimiter;
    assert.ok(l instanceof TokenBucketRateLimiter);
    assert.equal(l.qps, 5);
    assert.equal(l.burst, 10);
    assert.equal(RESTClient.forConfig(config).rateLimiter, l);
    const off = RESTClient.forConfig({ host: "https://127.0.0.1:1", qps: 0 });
    const nul = RESTClient.forConfig({ host: "https://127.0.0.1:1", rateLimiter: null });
    clients.push(off, nul);
    assert.equal(off.rateLimiter, null);
    assert.equal(nul.rateLimiter, null);
  });

  test("every request attempt takes a token; watches take none", async () => {
    const s = await startTestServer((req, res) => {
      if (req.url?.includes("watch=true")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(`${JSON.stringify({ type: "ADDED", object: {} })}\n`);
      } else json(res, 200, {});
    });
    servers.push(s);
    let waits = 0;
    const limiter: RateLimiter = {
      wait: async () => {
        waits++;
      },
    };
    const c = RESTClient.forConfig({ host: s.url, tls: { caData: testPKI().caCert }, rateLimiter: limiter });
    clients.push(c);
    await c.request({ method: "GET", path: "/a" });
    await c.requestText({ method: "GET", path: "/b" });
    assert.equal(waits, 2);
    for await (const _ of c.watch({ method: "GET", path: "/w" })) {
    }
    assert.equal(waits, 2);
  });
});

describe("proxy", () => {
  test("HTTPS_PROXY / HTTP_PROXY by scheme; NO_PROXY and loopback bypass it; proxyURL wins", () => {
    const env = {
      HTTPS_PROXY: "http://sp:3128",
      HTTP_PROXY: "http://p:3128",
      NO_PROXY: ".corp.example,10.0.0.0/8,exact:8443",
    };
    const p = (url: string, config: Partial<RestConfig> = {}) =>
      proxyFor({ host: url, ...config }, new URL(url), env);
    assert.equal(p("https://k8s.example"), "http://sp:3128");
    assert.equal(p("http://k8s.example"), "http://p:3128");
    assert.equal(p("https://api.corp.example"), undefined);
    assert.equal(p("https://corp.example"), undefined);
    assert.equal(p("https://10.1.2.3:6443"), undefined);
    assert.equal(p("https://exact:8443"), undefined);
    assert.equal(p("https://exact:6443"), "http://sp:3128");
    assert.equal(p("https://127.0.0.1:6443"), undefined);
    assert.equal(p("https://localhost:6443"), undefined);
    assert.equal(p("https://127.0.0.1:6443", { proxyURL: "http://explicit:1" }), "http://explicit:1");
    assert.equal(
      proxyFor({ host: "x" }, new URL("https://k8s.example"), { https_proxy: "http://lower:1" }),
      "http://lower:1",
    );
    assert.equal(noProxyMatches("anything", "443", "*"), true);
    assert.equal(noProxyMatches("notcorp.example", "443", "corp.example"), false);
  });

  test("requests go through the proxy's CONNECT tunnel", async () => {
    const s = await startTestServer((_req, res) => json(res, 200, { via: "tunnel" }));
    servers.push(s);
    const connects: string[] = [];
    const proxy = createServer((_req, res) => {
      res.writeHead(405);
      res.end();
    });
    proxy.on("connect", (req, socket, head) => {
      connects.push(req.url ?? "");
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host!, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const proxyURL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const c = RESTClient.forConfig({
      host: s.url,
      tls: { caData: testPKI().caCert },
      rateLimiter: null,
      proxyURL,
    });
    try {
      assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { via: "tunnel" });
      assert.deepEqual(connects, [`127.0.0.1:${s.port}`]);
    } finally {
      await c.close();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  test("requests go through a socks5 proxy (kubeconfig proxy-url: socks5://...)", async () => {
    const s = await startTestServer((_req, res) => json(res, 200, { via: "socks" }));
    servers.push(s);
    const targets: string[] = [];
    const sockets = new Set<Socket>();
    // A minimal SOCKS5 server: no authentication, CONNECT to an IPv4 address or a domain name.
    const socks = createTcpServer((sock) => {
      sockets.add(sock);
      let stage = 0;
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (stage === 0 && buf.length >= 2 && buf.length >= 2 + buf[1]!) {
          buf = buf.subarray(2 + buf[1]!);
          sock.write(Buffer.from([5, 0]));
          stage = 1;
        }
        if (stage === 1 && buf.length >= 5) {
          const atyp = buf[3]!;
          const addrLen = atyp === 1 ? 4 : atyp === 3 ? 1 + buf[4]! : 16;
          if (buf.length < 4 + addrLen + 2) return;
          const host =
            atyp === 1 ? [...buf.subarray(4, 8)].join(".") : buf.subarray(5, 4 + addrLen).toString();
          const port = buf.readUInt16BE(4 + addrLen);
          const rest = buf.subarray(4 + addrLen + 2);
          stage = 2;
          sock.off("data", onData);
          targets.push(`${host}:${port}`);
          const up = connect(port, host, () => {
            sock.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
            if (rest.length) up.write(rest);
            up.pipe(sock);
            sock.pipe(up);
          });
          sockets.add(up);
          up.on("error", () => sock.destroy());
          sock.on("error", () => up.destroy());
        }
      };
      sock.on("data", onData);
    });
    await new Promise<void>((r) => socks.listen(0, "127.0.0.1", r));
    const proxyURL = `socks5://127.0.0.1:${(socks.address() as AddressInfo).port}`;
    const c = RESTClient.forConfig({
      host: s.url,
      tls: { caData: testPKI().caCert },
      rateLimiter: null,
      proxyURL,
    });
    try {
      assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { via: "socks" });
      assert.deepEqual(targets, [`127.0.0.1:${s.port}`]);
    } finally {
      await c.close();
      for (const x of sockets) x.destroy();
      await new Promise((r) => socks.close(r));
    }
  });
});
