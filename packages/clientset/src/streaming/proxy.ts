// The builder of the table's proxy rows: client-go's ProxyGet on pods, services (and nodes), an HTTP
// GET that the API server relays to `[scheme:]name[:port]` (GET .../pods/<scheme:name:port>/proxy/<path>).
// As in client-go the call returns a ResponseWrapper and sends nothing until it is read.
import type { CallOptions, RequestSpec } from "@org/rest";
import type { ClientMethod } from "../runtime/descriptor.js";
import { type ResourceClient, requireName } from "../runtime/resource-client.js";

/** What proxyGet returns (client-go's rest.ResponseWrapper): the request, sent when read. */
export interface ResponseWrapper {
  /**
   * Sends the request and returns the whole body as bytes. A status other than 2xx is a StatusError
   * (e.g. 400 "address not allowed", 503 "no endpoints available", or the backend's own status).
   */
  doRaw(opts?: CallOptions): Promise<Uint8Array>;
  /** Sends the request and streams the body; the same errors as doRaw, before the first chunk. */
  stream(opts?: CallOptions): Promise<AsyncIterable<Uint8Array>>;
}

/** client-go's net.JoinSchemeNamePort: "name", "name:port" or "scheme:name:port". */
export function joinSchemeNamePort(scheme: string, name: string, port: string): string {
  if (scheme !== "") return `${scheme}:${name}:${port}`;
  return port === "" ? name : `${name}:${port}`;
}

type Client = ResourceClient<unknown, unknown, unknown>;

/** proxyGet(scheme, name, port, path, params): the subresource is "proxy", then the path's segments. */
export function proxyGetMethod(subresource: string, method: string): ClientMethod {
  return function (
    this: Client,
    scheme: string,
    name: string,
    port: string,
    path: string,
    params: Readonly<Record<string, string>> = {},
  ): ResponseWrapper {
    requireName(name, method);
    // Like client-go's Suffix (path.Join): empty segments dropped. Each segment is a path segment of
    // the request (no "%", "." or ".."; other characters are escaped).
    const segments = path.split("/").filter((s) => s !== "");
    const spec = (opts: CallOptions | undefined): RequestSpec =>
      this.spec("GET", {
        signal: opts?.signal,
        timeoutMs: opts?.timeoutMs,
        name: joinSchemeNamePort(scheme, name, port),
        subresource: [subresource, ...segments].join("/"),
        query: { ...params },
        accept: "*/*",
      });
    const rest = this.rest;
    return {
      async doRaw(opts) {
        const parts: Uint8Array[] = [];
        for await (const chunk of await rest.requestStream(spec(opts))) parts.push(chunk);
        return Buffer.concat(parts);
      },
      stream: (opts) => rest.requestStream(spec(opts)),
    };
  };
}
