// RESTClient.connect and the WebSocket framing against a local HTTPS server that speaks the server
// side of RFC 6455 itself: handshake headers, credentials and client certificates on the upgrade,
// subprotocol choice (a server without v5), fragments, ping, large frames, close, refusals, idle timeout.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { StatusError } from "./errors.js";
import { startTestServer, type TestServer, testPKI } from "./testing/tls.js";
import type { WebSocketClose } from "./websocket.js";

/** A server frame: FIN, unmasked. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len >= 126 && len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Reads the client's frames: they must be masked. */
function clientFrames(socket: Duplex, onFrame: (opcode: number, payload: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      assert.ok((buf[1]! & 0x80) !== 0, "client frames are masked");
      let len = buf[1]! & 0x7f;
      let o = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        o = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        o = 10;
      }
      if (buf.length < o + 4 + len) return;
      const key = buf.subarray(o, o + 4);
      const payload = Buffer.from(buf.subarray(o + 4, o + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
      const opcode = buf[0]! & 0x0f;
      buf = buf.subarray(o + 4 + len);
      onFrame(opcode, payload);
    }
  });
}

/** A `data` handler that joins the pieces of each message into `into` (one Buffer per message). */
function messages(into: Buffer[]): (piece: Buffer, first: boolean) => void {
  return (piece, first) => {
    if (first) into.push(Buffer.from(piece));
    else into[into.length - 1] = Buffer.concat([into.at(-1)!, piece]);
  };
}

type Upgrade = (req: IncomingMessage, socket: Duplex) => void;
let server: TestServer;
let onUpgrade: Upgrade;
const seen: IncomingMessage[] = [];

function accept(req: IncomingMessage, socket: Duplex, protocol: string): void {
  const key = req.headers["sec-websocket-key"] as string;
  const acceptKey = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
}

before(async () => {
  server = await startTestServer(
    (_req, res) => {
      res.end("not an upgrade");
    },
    { requestCert: true },
  );
  server.server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    seen.push(req);
    onUpgrade(req, socket);
  });
});
after(() => server.close());

function config(extra: Partial<RestConfig> = {}): RestConfig {
  const p = testPKI();
  return {
    host: server.url,
    tls: { caData: p.caCert, certData: p.clientCert, keyData: p.clientKey },
    bearerToken: "secret-token",
    impersonate: { user: "jane" },
    qps: 0,
    ...extra,
  };
}

const spec = {
  method: "GET" as const,
  path: "/api/v1/namespaces/ns/pods/p/exec",
  query: { command: ["sh", "-c", "x"] },
};

test("handshake: credentials, client certificate, offered protocols; the server's choice (v4 without v5)", async () => {
  let frames: [number, string][] = [];
  onUpgrade = (req, socket) => {
    accept(req, socket, "v4.channel.k8s.io");
    clientFrames(socket, (op, payload) => {
      frames.push([op, payload.toString("latin1")]);
      if (op === 8) socket.end(serverFrame(8, payload));
    });
    socket.write(serverFrame(2, Buffer.from("\x01hello")));
  };
  const got: Buffer[] = [];
  const closed = new Promise<WebSocketClose>((resolve) => {
    void RESTClient.forConfig(config())
      .connect(spec, ["v5.channel.k8s.io", "v4.channel.k8s.io"], {
        data: messages(got),
        close: resolve,
      })
      .then((conn) => {
        assert.equal(conn.protocol, "v4.channel.k8s.io");
        conn.send([Buffer.from("abc")], 0);
        setTimeout(() => conn.close(1000, "bye"), 50);
      });
  });
  const info = await closed;
  assert.equal(info.code, 1000);
  assert.deepEqual(
    got.map((b) => b.toString("latin1")),
    ["\x01hello"],
  );
  assert.deepEqual(frames[0], [2, "\x00abc"]);
  assert.equal(frames[1]![0], 8);
  const req = seen.at(-1)!;
  assert.equal(req.url, "/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=x");
  assert.equal(req.headers.authorization, "Bearer secret-token");
  assert.equal(req.headers["impersonate-user"], "jane");
  assert.equal(req.headers["sec-websocket-protocol"], "v5.channel.k8s.io, v4.channel.k8s.io");
  assert.equal(req.headers["sec-websocket-version"], "13");
  assert.equal((req.socket as import("node:tls").TLSSocket).getPeerCertificate().subject.CN, "tester");
  frames = [];
});

