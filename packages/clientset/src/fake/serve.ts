// serveFake: the fake's server over HTTPS on 127.0.0.1, for kubectl and clients in any language.
// Every request goes through FakeServer.handle (the same semantics as in process); watches stream
// newline-delimited events, Table requests get Table events; /openapi/v2 and /openapi/v3 serve the
// spec the codegen read, when given. TLS material comes from @org/testenv's PKI unless passed in.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { RestConfig } from "@org/rest";
import type { FakeClientset } from "./index.js";
import { openapiHandler } from "./openapi.js";
import type { FakeRequest, FakeServer } from "./server.js";
import { tableFor } from "./table.js";

/** Options of serveFake. */
export interface ServeFakeOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** A Swagger 2 document (the spec the codegen read): served at /openapi/v2 and, converted, /openapi/v3. */
  openapi?: unknown;
  /** Serving certificate and its CA (default: a fresh CA and a certificate for 127.0.0.1 from @org/testenv). */
  tls?: { cert: string; key: string; ca: string };
  /** How long a deleted namespace stays Terminating while served (default 1000 ms). */
  namespaceDeletionDelayMs?: number;
}

/** A fake being served: where, how to connect, and how to stop. */
export interface ServedFake {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the serving certificate (PEM). */
  caData: string;
  /** A kubeconfig (YAML) for the served fake: context "fake", a token user the fake does not check. */
  kubeconfig: string;
  /** A RestConfig for the served fake. */
  config: RestConfig;
  /** Stops serving; open watches end. */
  close(): Promise<void>;
}

function kubeconfigYaml(url: string, ca: string): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: fake",
    "  cluster:",
    `    server: ${q(url)}`,
    `    certificate-authority-data: ${q(Buffer.from(ca).toString("base64"))}`,
    "users:",
    "- name: fake",
    "  user:",
    '    token: "fake"',
    "contexts:",
    "- name: fake",
    "  context:",
    "    cluster: fake",
    "    user: fake",
    "current-context: fake",
    "",
  ].join("\n");
}

async function defaultTLS(): Promise<{ cert: string; key: string; ca: string }> {
  const { generatePki } = await import("@org/testenv");
  const pki = await generatePki({ clients: [], hosts: ["127.0.0.1", "localhost"] });
  return { cert: pki.serving.cert, key: pki.serving.key, ca: pki.ca.cert };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, code: number, body: unknown, contentType?: string): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type":
      contentType ?? (typeof body === "string" ? "text/plain; charset=utf-8" : "application/json"),
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

async function handle(server: FakeServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  const body = await readBody(req);
  const fake: FakeRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams };
  if (body.length > 0) fake.body = body.toString("utf8");
  if (req.headers["content-type"] !== undefined) fake.contentType = req.headers["content-type"];
  if (req.headers.accept !== undefined) fake.accept = req.headers.accept;
  if (req.headers["user-agent"] !== undefined) fake.userAgent = req.headers["user-agent"];
  const r = server.handle(fake);
  if (r.watch === undefined) {
    send(res, r.code, r.body, r.contentType);
    return;
  }
  const stream = r.watch;
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();
  req.on("close", () => stream.close());
  res.on("close", () => stream.close());
  let first = true;
  for await (const ev of stream) {
    let object = ev.object as Record<string, unknown>;
    if (r.table && ev.type !== "ERROR" && ev.type !== "BOOKMARK") {
      // As the server does: the first Table event carries the column definitions.
      const t = tableFor(server, r.resource, object, url.searchParams, Date.now());
      if (!first) t.columnDefinitions = [];
      object = t;
      first = false;
    }
    res.write(`${JSON.stringify({ type: ev.type, object })}\n`);
  }
  res.end();
}

/** Serves `fake` over HTTPS on 127.0.0.1; the result has its URL, a kubeconfig and close(). */
export async function serveFake(
  fake: FakeClientset | FakeServer,
  opts: ServeFakeOptions = {},
): Promise<ServedFake> {
  const server: FakeServer = "server" in fake ? fake.server : fake;
  const tls = opts.tls ?? (await defaultTLS());
  if (opts.openapi !== undefined) server.openapi = openapiHandler(opts.openapi);
  server.rootCA = tls.ca;
  // Other processes (kubectl) read a namespace right after deleting it: keep it Terminating for a
  // second, as the real namespace controller takes at least that long.
  server.namespaceDeletionDelayMs =
    opts.namespaceDeletionDelayMs ?? Math.max(server.namespaceDeletionDelayMs, 1000);
  const https: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(server, req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: 500,
          message: String(err),
        });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    https.once("error", reject);
    https.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  return {
    url,
    caData: tls.ca,
    kubeconfig: kubeconfigYaml(url, tls.ca),
    config: { host: url, tls: { caData: tls.ca }, bearerToken: "fake" },
    close: () =>
      new Promise<void>((resolve) => {
        https.closeAllConnections();
        https.close(() => resolve());
      }),
  };
}
