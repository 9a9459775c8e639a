// The request builder, the counterpart of client-go's rest.Request: turns a RequestSpec into a
// RequestDescription (method, URL, headers, body) without any I/O, so URL and header logic is tested
// with plain asserts. RESTClient adds the credentials that need I/O (token files, exec plugins).

import { staticAuthorization } from "./auth.js";
import type { RestConfig } from "./config.js";
import type {
  ApplyOptions,
  CallOptions,
  CreateOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  UpdateOptions,
} from "./options.js";
import { PatchType } from "./options.js";

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestSpec extends CallOptions {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** An absolute path ("/version", "/apis") — or the coordinates below. */
  path?: string;
  /** "" / undefined = core (/api/v1); else /apis/<group>/<version>. */
  group?: string;
  version?: string;
  /** Omitted from the path when empty. */
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  /** Become query parameters (signal and timeoutMs are not sent). */
  options?: ListOptions | GetOptions | CreateOptions | UpdateOptions | PatchOptions | ApplyOptions;
  /** Extra raw query parameters; arrays repeat the key. */
  query?: Record<string, QueryValue>;
  /** An object is sent as JSON; a string or Uint8Array as is. DeleteOptions go here. */
  body?: unknown;
  /** Default "application/json" when there is a body; PATCH needs a PatchType. */
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
}

export interface RequestDescription {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Headers sent as several lines, one per value (Impersonate-Group, Impersonate-Extra-*). */
  repeatedHeaders?: Record<string, string[]>;
}

export const defaultAccept = "application/json, */*";

const packageVersion = "0.1.0";
export const defaultUserAgent = `org-rest/${packageVersion} (${process.platform}/${process.arch}) node/${process.version}`;

/** Go's url.QueryEscape: everything but [A-Za-z0-9-_.~] percent-encoded, space as "+". */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

const callOptionKeys = new Set(["signal", "timeoutMs"]);

/** Query parameters from options + raw query, sorted by key like Go's url.Values.Encode. */
export function encodeQuery(
  options: object | undefined,
  query: Record<string, QueryValue> | undefined,
): string {
  const params = new Map<string, string[]>();
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    let values: string[];
    if (Array.isArray(value)) values = value.map(String);
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      // dryRun: true is the API server's "All".
      values = [key === "dryRun" && value === true ? "All" : String(value)];
    } else return; // objects (signal, preconditions) are never query parameters
    params.set(key, values);
  };
  if (options) for (const [k, v] of Object.entries(options)) if (!callOptionKeys.has(k)) add(k, v);
  if (query) for (const [k, v] of Object.entries(query)) add(k, v);
  const parts: string[] = [];
  for (const key of [...params.keys()].sort()) {
    for (const v of params.get(key)!) parts.push(`${queryEscape(key)}=${queryEscape(v)}`);
  }
  return parts.join("&");
}

/** A path segment: names are checked like client-go's IsValidPathSegmentName, then escaped. */
function segment(kind: string, value: string): string {
  if (value === "." || value === ".." || value.includes("/") || value.includes("%")) {
    throw new TypeError(
      `invalid ${kind} ${JSON.stringify(value)}: may not be "." or ".." and may not contain "/" or "%"`,
    );
  }
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%40/g, "@");
}

/** The server URL without a trailing slash; bare hosts get https when TLS is configured, like client-go. */
export function normalizeHost(config: RestConfig): URL {
  let host = config.host?.trim();
  if (!host)
    throw new TypeError(
      "RestConfig.host is empty: set it to the API server URL, e.g. https://127.0.0.1:6443",
    );
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    const t = config.tls;
    const tls = !!(t && (t.caData || t.caFile || t.certData || t.certFile || t.insecure));
    host = `${tls ? "https" : "http"}://${host}`;
  }
  const u = new URL(host);
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new TypeError(`RestConfig.host has scheme ${u.protocol}; use https:// (or http://)`);
  }
  return u;
}

/** The path of a RequestSpec (without the host's own path prefix). */
export function requestPath(config: Pick<RestConfig, "apiPath">, req: RequestSpec): string {
  if (req.path !== undefined) {
    if (!req.path.startsWith("/"))
      throw new TypeError(`request path must be absolute: ${JSON.stringify(req.path)}`);
    return req.path;
  }
  const parts: string[] = [];
  if (req.group) {
    if (!req.version) throw new TypeError(`request for group ${req.group} needs a version`);
    parts.push("apis", req.group, req.version);
  } else {
    const apiPath = (config.apiPath ?? "/api").replace(/^\/+|\/+$/g, "");
    if (apiPath) parts.push(...apiPath.split("/"));
    parts.push(req.version || "v1");
  }
  if (req.namespace) parts.push("namespaces", segment("namespace", req.namespace));
  if (req.resource) parts.push(segment("resource", req.resource.toLowerCase()));
  if (req.name !== undefined) {
    if (req.name === "") throw new TypeError("resource name may not be empty");
    if (!req.resource) throw new TypeError("a name needs a resource");
    parts.push(segment("resource name", req.name));
  }
  if (req.subresource) {
    for (const s of req.subresource.split("/")) parts.push(segment("subresource", s));
  }
  return `/${parts.join("/")}`;
}

/** Header name escaping for Impersonate-Extra-<key>, as client-go does (non-token bytes %-encoded). */
export function headerKeyEscape(key: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Builds the request a RESTClient would send. Pure: no I/O, no clock. */
export function buildRequest(config: RestConfig, req: RequestSpec): RequestDescription {
  const base = normalizeHost(config);
  const prefix = base.pathname.replace(/\/+$/, "");
  const query = encodeQuery(req.options, req.query);
  const url = `${base.origin}${prefix}${requestPath(config, req)}${query ? `?${query}` : ""}`;

  const headers: Record<string, string> = {
    Accept: req.accept ?? defaultAccept,
    "User-Agent": config.userAgent ?? defaultUserAgent,
  };
  let body: string | Uint8Array | undefined;
  if (req.body !== undefined && req.body !== null) {
    if (typeof req.body === "string" || req.body instanceof Uint8Array) body = req.body;
    else body = JSON.stringify(req.body);
  }
  if (req.method === "PATCH") {
    const ct = req.contentType;
    if (!ct) {
      throw new TypeError(
        `PATCH needs a contentType: one of ${Object.values(PatchType).join(", ")} (PatchType.Merge, ...)`,
      );
    }
    headers["Content-Type"] = ct;
  } else if (body !== undefined) {
    headers["Content-Type"] = req.contentType ?? "application/json";
  } else if (req.contentType) {
    headers["Content-Type"] = req.contentType;
  }

  const auth = staticAuthorization(config);
  if (auth) headers.Authorization = auth;

  let repeated: Record<string, string[]> | undefined;
  const imp = config.impersonate;
  if (imp) {
    if (imp.user) headers["Impersonate-User"] = imp.user;
    if (imp.uid) headers["Impersonate-Uid"] = imp.uid;
    if (imp.groups?.length) {
      repeated ??= {};
      repeated["Impersonate-Group"] = [...imp.groups];
    }
    for (const [k, vs] of Object.entries(imp.extra ?? {})) {
      if (!vs.length) continue;
      repeated ??= {};
      repeated[`Impersonate-Extra-${headerKeyEscape(k)}`] = [...vs];
    }
  }
  // Caller headers last: they may replace any of the above (an explicit Authorization included).
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
    }
    headers[k] = v;
  }

  const desc: RequestDescription = { method: req.method, url, headers };
  if (body !== undefined) desc.body = body;
  if (repeated) desc.repeatedHeaders = repeated;
  return desc;
}