test("fragments, ping, 16- and 64-bit lengths; the server's close ends it", async () => {
  const big = Buffer.alloc(70_000, 7);
  const mid = Buffer.alloc(300, 9);
  const pongs: string[] = [];
  onUpgrade = (req, socket) => {
    accept(req, socket, "v5.channel.k8s.io");
    clientFrames(socket, (op, payload) => {
      if (op === 10) pongs.push(payload.toString());
    });
    socket.write(serverFrame(2, Buffer.from("\x01par"), false));
    socket.write(serverFrame(9, Buffer.from("are you there")));
    socket.write(serverFrame(0, Buffer.from("ts")));
    const both = Buffer.concat([serverFrame(2, Buffer.concat([Buffer.from([1]), mid])), serverFrame(2, big)]);
    socket.write(both.subarray(0, 5)); // split inside a header
    setTimeout(() => {
      socket.write(both.subarray(5));
      const reason = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("done")]);
      socket.end(serverFrame(8, reason));
    }, 20);
  };
  const got: Buffer[] = [];
  const info = await new Promise<WebSocketClose>((resolve, reject) => {
    RESTClient.forConfig(config())
      .connect(spec, ["v5.channel.k8s.io"], { data: messages(got), close: resolve })
      .catch(reject);
  });
  assert.deepEqual([info.code, info.reason], [1000, "done"]);
  assert.equal(got.length, 3);
  assert.equal(got[0]!.toString(), "\x01parts");
  assert.ok(got[1]!.equals(Buffer.concat([Buffer.from([1]), mid])));
  assert.ok(got[2]!.equals(big));
  assert.deepEqual(pongs, ["are you there"]);
});

test("Go's message shape (a fragment, then an empty final frame) is one message; large client frames are intact one after another", async () => {
  // Client frames of 20 KB to 300 KB: the ones that fit are written from reused buffers, so each
  // must arrive with its own bytes even while earlier ones are still being written. Odd lengths and
  // varied bytes: every tail of the word-wise masking is checked.
  const sizes = [20_000, 200_001, 20_003, 300_000, 150_002, 150_005, 64_007];
  const sent = sizes.map((n, i) => Buffer.from(Array.from({ length: n }, (_, k) => (k * 31 + i) & 0xff)));
  const received: Buffer[] = [];
  let allIn: () => void = () => {};
  const serverGot = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  onUpgrade = (req, socket) => {
    accept(req, socket, "SPDY/3.1+portforward.k8s.io");
    clientFrames(socket, (op, payload) => {
      if (op !== 2) return;
      received.push(payload);
      if (received.length === sent.length) allIn();
    });
    const body = Buffer.alloc(40_000, 5);
    socket.write(Buffer.concat([serverFrame(2, body, false), serverFrame(0, Buffer.alloc(0))]));
    socket.write(serverFrame(2, Buffer.from("two"), false));
    socket.write(serverFrame(0, Buffer.from(" parts"), false));
    socket.write(serverFrame(0, Buffer.alloc(0)));
  };
  const got: Buffer[] = [];
  const conn = await RESTClient.forConfig(config()).connect(spec, ["SPDY/3.1+portforward.k8s.io"], {
    data: messages(got),
    close: () => {},
  });
  for (const b of sent) conn.send([b.subarray(0, 10), b.subarray(10)], undefined);
  await serverGot;
  conn.destroy();
  assert.equal(got.length, 2);
  assert.ok(got[0]!.equals(Buffer.alloc(40_000, 5)));
  assert.equal(got[1]!.toString(), "two parts");
  assert.deepEqual(
    received.map((b) => b.length),
    sizes,
  );
  for (const [i, b] of received.entries()) assert.ok(b.equals(sent[i]!), `frame ${i} intact`);
});

