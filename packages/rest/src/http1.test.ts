// http1.ts against raw TCP servers that answer byte by byte what each case needs: framing split at
// every boundary, keep-alive reuse, a server closing a kept-alive connection, pauses, upgrades and
// answers that are not HTTP.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Http1Handler, Http1Pool, type Http1Request } from "./http1.js";

interface Got {
  status: number;
  headers: (Buffer | string)[];
  body: Buffer;
}

/** A raw server: `answer` sees each connection and the requests read on it. */
async function rawServer(
  answer: (sock: Socket, request: string, n: number) => void,
): Promise<{ url: string; server: Server; connections: number }> {
  const state = { url: "", server: undefined as unknown as Server, connections: 0 };
  state.server = createServer((sock) => {
    state.connections++;
    let buf = "";
    let n = 0;
    sock.on("data", (b) => {
      buf += b.toString("latin1");
      for (let end = buf.indexOf("\r\n\r\n"); end >= 0; end = buf.indexOf("\r\n\r\n")) {
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const req = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        answer(sock, req, n++);
      }
    });
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => state.server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(state.server.address() as { port: number }).port}`;
  return state;
}

function fetchVia(
  pool: Http1Pool,
  req: Partial<Http1Request> = {},
  onChunk?: (c: Buffer) => boolean,
): Promise<Got> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: (Buffer | string)[] = [];
    const body: Buffer[] = [];
    const handler: Http1Handler = {
      onHeaders(s, raw) {
        status = s;
        headers = raw;
        return true;
      },
      onData(c) {
        body.push(c);
        return onChunk ? onChunk(c) : true;
      },
      onComplete() {
        resolve({ status, headers, body: Buffer.concat(body) });
      },
      onError: reject,
    };
    pool.dispatch({ path: "/x", method: "GET", ...req }, handler);
  });
}

/** Writes `text` one byte per write, so every parser state sees its input cut. */
async function dribble(sock: Socket, text: string): Promise<void> {
  for (const ch of Buffer.from(text, "latin1")) {
    sock.write(Buffer.from([ch]));
    await sleep(0);
  }
}

describe("http1: the HTTP/1.1 client under transport.ts", () => {
  test("Content-Length and chunked bodies, cut at every byte, and one connection for all", async () => {
    const s = await rawServer((sock, _req, n) => {
      if (n === 0) void dribble(sock, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello");
      else if (n === 1) {
        void dribble(
          sock,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n",
        );
      } else sock.write("HTTP/1.1 204 No Content\r\n\r\n");
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      const a = await fetchVia(pool);
      assert.deepEqual(
        [a.status, a.body.toString(), a.headers],
        [200, "hello", ["Content-Length", "5", "X-A", "1"]],
      );
      const b = await fetchVia(pool);
      assert.equal(b.body.toString(), "abc0123456789abcdef");
      const c = await fetchVia(pool);
      assert.deepEqual([c.status, c.body.length], [204, 0]);
      assert.equal(s.connections, 1, "the connection was kept alive and reused");
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("a kept-alive connection the server closes: a GET goes again on a new one, a POST fails", async () => {
    // The server answers each connection's first request and closes the connection as the next one comes.
    const s = await rawServer((sock, _req, n) => {
      if (n === 0) sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      else sock.destroy();
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      await fetchVia(pool);
      const again = await fetchVia(pool);
      assert.equal(again.body.toString(), "ok");
      assert.equal(s.connections, 2);
      await assert.rejects(fetchVia(pool, { method: "POST", body: "{}" }), (e: NodeJS.ErrnoException) => {
        assert.ok(["UND_ERR_SOCKET", "ECONNRESET"].includes(e.code ?? ""), String(e.code));
        return true;
      });
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("a body without a length ends with the connection; Connection: close is not reused", async () => {
    const s = await rawServer((sock) => {
      sock.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
      sock.end();
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      assert.equal((await fetchVia(pool)).body.toString(), "until the end");
      assert.equal((await fetchVia(pool)).body.toString(), "until the end");
      assert.equal(s.connections, 2);
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("onData returning false pauses reading until resume; 100 Continue is skipped", async () => {
    const s = await rawServer((sock) => {
      sock.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab");
      setTimeout(() => sock.write("cd"), 30);
      setTimeout(() => sock.write("ef"), 60);
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      const seen: string[] = [];
      let resume: (() => void) | undefined;
      const done = new Promise<void>((resolve, reject) =>
        pool.dispatch(
          { path: "/", method: "GET" },
          {
            onHeaders(status, _raw, r) {
              assert.equal(status, 200);
              resume = r;
              return true;
            },
            onData(c) {
              seen.push(c.toString());
              return false;
            },
            onComplete: () => resolve(),
            onError: reject,
          },
        ),
      );
      await sleep(150);
      assert.deepEqual(seen, ["ab"], "nothing more while paused");
      for (let i = 0; i < 5 && seen.join("") !== "abcdef"; i++) {
        resume!();
        await sleep(20);
      }
      await done;
      assert.equal(seen.join(""), "abcdef");
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("an upgrade hands the socket over with the bytes that came after the head", async () => {
    const s = await rawServer((sock) => {
      sock.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly",
      );
      setTimeout(() => sock.write(" late"), 20);
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      const got = await new Promise<string>((resolve, reject) =>
        pool.dispatch(
          { path: "/ws", method: "GET", upgrade: "websocket" },
          {
            onUpgrade(status, _raw, socket, head) {
              assert.equal(status, 101);
              let text = head?.toString() ?? "";
              socket.on("data", (b: Buffer) => {
                text += b.toString();
                if (text === "early late") {
                  socket.destroy();
                  resolve(text);
                }
              });
              socket.resume();
            },
            onError: reject,
          },
        ),
      );
      assert.equal(got, "early late");
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("not HTTP, a bad chunk, a throwing handler: a typed error; a header that would break the framing is refused", async () => {
    const s = await rawServer((sock, req) => {
      if (req.startsWith("GET /junk")) sock.write("SSH-2.0-OpenSSH\r\n\r\n");
      else if (req.startsWith("GET /fine")) sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      else sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      for (const path of ["/junk", "/chunk"]) {
        await assert.rejects(fetchVia(pool, { path }), (e: NodeJS.ErrnoException) => {
          assert.equal(e.code, "HPE_INVALID_RESPONSE");
          assert.match(e.message, /not valid HTTP\/1\.1: a bad (status line|chunk size)/);
          return true;
        });
      }
      // a handler that throws fails its own request, not the process
      const broken = () => {
        throw new Error("the handler broke");
      };
      await assert.rejects(fetchVia(pool, { path: "/fine" }, broken), /the handler broke/);
      await assert.rejects(
        fetchVia(pool, { headers: { "x-a": "1\r\nx-injected: 2" } }),
        /invalid value for the header x-a/,
      );
      await assert.rejects(fetchVia(pool, { headers: { "bad name": "1" } }), /invalid header name/);
      await assert.rejects(fetchVia(pool, { path: "/a b" }), /invalid request path/);
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("abort while connecting and while reading; headersTimeout; close() waits, destroy() does not", async () => {
    const s = await rawServer((sock, req) => {
      if (req.startsWith("GET /slow")) sock.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      if (req.startsWith("GET /late"))
        setTimeout(() => sock.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 100);
    });
    const pool = new Http1Pool(s.url, { rejectUnauthorized: true });
    try {
      let abort: ((e?: Error) => void) | undefined;
      const reading = new Promise<unknown>((resolve) =>
        pool.dispatch(
          { path: "/slow", method: "GET" },
          {
            onConnect: (a) => {
              abort = a;
            },
            onData: () => {
              abort!(new Error("enough"));
              return true;
            },
            onError: resolve,
          },
        ),
      );
      assert.equal(((await reading) as Error).message, "enough");
      await assert.rejects(
        fetchVia(pool, { path: "/never", headersTimeout: 50 }),
        (e: NodeJS.ErrnoException) => e.code === "UND_ERR_HEADERS_TIMEOUT",
      );
      const late = fetchVia(pool, { path: "/late" });
      const closed = pool.close();
      assert.equal((await late).status, 200, "close() lets the request in flight finish");
      await closed;
      await assert.rejects(fetchVia(pool), (e: NodeJS.ErrnoException) => e.code === "UND_ERR_CLOSED");
    } finally {
      await pool.destroy();
      s.server.close();
    }
  });

  test("an idle kept-alive connection does not keep the process alive", async () => {
    const s = await rawServer((sock) => sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    try {
      // Were the idle socket still referenced, the child would live on until its unreferenced timer
      // said so (the server never closes the connection).
      const script = `
        const { Http1Pool } = await import(${JSON.stringify(new URL("./http1.ts", import.meta.url).href)});
        const pool = new Http1Pool(${JSON.stringify(s.url)}, { rejectUnauthorized: true });
        await new Promise((resolve, reject) => pool.dispatch({ path: "/", method: "GET" }, { onComplete: resolve, onError: reject }));
        console.log("done");
        setTimeout(() => { console.log("still alive"); process.exit(3); }, 5000).unref();`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
      });
      child.stderr.on("data", (b: Buffer) => {
        out += b.toString();
      });
      const code = await new Promise<number | null>((r) => child.on("close", r));
      assert.deepEqual([code, out.trim()], [0, "done"]);
    } finally {
      s.server.close();
    }
  });
});
