// The bench's own HTTPS server on 127.0.0.1: serves pre-encoded fixture bytes so that what is
// measured is the client (TLS, HTTP, decode), not the server. A self-signed certificate and a
// kubeconfig pointing at the server are made at run time.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface Fixtures {
  /** PodList JSON per namespace. */
  lists: Map<string, Buffer>;
  /** PodList in the Kubernetes protobuf envelope per namespace (when available). */
  protoLists: Map<string, Buffer>;
  /** Watch stream body per namespace (newline-delimited JSON events). */
  watches: Map<string, Buffer>;
  configMap: Buffer;
  /** Answers a request before the routes above when it returns true (a scenario's own routes). */
  route?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export interface BenchServer {
  url: string;
  caFile: string;
  caPem: string;
  kubeconfigPath: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Writes `body` to `res` in 64 KiB pieces, waiting for "drain" whenever the socket's buffer is full,
 * then calls `done` (which ends the response, or leaves it open as a quiet watch).
 */
export function writeChunked(res: ServerResponse, body: Buffer, done: () => void): void {
  let off = 0;
  const pump = (): void => {
    while (off < body.length) {
      const end = Math.min(off + 65536, body.length);
      const ok = res.write(body.subarray(off, end));
      off = end;
      if (!ok) {
        res.once("drain", pump);
        return;
      }
    }
    done();
  };
  pump();
}

export function makeSelfSignedCert(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, "server.key");
  const certFile = join(dir, "server.crt");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=org-bench",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-days",
      "1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { keyFile, certFile };
}

const notFound = (path: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: `${path} not found`,
      reason: "NotFound",
      code: 404,
    }),
  );

export async function startServer(dir: string, fx: Fixtures): Promise<BenchServer> {
  const { keyFile, certFile } = makeSelfSignedCert(dir);
  const caPem = readFileSync(certFile, "utf8");
  const server: Server = createServer({ key: readFileSync(keyFile), cert: caPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    if (fx.route?.(req, res, url)) return;
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|configmaps)(?:\/([^/]+))?$/.exec(url.pathname);
    const ns = m?.[1] ?? "";
    if (m?.[2] === "configmaps" && m[3]) {
      res.writeHead(200, { "content-type": "application/json", "content-length": fx.configMap.length });
      res.end(fx.configMap);
      return;
    }
    if (m?.[2] === "pods" && !m[3] && url.searchParams.get("watch") === "true") {
      const body = fx.watches.get(ns);
      if (body) {
        // chunked, as the API server streams a watch; written in 64 KiB pieces with backpressure
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        writeChunked(res, body, () => res.end());
        return;
      }
    }
    if (m?.[2] === "pods" && !m[3]) {
      const wantsProto = (req.headers.accept ?? "").startsWith("application/vnd.kubernetes.protobuf");
      const proto = fx.protoLists.get(ns);
      const json = fx.lists.get(ns);
      const [body, type] =
        wantsProto && proto ? [proto, "application/vnd.kubernetes.protobuf"] : [json, "application/json"];
      if (body) {
        res.writeHead(200, { "content-type": type, "content-length": body.length });
        res.end(body);
        return;
      }
    }
    const body = notFound(url.pathname);
    res.writeHead(404, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  const token = "org-bench-token";
  const kubeconfigPath = join(dir, "bench.kubeconfig");
  writeFileSync(
    kubeconfigPath,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: bench",
      "  cluster:",
      `    server: ${url}`,
      `    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}`,
      "users:",
      "- name: bench",
      "  user:",
      `    token: ${token}`,
      "contexts:",
      "- name: bench",
      "  context:",
      "    cluster: bench",
      "    user: bench",
      "    namespace: bench",
      "current-context: bench",
      "",
    ].join("\n"),
  );
  return {
    url,
    caFile: certFile,
    caPem,
    kubeconfigPath,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