test("a message arrives in pieces as its bytes do, flagged first once; frames a server must not send end the connection, saying why", async () => {
  const big = Buffer.alloc(200_000, 3);
  big[0] = 1;
  onUpgrade = (req, socket) => {
    accept(req, socket, "v5.channel.k8s.io");
    socket.write(serverFrame(2, big.subarray(0, 100_000), false));
    setTimeout(() => socket.write(serverFrame(0, big.subarray(100_000))), 20);
  };
  const pieces: [number, boolean][] = [];
  const all: Buffer[] = [];
  const conn = await RESTClient.forConfig(config()).connect(spec, ["v5.channel.k8s.io"], {
    data: (piece, first) => {
      pieces.push([piece.length, first]);
      messages(all)(piece, first);
    },
    close: () => {},
  });
  while (all[0]?.length !== big.length) await new Promise((r) => setTimeout(r, 10));
  conn.destroy();
  assert.ok(all[0]!.equals(big));
  assert.ok(pieces.length > 2, `${pieces.length} pieces`);
  assert.deepEqual(
    pieces.map(([, first]) => first),
    pieces.map((_, i) => i === 0),
  );

  const masked = Buffer.from([0x82, 0x82, 1, 2, 3, 4, 0, 0]);
  for (const [bytes, why] of [
    [masked, /masked WebSocket frame, which RFC 6455 forbids/],
    [serverFrame(0, Buffer.from("x")), /a continuation frame outside a message/],
    [
      Buffer.concat([serverFrame(2, Buffer.from("a"), false), serverFrame(2, Buffer.from("b"))]),
      /a new message before/,
    ],
    [serverFrame(9, Buffer.from("ping"), false), /control frame \(opcode 9\) that is fragmented/],
    [serverFrame(5, Buffer.alloc(0)), /unknown opcode 5/],
  ] as const) {
    onUpgrade = (req, socket) => {
      accept(req, socket, "v5.channel.k8s.io");
      socket.on("error", () => {});
      socket.write(bytes);
    };
    const info = await new Promise<WebSocketClose>((resolve, reject) => {
      RESTClient.forConfig(config())
        .connect(spec, ["v5.channel.k8s.io"], { data() {}, close: resolve })
        .catch(reject);
    });
    assert.match(info.error?.message ?? `closed ${info.code} without an error`, why);
  }
});

// A server in a worker thread: it must answer while the client is busy writing, in parallel.
const resettingServer = `
const { createHash } = require("node:crypto");
const { createServer } = require("node:https");
const { parentPort, workerData } = require("node:worker_threads");
const server = createServer({ key: workerData.key, cert: workerData.cert });
server.on("upgrade", (req, socket) => {
  const key = createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" +
    "Sec-WebSocket-Accept: " + key + "\\r\\nSec-WebSocket-Protocol: v5.channel.k8s.io\\r\\n\\r\\n");
  socket.on("error", () => {});
  socket.once("data", () => {
    socket.pause(); // the rest of the client's data stays unread, so closing resets the connection
    const status = Buffer.from("\\x03{\\"status\\":\\"Failure\\",\\"reason\\":\\"NonZeroExitCode\\"}");
    const close = Buffer.from([0x88, 2, 0x03, 0xe8]);
    socket.write(Buffer.concat([Buffer.from([0x82, status.length]), status, close]), () => socket.destroy());
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

test("what the server sent before resetting the connection still arrives, while the client's writes fail", async () => {
  // An exec whose command exits without reading its stdin: the server sends the exit status and
  // closes with the client's data unread, so the kernel resets the connection and the client's next
  // write fails (EPIPE or ECONNRESET). The status received before must still be read, as kubectl reads it.
  const { Worker } = await import("node:worker_threads");
  const p = testPKI();
  const worker = new Worker(resettingServer, {
    eval: true,
    workerData: { key: p.serverKey, cert: p.serverCert },
  });
  try {
    const port = await new Promise<number>((resolve) => worker.once("message", resolve));
    const outcomes: string[] = [];
    for (let round = 0; round < 5; round++) {
      const got: Buffer[] = [];
      const info = await new Promise<WebSocketClose>((resolve, reject) => {
        RESTClient.forConfig(config({ host: `https://127.0.0.1:${port}` }))
          .connect(spec, ["v5.channel.k8s.io"], { data: messages(got), close: resolve })
          .then((conn) => {
            const chunk = Buffer.alloc(1 << 20, 0x61);
            for (let i = 0; i < 32; i++) conn.send([chunk], 0);
          }, reject);
      });
      outcomes.push(
        `${got.length === 1 && got[0]!.toString().startsWith("\x03{") ? "status" : "no status"}, close ${info.code}${info.error ? ` ${info.error.message}` : ""}`,
      );
    }
    assert.deepEqual(outcomes, Array(5).fill("status, close 1000"));
  } finally {
    await worker.terminate();
  }
});

