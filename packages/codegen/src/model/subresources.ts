// The one table of named subresource methods: which subresource gives which client method (client-go's
// name, camelCased), with which verb, and whether the object's name comes from the body and the result
// is dropped. The model keeps the rows whose verb the spec serves for that subresource; the emitter
// writes them into the resource's descriptor, and the clientset runtime installs each row with the
// builder of its verb (packages/clientset/src/runtime/subresources.ts). A method's type is its line in
// SubresourceMethods (packages/clientset/src/runtime/methods.ts).
//
// Adding a method is one row here plus that one type line. Connect subresources are rows with the
// "connect" verb: the runtime builds exec, attach and portforward as WebSocket streams and proxy
// (pods, services, nodes) as client-go's ProxyGet, an HTTP GET the API server relays.

/**
 * How a row is called and what it sends. The verb fixes the body: `get` sends none (GET), `create`
 * POSTs the subresource's request kind, `update` PUTs it, `apply` sends an apply configuration
 * (server-side apply patch), `connect` opens a stream (WebSocket); the spec must serve that verb on the
 * subresource.
 */
export type SubresourceMethodVerb = "get" | "create" | "update" | "apply" | "connect";

/** One named subresource method; the generated descriptor carries exactly these fields. */
export interface SubresourceMethodRow {
  /** Client method: "getScale". */
  method: string;
  /** URL segment: "scale". */
  subresource: string;
  verb: SubresourceMethodVerb;
  /** `evict(eviction)`: the name is the body's metadata.name; otherwise `(name, body)`. */
  nameFromBody?: true;
  /** "none": resolves to nothing (client-go returns only an error); otherwise the decoded response. */
  result?: "none";
}

/** Every named subresource method, in the order a resource's methods are listed. */
export const SUBRESOURCE_METHODS: readonly SubresourceMethodRow[] = [
  { method: "getScale", subresource: "scale", verb: "get" },
  { method: "updateScale", subresource: "scale", verb: "update" },
  { method: "applyScale", subresource: "scale", verb: "apply" },
  { method: "bind", subresource: "binding", verb: "create", nameFromBody: true, result: "none" },
  { method: "evict", subresource: "eviction", verb: "create", nameFromBody: true, result: "none" },
  { method: "createToken", subresource: "token", verb: "create" },
  { method: "updateEphemeralContainers", subresource: "ephemeralcontainers", verb: "update" },
  { method: "updateResize", subresource: "resize", verb: "update" },
  { method: "updateApproval", subresource: "approval", verb: "update" },
  { method: "finalize", subresource: "finalize", verb: "update", nameFromBody: true },
  { method: "exec", subresource: "exec", verb: "connect" },
  { method: "attach", subresource: "attach", verb: "connect" },
  { method: "portForward", subresource: "portforward", verb: "connect" },
  { method: "proxyGet", subresource: "proxy", verb: "connect" },
];

/** Subresources served otherwise, so they need no row: `status` by resource verbs, `log` by an expansion. */
export const SUBRESOURCES_WITHOUT_ROWS: Readonly<Record<string, string>> = {
  status: "updateStatus, applyStatus and patch(..., { subresource: 'status' })",
  log: "PodExpansion (getLogs, streamLogs)",
};

const byMethod = new Map(SUBRESOURCE_METHODS.map((row) => [row.method, row]));

/** The row of a method name the model chose (every name in SubresourceModel.methods has one). */
export function subresourceMethodRow(method: string): SubresourceMethodRow {
  const row = byMethod.get(method);
  if (row === undefined) throw new Error(`no subresource method row for ${method}`);
  return row;
}
