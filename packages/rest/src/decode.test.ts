// JSON bodies of any size: the incremental decoder gives what JSON.parse gives at every split point,
// rejects what JSON.parse rejects, and a list larger than the longest V8 string (512 MiB), streamed
// by a local server, decodes item by item.

import assert from "node:assert/strict";
import { constants } from "node:buffer";
import { after, describe, test } from "node:test";
import { RESTClient } from "./client.js";
import { decodeJSONBody, IncrementalJSONDecoder, incrementalDecodeBytes } from "./decode.js";
import { DecodeError } from "./errors.js";
import { startTestServer, type TestServer, testPKI } from "./testing/tls.js";

const label = { what: "GET https://h/api/v1/configmaps", url: "https://h/api/v1/configmaps" };

function decodeSplit(text: string, cuts: number[]): unknown {
  const bytes = Buffer.from(text);
  const d = new IncrementalJSONDecoder(label);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    d.push(bytes.subarray(at, c));
    at = c;
  }
  return d.finish();
}

const tricky = JSON.stringify({
  kind: "ConfigMapList",
  apiVersion: "v1",
  metadata: { resourceVersion: "12", continue: "", arr: [1, [2, { x: "]" }]] },
  items: [
    { metadata: { name: 'q"uo\\te\\' }, data: { "k\\": '\\"}]', u: "é€😀", n: "\n\t" } },
    {},
    "a string item, with , and ] and [",
    42,
    null,
    [{ nested: ["[", "]"] }],
    { metadata: { name: "\\\\" } },
  ],
  rows: [],
  after: { tail: true },
  __proto__: [1],
});

describe("IncrementalJSONDecoder", () => {
  test("every split point decodes to what JSON.parse gives", () => {
    const want = JSON.parse(tricky);
    const n = Buffer.byteLength(tricky);
    for (let i = 0; i <= n; i++) assert.deepEqual(decodeSplit(tricky, [i]), want, `split at ${i}`);
    assert.deepEqual(
      decodeSplit(
        tricky,
        Array.from({ length: n }, (_, i) => i),
      ),
      want,
      "one byte per chunk",
    );
  });

  test("whitespace anywhere, an empty list, non-object roots", () => {
    for (const text of [
      ' \n{ "items" : [ {"a" : 1} , {"b":[ ]} ] , "kind" : "List" } \n',
      '{"items":[]}',
      '{"kind":"Status","code":200}',
      "[1,2,[3]]",
      '"just a string"',
    ]) {
      assert.deepEqual(decodeSplit(text, [3, 7]), JSON.parse(text), text);
    }
  });

  test("duplicate keys: the last wins, as in JSON.parse; __proto__ is a plain key", () => {
    const text = '{"items":[1],"items":[2,3],"__proto__":[4]}';
    const got = decodeSplit(text, [5]) as Record<string, unknown>;
    assert.deepEqual(got.items, [2, 3]);
    assert.ok(Object.hasOwn(got, "__proto__"));
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
  });

  test("malformed bodies are a DecodeError naming the request (and the element)", () => {
    for (const [text, words] of [
      ['{"items":[{"a":1},{"b":}]}', /element 1 of "items"/],
      ['{"items":[1,2}', /"items" ends with }/],
      ['{"items":[1,2]', /ends in the middle of a value/],
      ['{"items":[1]} trailing', /not valid JSON/],
      ['{"items":[1]}}', /unexpected }/],
      ['{"items":[,1]}', /element 0 of "items"/],
    ] as const) {
      assert.throws(
        () => decodeSplit(text, [4]),
        (e: unknown) => {
          assert.ok(e instanceof DecodeError, text);
          assert.match(e.message, /^GET https:\/\/h\/api\/v1\/configmaps: the response is not valid JSON/);
          assert.match(e.message, words);
          return true;
        },
      );
    }
  });
});