test("a refused handshake is a StatusError with the server's Status; a redirect is not followed", async () => {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason: "Forbidden",
    code: 403,
    message: "no exec for you",
  };
  onUpgrade = (_req, socket) => {
    const body = JSON.stringify(status);
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  const noop = { data() {}, close() {} };
  await assert.rejects(
    RESTClient.forConfig(config()).connect(spec, ["v5.channel.k8s.io"], noop),
    (e: unknown) => {
      assert.ok(e instanceof StatusError, String(e));
      assert.equal(e.code, 403);
      assert.equal(e.reason, "Forbidden");
      assert.match(e.message, /no exec for you/);
      return true;
    },
  );
  const before = seen.length;
  onUpgrade = (_req, socket) => {
    socket.end(
      "HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example:6443/steal\r\nContent-Length: 0\r\n\r\n",
    );
  };
  await assert.rejects(
    RESTClient.forConfig(config()).connect(spec, ["v5.channel.k8s.io"], noop),
    /redirected to elsewhere\.example:6443; redirects are not followed/,
  );
  assert.equal(seen.length, before + 1, "one handshake, no second request");
});

test("no timeout once open, unless idleTimeoutMs: then a quiet stream closes with that reason", async () => {
  onUpgrade = (req, socket) => {
    accept(req, socket, "v5.channel.k8s.io");
    socket.on("error", () => {});
  };
  // the config's request timeout bounds only the handshake
  const quiet = await RESTClient.forConfig(config({ timeoutMs: 400 })).connect(spec, ["v5.channel.k8s.io"], {
    data() {},
    close() {},
  });
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(quiet.open, "still open after the request timeout");
  quiet.destroy();
  const info = await new Promise<WebSocketClose>((resolve, reject) => {
    RESTClient.forConfig(config())
      .connect(spec, ["v5.channel.k8s.io"], { data() {}, close: resolve }, { idleTimeoutMs: 100 })
      .catch(reject);
  });
  assert.match(info.error?.message ?? "", /idle for 100 ms/);
});

test("through an HTTP proxy (CONNECT), like every request", async () => {
  const { createServer } = await import("node:http");
  const { connect } = await import("node:net");
  const tunnels: string[] = [];
  const proxy = createServer();
  proxy.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const proxyURL = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  try {
    onUpgrade = (req, socket) => {
      accept(req, socket, "v5.channel.k8s.io");
      socket.end(serverFrame(2, Buffer.from("\x01via proxy")));
    };
    const got: Buffer[] = [];
    await new Promise<WebSocketClose>((resolve, reject) => {
      RESTClient.forConfig(config({ proxyURL }))
        .connect(spec, ["v5.channel.k8s.io"], { data: messages(got), close: resolve })
        .catch(reject);
    });
    assert.deepEqual(
      got.map((b) => b.toString()),
      ["\x01via proxy"],
    );
    assert.deepEqual(tunnels, [`127.0.0.1:${server.port}`]);
  } finally {
    proxy.close();
  }
});
