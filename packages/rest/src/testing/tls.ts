// Test-only: a throwaway PKI made with openssl at test time (CA, server certificate for 127.0.0.1,
// client certificate, and an unrelated CA), and a local HTTPS server for fault injection.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { RESTClient } from "../client.js";
import type { RestConfig } from "../config.js";

export interface TestPKI {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaCert: string;
  paths: { caCert: string; clientCert: string; clientKey: string; otherCaCert: string };
}

let pki: TestPKI | undefined;

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes (once per process) a CA, a server cert for 127.0.0.1/localhost, a client cert "tester" and another CA. */
export function testPKI(): TestPKI {
  if (pki) return pki;
  const dir = mkdtempSync(join(tmpdir(), "rest-pki-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test-ca"],
    dir,
  );
  openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "other.key",
      "-out",
      "other.crt",
      "-days",
      "2",
      "-subj",
      "/CN=other-ca",
    ],
    dir,
  );
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    ["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "server.ext",
    ],
    dir,
  );
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(
    ["req", "-new", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=tester/O=testers"],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "client.crt",
      "-days",
      "2",
      "-extfile",
      "client.ext",
    ],
    dir,
  );
  const r = (f: string) => readFileSync(join(dir, f), "utf8");
  pki = {
    dir,
    caCert: r("ca.crt"),
    caKey: r("ca.key"),
    serverCert: r("server.crt"),
    serverKey: r("server.key"),
    clientCert: r("client.crt"),
    clientKey: r("client.key"),
    otherCaCert: r("other.crt"),
    paths: {
      caCert: join(dir, "ca.crt"),
      clientCert: join(dir, "client.crt"),
      clientKey: join(dir, "client.key"),
      otherCaCert: join(dir, "other.crt"),
    },
  };
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return pki;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  rawHeaders: string[];
  body: string;
  clientCertCN?: string;
}

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  server: Server;
  close(): Promise<void>;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => void | Promise<void>;

/** An HTTPS server on 127.0.0.1:<free port> with the test PKI; records every request. */
export async function startTestServer(
  handler: Handler,
  opts: { requestCert?: boolean } = {},
): Promise<TestServer> {
  const p = testPKI();
  const requests: RecordedRequest[] = [];
  const server = createServer(
    {
      key: p.serverKey,
      cert: p.serverCert,
      ca: p.caCert,
      requestCert: opts.requestCert ?? false,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const sock = req.socket as import("node:tls").TLSSocket;
        const peer = opts.requestCert ? sock.getPeerCertificate() : undefined;
        const rec: RecordedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        if (peer?.subject?.CN) rec.clientCertCN = peer.subject.CN as string;
        requests.push(rec);
        Promise.resolve(handler(req, res, rec)).catch((err) => {
          res.destroy(err as Error);
        });
      });
    },
  );
  const sockets = new Set<import("node:stream").Duplex>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function json(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The local servers and clients of one test file, closed once its tests are done. */
export interface LocalFixtures {
  /** Closed after the file's tests; push others here. */
  servers: TestServer[];
  clients: RESTClient[];
  /** startTestServer, closed after the file's tests. */
  serve(...args: Parameters<typeof startTestServer>): Promise<TestServer>;
  /** A RESTClient for `server` (the test PKI's CA, no rate limiter), closed after the file's tests. */
  client(server: TestServer, extra?: Partial<RestConfig>): RESTClient;
}

/** LocalFixtures for the calling test file (registers its `after` hook). */
export function localFixtures(): LocalFixtures {
  const servers: TestServer[] = [];
  const clients: RESTClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.close()));
  });
  return {
    servers,
    clients,
    async serve(...args) {
      const s = await startTestServer(...args);
      servers.push(s);
      return s;
    },
    client(server, extra = {}) {
      const c = RESTClient.forConfig({
        host: server.url,
        tls: { caData: testPKI().caCert },
        rateLimiter: null,
        ...extra,
      });
      clients.push(c);
      return c;
    },
  };
}
