// Minimal HTTPS calls to the API server with a client certificate or token (node:https; testenv must
// not depend on @org/rest, which depends on testenv for its tests).
import { request as httpsRequest } from "node:https";

export interface Credentials {
  caData: string;
  clientCertificate?: string;
  clientKey?: string;
  token?: string;
}

export interface KubeResponse<T = unknown> {
  statusCode: number;
  body: T;
  text: string;
}

/** The API server answered with a status >= 400. */
export class KubeRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeRequestError";
  }
}

export function kubeFetch<T = unknown>(
  baseURL: string,
  creds: Credentials,
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; timeoutMs?: number } = {},
): Promise<KubeResponse<T>> {
  const url = new URL(path, baseURL);
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === "string"
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (payload !== undefined) {
    headers["content-type"] = opts.contentType ?? "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        headers,
        ca: creds.caData,
        cert: creds.clientCertificate,
        key: creds.clientKey,
        timeout: opts.timeoutMs ?? 30_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON (e.g. /readyz answers "ok")
          }
          resolve({ statusCode: res.statusCode ?? 0, body: body as T, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.href}: no answer within the timeout`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Like kubeFetch, but a status >= 400 (other than those in `allow`) throws a KubeRequestError. */
export async function kubeCall<T = unknown>(
  baseURL: string,
  creds: Credentials,
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; allow?: readonly number[] } = {},
): Promise<KubeResponse<T>> {
  const res = await kubeFetch<T>(baseURL, creds, method, path, opts);
  if (res.statusCode >= 400 && !opts.allow?.includes(res.statusCode)) {
    const status = res.body as { message?: string; reason?: string } | undefined;
    const msg = typeof status === "object" && status?.message ? status.message : res.text.slice(0, 500);
    throw new KubeRequestError(
      res.statusCode,
      method,
      path,
      (typeof status === "object" && status?.reason) || "",
      `${method} ${path}: HTTP ${res.statusCode}: ${msg}`,
    );
  }
  return res;
}
