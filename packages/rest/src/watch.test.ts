import assert from "node:assert/strict";
import { test } from "node:test";
import { DecodeError, isGone, StatusError } from "./errors.js";
import { decodeWatchEvents } from "./watch.js";

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
}
async function collect(src: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of decodeWatchEvents<{ n: string }>(src, "https://h/w"))
    out.push(`${ev.type}:${ev.object.n}`);
  return out;
}
const ev = (type: string, n: string) => `${JSON.stringify({ type, object: { n } })}\n`;

test("every split point of a stream decodes to the same events", async () => {
  const all = new TextEncoder().encode(ev("ADDED", "ä") + ev("BOOKMARK", "b") + ev("DELETED", "€"));
  for (let cut = 1; cut < all.length; cut++) {
    assert.deepEqual(await collect(chunks(all.subarray(0, cut), all.subarray(cut))), [
      "ADDED:ä",
      "BOOKMARK:b",
      "DELETED:€",
    ]);
  }
});

test("one byte per chunk; blank lines and CRLF; last line without newline", async () => {
  const bytes = new TextEncoder().encode(`\n${ev("ADDED", "a")}\r\n${ev("MODIFIED", "b").trimEnd()}`);
  assert.deepEqual(await collect(chunks(...Array.from(bytes, (b) => new Uint8Array([b])))), [
    "ADDED:a",
    "MODIFIED:b",
  ]);
});

test("blank lines, CRLF and spaces around events inside one chunk", async () => {
  const text = `\n \r\n${ev("ADDED", "a").trimEnd()}\r\n  ${ev("MODIFIED", "b")}\t\n${ev("DELETED", "c").trimEnd()} `;
  assert.deepEqual(await collect(chunks(text)), ["ADDED:a", "MODIFIED:b", "DELETED:c"]);
  // the same with the stream cut in the middle of the second event
  const cut = text.indexOf("MODIFIED");
  assert.deepEqual(await collect(chunks(text.slice(0, cut), text.slice(cut))), [
    "ADDED:a",
    "MODIFIED:b",
    "DELETED:c",
  ]);
});

test("a bad line in a chunk fails after the events before it in the same chunk were delivered", async () => {
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const e of decodeWatchEvents<{ n: string }>(
      chunks(ev("ADDED", "a") + ev("MODIFIED", "b") + "not json\n" + ev("DELETED", "c")),
      "https://h/w",
    ))
      seen.push(`${e.type}:${e.object.n}`);
  }, DecodeError);
  assert.deepEqual(seen, ["ADDED:a", "MODIFIED:b"]);
});

test("an event split over many chunks (a large object) decodes once it is complete", async () => {
  const big = ev("ADDED", "x".repeat(100_000));
  const bytes = new TextEncoder().encode(big + ev("DELETED", "y"));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 1000) parts.push(bytes.subarray(i, i + 1000));
  const got = await collect(chunks(...parts));
  assert.deepEqual(got, [`ADDED:${"x".repeat(100_000)}`, "DELETED:y"]);
});

test("malformed, truncated, unknown type, ERROR", async () => {
  await assert.rejects(collect(chunks(ev("ADDED", "a"), "not json\n")), DecodeError);
  await assert.rejects(collect(chunks('{"type":"ADDED","object":{"n"')), DecodeError);
  await assert.rejects(collect(chunks('{"type":"WHAT","object":{}}\n')), /unknown event type/);
  await assert.rejects(collect(chunks('{"type":"ADDED"}\n')), /malformed event/);
  await assert.rejects(
    collect(
      chunks(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Gone" } })}\n`),
    ),
    (e: unknown) => e instanceof StatusError && isGone(e) && e.verb === "WATCH",
  );
});

test("a 410 ERROR event says what to do; other ERROR events keep the server's message", async () => {
  const error = (code: number, reason: string, message: string) =>
    `${JSON.stringify({ type: "ERROR", object: { kind: "Status", status: "Failure", code, reason, message } })}\n`;
  await assert.rejects(
    collect(chunks(error(410, "Expired", "too old resource version: 2 (234)"))),
    (e: unknown) =>
      e instanceof StatusError &&
      e.status.message === "too old resource version: 2 (234)" &&
      e.message ===
        "WATCH https://h/w: too old resource version: 2 (234) (410 Expired); the resourceVersion is older than the server keeps: list again and watch from the list's resourceVersion",
  );
  await assert.rejects(
    collect(chunks(error(500, "InternalError", "boom"))),
    (e: unknown) => e instanceof StatusError && e.message === "WATCH https://h/w: boom (500 InternalError)",
  );
});
