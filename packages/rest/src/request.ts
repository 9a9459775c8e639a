// The request builder, the counterpart of client-go's rest.Request: turns a RequestSpec into a
// RequestDescription (method, URL, headers, body) without any I/O, so URL and header logic is tested
// with plain asserts. What every request of a config shares (the parsed server URL, the fixed headers,
// the credential) is a RequestTarget, worked out once per client. RESTClient adds the credentials that
// need I/O (token files, exec plugins).

import { type Credential, credentialFor } from "./auth.js";
import type { RestConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import type {
  ApplyOptions,
  CallOptions,
  CreateOptions,
  DeleteOptions,
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
  /**
   * The call's options, whole: their fields become query parameters by their API names; their
   * `signal`, `timeoutMs` and `idleTimeoutMs` are the call's (see callOptionsOf) and never sent.
   */
  options?: ListOptions | GetOptions | CreateOptions | UpdateOptions | PatchOptions | ApplyOptions;
  /** Extra raw query parameters; arrays repeat the key. */
  query?: Record<string, QueryValue>;
  /**
   * Sent as the body, a meta.k8s.io/v1 DeleteOptions (as client-go does); its `signal` and `timeoutMs`
   * are the call's. Not together with `body`.
   */
  deleteOptions?: DeleteOptions;
  /** An object is sent as JSON; a string or Uint8Array as is. */
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

const callOptionKeys = new Set<string>([
  "signal",
  "timeoutMs",
  "idleTimeoutMs",
] satisfies (keyof CallOptions)[]);

/**
 * The call options of a spec, the one place they are peeled off: the spec's own `signal`,
 * `timeoutMs` and `idleTimeoutMs`, else those of its `deleteOptions`, else those of its `options`.
 */
export function callOptionsOf(spec: RequestSpec): CallOptions {
  const call: CallOptions = {};
  const signal = spec.signal ?? spec.deleteOptions?.signal ?? spec.options?.signal;
  const timeoutMs = spec.timeoutMs ?? spec.deleteOptions?.timeoutMs ?? spec.options?.timeoutMs;
  const idleTimeoutMs =
    spec.idleTimeoutMs ?? spec.deleteOptions?.idleTimeoutMs ?? spec.options?.idleTimeoutMs;
  if (signal !== undefined) call.signal = signal;
  if (timeoutMs !== undefined) call.timeoutMs = timeoutMs;
  if (idleTimeoutMs !== undefined) call.idleTimeoutMs = idleTimeoutMs;
  return call;
}

/** A meta.k8s.io/v1 DeleteOptions body from DeleteOptions (without the call options). */
function deleteOptionsBody(opts: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.propagationPolicy !== undefined) body.propagationPolicy = opts.propagationPolicy;
  if (opts.preconditions !== undefined) body.preconditions = opts.preconditions;
  if (opts.dryRun !== undefined) body.dryRun = ["All"];
  return body;
}

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
  if (PLAIN_SEGMENT.test(value)) return value; // names and resources: nothing to escape
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%40/g, "@");
}