describe("decodeJSONBody", () => {
  async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield Buffer.from(p);
  }

  test("a small body is one JSON.parse; empty is undefined; a BOM is skipped", async () => {
    assert.deepEqual(await decodeJSONBody(chunks('{"a":', "[1]}"), label), { a: [1] });
    assert.equal(await decodeJSONBody(chunks(), label), undefined);
    assert.deepEqual(await decodeJSONBody(chunks("\ufeff[1]"), label), [1]);
    await assert.rejects(decodeJSONBody(chunks("{nope"), label), DecodeError);
  });

  test("above incrementalDecodeBytes the body is decoded item by item, a BOM skipped", async () => {
    const item = JSON.stringify({ data: "x".repeat(1 << 20) });
    const count = Math.ceil(incrementalDecodeBytes / item.length) + 2;
    async function* list(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('\ufeff{"kind":"List","items":[');
      for (let i = 0; i < count; i++) yield Buffer.from(i ? `,${item}` : item);
      yield Buffer.from('],"metadata":{"resourceVersion":"7"}}');
    }
    const got = (await decodeJSONBody(list(), label)) as { items: { data: string }[]; metadata: unknown };
    assert.equal(got.items.length, count);
    assert.equal(got.items[count - 1]!.data.length, 1 << 20);
    assert.deepEqual(got.metadata, { resourceVersion: "7" });
  });

  test("a huge body that is not a list is a DecodeError that says what to do", async () => {
    const mib = Buffer.alloc(1 << 20, 0x61);
    const total = Math.ceil(constants.MAX_STRING_LENGTH / mib.length) + 1;
    async function* big(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('{"blob":"');
      for (let i = 0; i < total; i++) yield mib;
      yield Buffer.from('"}');
    }
    await assert.rejects(decodeJSONBody(big(), label), (e: unknown) => {
      assert.ok(e instanceof DecodeError);
      assert.match(
        e.message,
        /too large to decode and is not a list .*ask for less \(limit and continue, listAll\)/,
      );
      return true;
    });
  });
});

describe("a list larger than the longest string, from a server", () => {
  let server: TestServer | undefined;
  let client: RESTClient | undefined;
  after(async () => {
    await client?.close();
    await server?.close();
  });

  test("600 ConfigMaps of 1 MiB (over 600 MiB) decode item by item", async (t) => {
    const value = Buffer.alloc(1 << 20, "v");
    const count = 600;
    let sent = 0;
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"99"},"items":[');
      let i = 0;
      const more = () => {
        while (i < count) {
          const head = `${i ? "," : ""}{"kind":"ConfigMap","metadata":{"name":"cm-${i}"},"data":{"v":"`;
          i++;
          sent += head.length + value.length + 3;
          res.write(head);
          res.write(value);
          if (!res.write('"}}')) return void res.once("drain", more);
        }
        res.end("]}");
      };
      more();
    });
    client = RESTClient.forConfig({ host: server.url, tls: { caData: testPKI().caCert }, rateLimiter: null });
    const list = await client.request<{
      kind: string;
      metadata: { resourceVersion: string };
      items: { metadata: { name: string }; data: { v: string } }[];
    }>({ method: "GET", resource: "configmaps", timeoutMs: 120_000 });
    assert.ok(
      sent > constants.MAX_STRING_LENGTH,
      `the body (${sent} bytes) is longer than the longest string`,
    );
    assert.equal(list.kind, "ConfigMapList");
    assert.equal(list.metadata.resourceVersion, "99");
    assert.equal(list.items.length, count);
    assert.equal(list.items[599]!.metadata.name, "cm-599");
    assert.equal(list.items[0]!.data.v.length, 1 << 20);
    t.diagnostic(`decoded ${(sent / 2 ** 20).toFixed(0)} MiB, ${count} items`);

    // As text it cannot be one string: a DecodeError that says what to use instead.
    await assert.rejects(
      client.requestText({ method: "GET", resource: "configmaps", timeoutMs: 120_000 }),
      (e: unknown) => {
        assert.ok(e instanceof DecodeError, String(e));
        assert.match(e.message, /longer than the longest string \(512 MiB\); read it with requestStream/);
        return true;
      },
    );
  });
});
