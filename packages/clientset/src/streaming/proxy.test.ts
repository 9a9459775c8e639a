// proxyGet (client-go's ProxyGet) through a real RESTClient against a local HTTP server that plays
// the API server's proxy: the URL it sends, the relayed bytes (whole and streamed), and errors as
// StatusErrors. The real API server's refusals are in test/proxy.test.ts.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { after, before, test } from "node:test";
import { isBadRequest, isNotFound, RESTClient, StatusError } from "@org/rest";
import { Clientset } from "../clientset.js";
import { joinSchemeNamePort } from "./proxy.js";

let server: Server;
let cs: Clientset;
const seen: IncomingMessage[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    if (req.url?.includes("/missing")) {
      // the backend's own 404, relayed as it is (not a Status)
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found\n");
      return;
    }
    if (req.url?.includes("/pods/refused")) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          message: "address not allowed",
          reason: "BadRequest",
          code: 400,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(Buffer.from([0, 1, 2, 255]));
    res.end(Buffer.from(` ${req.url}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  cs = new Clientset(RESTClient.forConfig({ host: `http://127.0.0.1:${port}`, qps: 0 }));
});
after(() => new Promise<void>((r) => server.close(() => r())));

test("joinSchemeNamePort as client-go joins them", () => {
  assert.equal(joinSchemeNamePort("", "web", ""), "web");
  assert.equal(joinSchemeNamePort("", "web", "8080"), "web:8080");
  assert.equal(joinSchemeNamePort("https", "web", "8443"), "https:web:8443");
  assert.equal(joinSchemeNamePort("https", "web", ""), "https:web:");
});

test("pods, services and nodes: the URL client-go's ProxyGet sends; bytes whole and streamed", async () => {
  const pod = cs.coreV1().pods("ns1").proxyGet("http", "web", "8080", "/metrics/x", { a: "1 2", b: "c" });
  assert.equal(seen.length, 0, "nothing is sent until the response is read");
  const body = await pod.doRaw();
  const url = "/api/v1/namespaces/ns1/pods/http:web:8080/proxy/metrics/x?a=1+2&b=c"; // as Go encodes a query
  assert.equal(seen.at(-1)!.url, url);
  assert.equal(seen.at(-1)!.method, "GET");
  assert.ok(Buffer.from(body).equals(Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(` ${url}`)])));

  await cs.coreV1().services("ns1").proxyGet("", "db", "5432", "healthz").doRaw();
  assert.equal(seen.at(-1)!.url, "/api/v1/namespaces/ns1/services/db:5432/proxy/healthz");
  const chunks: Uint8Array[] = [];
  for await (const c of await cs
    .coreV1()
    .nodes()
    .proxyGet("https", "n1", "10250", "/stats//summary/")
    .stream())
    chunks.push(c);
  assert.equal(seen.at(-1)!.url, "/api/v1/nodes/https:n1:10250/proxy/stats/summary");
  assert.ok(
    Buffer.concat(chunks).subarray(4).toString().endsWith("/api/v1/nodes/https:n1:10250/proxy/stats/summary"),
  );
  await cs.coreV1().pods("ns1").proxyGet("", "web", "", "").doRaw();
  assert.equal(seen.at(-1)!.url, "/api/v1/namespaces/ns1/pods/web/proxy");
});

test("errors: the API server's Status and the backend's own status are StatusErrors; a bad name is a TypeError", async () => {
  const refused = await cs
    .coreV1()
    .pods("ns1")
    .proxyGet("", "refused", "80", "/")
    .doRaw()
    .catch((e) => e);
  assert.ok(refused instanceof StatusError && isBadRequest(refused), String(refused));
  assert.equal(refused.status.message, "address not allowed");
  const missing = await cs
    .coreV1()
    .pods("ns1")
    .proxyGet("", "web", "80", "/missing")
    .doRaw()
    .catch((e) => e);
  assert.ok(missing instanceof StatusError && isNotFound(missing), String(missing));
  assert.throws(() => cs.coreV1().pods("ns1").proxyGet("", "", "80", "/"), TypeError);
  await assert.rejects(cs.coreV1().pods("ns1").proxyGet("", "web", "80", "a/../b").doRaw(), TypeError);
});