/** Characters a path segment keeps as they are (encodeURIComponent's unreserved ones, ":" and "@"). */
const PLAIN_SEGMENT = /^[A-Za-z0-9\-_.~!*'():@]*$/;

/** The server URL; bare hosts get https when TLS is configured, like client-go. */
function serverURL(config: RestConfig): URL {
  const example = "e.g. https://127.0.0.1:6443";
  if (config.host !== undefined && typeof config.host !== "string")
    throw new ConfigError(
      `RestConfig.host is a ${typeof config.host} (${JSON.stringify(config.host)}): set it to the API server URL, ${example}`,
    );
  let host = config.host?.trim();
  if (!host) throw new ConfigError(`RestConfig.host is empty: set it to the API server URL, ${example}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    const t = config.tls;
    const tls = !!(t && (t.caData || t.caFile || t.certData || t.certFile || t.insecure));
    host = `${tls ? "https" : "http"}://${host}`;
  }
  let u: URL;
  try {
    u = new URL(host);
  } catch {
    throw new ConfigError(
      `RestConfig.host ${JSON.stringify(config.host)} is not a URL: set it to the API server URL, ${example}`,
    );
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new ConfigError(`RestConfig.host has scheme ${u.protocol}; use https:// (or http://)`);
  }
  return u;
}

/** The path of a RequestSpec (without the host's own path prefix). */
function requestPath(config: Pick<RestConfig, "apiPath">, req: RequestSpec): string {
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
    if (config.apiPath === undefined) parts.push("api");
    else {
      const apiPath = config.apiPath.replace(/^\/+|\/+$/g, "");
      if (apiPath) parts.push(...apiPath.split("/"));
    }
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

/**
 * A header value as Go puts it on the wire: its UTF-8 bytes. undici writes a header string as
 * Latin-1 (and refuses characters above U+00FF), so a value with non-ASCII characters is handed to
 * it as the string whose Latin-1 bytes are its UTF-8 encoding.
 */
export function wireHeaderValue(value: string): string {
  return /[\u0080-\uffff]/.test(value) ? Buffer.from(value, "utf8").toString("latin1") : value;
}

/** What every request of one config shares, worked out once (a RESTClient keeps one). */
export interface RequestTarget {
  /** The parsed server URL (a bare host:port made https or http, as client-go does). */
  readonly server: URL;
  /** origin + the server's path prefix, without a trailing slash. */
  readonly base: string;
  readonly apiPath: RestConfig["apiPath"];
  /** User-Agent, the credential's static Authorization, Impersonate-User / -Uid. */
  readonly headers: Readonly<Record<string, string>>;
  readonly repeatedHeaders: Readonly<Record<string, string[]>> | undefined;
  /** The config's credential, from the source picked for it. */
  readonly credential: Credential;
}

/** Parses the server URL and picks the credential of `config`; throws TypeError / ConfigError. */
export function requestTarget(config: RestConfig): RequestTarget {
  const server = serverURL(config);
  const credential = credentialFor(config);
  const headers: Record<string, string> = {
    "User-Agent": wireHeaderValue(config.userAgent ?? defaultUserAgent),
  };
  if (credential.header) headers.Authorization = wireHeaderValue(credential.header);
  let repeated: Record<string, string[]> | undefined;
  const imp = config.impersonate;
  if (imp) {
    if (imp.user) headers["Impersonate-User"] = wireHeaderValue(imp.user);
    if (imp.uid) headers["Impersonate-Uid"] = wireHeaderValue(imp.uid);
    if (imp.groups?.length) {
      repeated ??= {};
      repeated["Impersonate-Group"] = imp.groups.map(wireHeaderValue);
    }
    for (const [k, vs] of Object.entries(imp.extra ?? {})) {
      if (!vs.length) continue;
      repeated ??= {};
      repeated[`Impersonate-Extra-${headerKeyEscape(k)}`] = vs.map(wireHeaderValue);
    }
  }
  return {
    server,
    base: `${server.origin}${server.pathname.replace(/\/+$/, "")}`,
    apiPath: config.apiPath,
    headers,
    repeatedHeaders: repeated,
    credential,
  };
}

/** Builds the request a RESTClient would send. Pure: no I/O, no clock. */
export function buildRequest(config: RestConfig, req: RequestSpec): RequestDescription {
  return describeRequest(requestTarget(config), req);
}

/** The request `req` against `target`. Pure: no I/O, no clock. */
export function describeRequest(target: RequestTarget, req: RequestSpec): RequestDescription {
  const query = encodeQuery(req.options, req.query);
  const url = `${target.base}${requestPath(target, req)}${query ? `?${query}` : ""}`;

  const headers: Record<string, string> = { Accept: req.accept ?? defaultAccept, ...target.headers };
  let body: string | Uint8Array | undefined;
  if (req.deleteOptions !== undefined) {
    if (req.body !== undefined) throw new TypeError("a request has either deleteOptions or a body, not both");
    body = JSON.stringify(deleteOptionsBody(req.deleteOptions));
  } else if (req.body !== undefined && req.body !== null) {
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

  // Caller headers last: they may replace any of the above (an explicit Authorization included).
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
    }
    headers[k] = v;
  }

  const desc: RequestDescription = { method: req.method, url, headers };
  if (body !== undefined) desc.body = body;
  if (target.repeatedHeaders) desc.repeatedHeaders = { ...target.repeatedHeaders };
  return desc;
}
