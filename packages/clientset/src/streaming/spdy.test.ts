// SpdySession's framing without a server: frames fed in every split a WebSocket may deliver, DATA
// bodies handed on as they arrive, FIN and RST_STREAM, and what a write puts on the wire.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WebSocketConnection } from "@org/rest";
import { SpdySession } from "./spdy.js";

function frame(head: number[], body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(head[0]!, 0);
  h.writeUInt32BE(((head[1]! & 0xff) << 24) | body.length, 4);
  return Buffer.concat([h, body]);
}
const synReply = (id: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(id, 0);
  return frame([0x80030002, 0], b);
};
const data = (id: number, body: Buffer, fin = false) => frame([id, fin ? 1 : 0], body);

function session() {
  const sent: Buffer[] = [];
  const conn = { send: (parts: readonly Uint8Array[]) => sent.push(Buffer.concat(parts)) > 0 };
  return { s: new SpdySession(conn as unknown as WebSocketConnection), sent };
}

/** Opens stream 1 and answers its SYN_STREAM (sent once the headers are compressed) with `reply`. */
async function open1(s: SpdySession, sent: Buffer[], reply: Buffer) {
  const opened = s.open({ streamtype: "data" });
  while (sent.length === 0) await new Promise((r) => setTimeout(r, 1));
  s.receive(reply);
  const stream = await opened;
  sent.length = 0;
  return stream;
}

test("DATA bodies arrive whole in any split, pieces in order; FIN ends the stream", async () => {
  const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
  const wire = Buffer.concat([
    synReply(1),
    data(1, body.subarray(0, 30_000)),
    data(1, body.subarray(30_000), true),
  ]);
  for (const step of [1, 7, 8, 13, 4096, 16_384, wire.length]) {
    const { s, sent } = session();
    const stream = await open1(s, sent, wire.subarray(0, 12)); // the SYN_REPLY
    let got: Buffer[] = [];
    let ended = false;
    const feed = (from: number) => {
      for (let o = from; o < wire.length; o += step) s.receive(Buffer.from(wire.subarray(o, o + step)));
    };
    stream.onData = (b) => got.push(b);
    stream.onEnd = () => {
      ended = true;
    };
    feed(12);
    assert.ok(Buffer.concat(got).equals(body), `split ${step}: the body intact`);
    assert.ok(ended, `split ${step}: FIN seen`);
    got = [];
  }
});

test("writes: chunks written together are one DATA frame; end() is an empty frame with FIN", async () => {
  const { s, sent } = session();
  const stream = await open1(s, sent, synReply(1));
  stream.write([Buffer.alloc(100, 1), Buffer.alloc(200, 2)]);
  stream.end();
  assert.equal(sent.length, 2);
  assert.equal(sent[0]!.readUInt32BE(0), 1, "stream 1, a data frame");
  assert.equal(sent[0]!.readUInt32BE(4), 300, "no flags, 300 bytes");
  assert.ok(sent[0]!.subarray(8).equals(Buffer.concat([Buffer.alloc(100, 1), Buffer.alloc(200, 2)])));
  assert.equal(sent[1]!.readUInt32BE(4), 0x01000000, "FIN, no bytes");
});

test("RST_STREAM from the server: onReset with its status", async () => {
  const { s, sent } = session();
  const stream = await open1(s, sent, synReply(1));
  let status = -2;
  stream.onReset = (st) => {
    status = st;
  };
  const b = Buffer.alloc(8);
  b.writeUInt32BE(1, 0);
  b.writeUInt32BE(3, 4);
  const rst = frame([0x80030003, 0], b);
  s.receive(rst.subarray(0, 9));
  assert.equal(status, -2, "not before the frame is whole");
  s.receive(rst.subarray(9));
  assert.equal(status, 3);
});
