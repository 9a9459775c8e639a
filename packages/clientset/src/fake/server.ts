// The fake API server: routes a request (method, path, query, body, content type) to the object
// store with kube-apiserver's semantics (validation, optimistic concurrency, status subresources,
// deletion with finalizers and garbage collection, selectors, paging, watch, the four patch kinds,
// dry runs) and answers with the server's status and body, or a watch stream. The RestInterface
// adapter and serveFake's HTTPS server both go through `handle`.

import { randomUUID } from "node:crypto";
import { groupVersionString } from "../discovery/index.js";
import { parseSelector, SelectorError } from "../labels.js";
import type { GroupVersionDescriptor } from "../runtime/descriptor.js";
import { type DiscoveryRoute, discoveryDocument, discoveryRoute } from "./discovery.js";
import { applyScale, requestedManagedFields, serverSideApply, updateManagedFields } from "./managed.js";
import { orderedCopy, sortedCopy } from "./order.js";
import { applyJSONPatch, applyMergePatch, applyStrategicMergePatch, jsonEqual, PatchError } from "./patch.js";
import {
  createsOnUpdate,
  type FakeResource,
  generationPart,
  hasStatus,
  isObject,
  type Obj,
  own,
  put,
  resourceFromCRD,
  resourceKey,
  resourcesFromDescriptors,
  setsGeneration,
} from "./resources.js";
import { emptySchema, fieldOf, mergeSchemas, type SchemaTable } from "./schema.js";
import { parseFieldSelector } from "./selectors.js";
import * as st from "./status.js";
import { ApiError } from "./status.js";
import { type Change, Store } from "./store.js";
import { decodeCustomResource, type StructuralSchema, validateCustomResource } from "./structural.js";
import { tableFor, wantsTable } from "./table.js";
import { validateObject } from "./validation.js";
import { WatchStream } from "./watch.js";

/** A request to the fake server, as it would arrive over HTTP. */
export interface FakeRequest {
  method: string;
  /** The path without query: "/api/v1/namespaces/web/configmaps". */
  path: string;
  query: URLSearchParams;
  body?: string | Uint8Array;
  contentType?: string;
  accept?: string;
  userAgent?: string;
}

/**
 * The fake server's answer: a body (JSON object, or text) with its HTTP code, or a watch stream.
 * `error` is a reactor's error: the in-process transport throws it as it is, serveFake sends `body`.
 */
export type FakeResponse =
  | { code: number; body: unknown; contentType?: string; watch?: undefined; error?: unknown }
  | { code: 200; watch: WatchStream; table: boolean; resource: FakeResource };

/** What a request does, in client-go testing's terms (testing.Action). */
export interface Action {
  /** client-go's verbs: get, list, watch, create, update, patch, delete, delete-collection. */
  verb: string;
  resource: { group: string; version: string; resource: string };
  subresource: string;
  namespace: string;
  name: string;
  /** The decoded request body (create, update; the patch for patch). */
  object?: unknown;
  patchType?: string;
  query: Record<string, string>;
}

/** A reactor's answer: `handled` ends the request with `object` (200) or `error`. */
export interface Reaction {
  handled: boolean;
  object?: unknown;
  error?: unknown;
}

/** client-go's testing.ReactionFunc: return undefined (or handled false) to pass the request on. */
export type ReactionFunc = (action: Action) => Reaction | undefined;

/** A watch reactor's answer: `handled` ends the watch request with `watch` or `error`. */
export interface WatchReaction {
  handled: boolean;
  watch?: WatchStream;
  error?: unknown;
}

/** client-go's testing.WatchReactionFunc: return undefined (or handled false) to pass the watch on. */
export type WatchReactionFunc = (action: Action) => WatchReaction | undefined;

/** The verbs a reactor can name (watches have their own reactors). */
const reactorVerbs = new Set([
  "*",
  "get",
  "list",
  "create",
  "update",
  "patch",
  "delete",
  "delete-collection",
]);

interface Reactor<F> {
  verb: string;
  resource: string;
  fn: F;
}

/** client-go's resourceCovers: "*", the resource, or "resource/subresource". */
function covers(r: Reactor<unknown>, a: Action): boolean {
  if (r.verb !== "*" && r.verb !== a.verb) return false;
  return (
    r.resource === "*" ||
    r.resource === a.resource.resource ||
    r.resource === `${a.resource.resource}/${a.subresource}`
  );
}

function checkReactorVerb(verb: string): void {
  if (reactorVerbs.has(verb)) return;
  const hint =
    verb === "watch"
      ? "watches go to prependWatchReactor/addWatchReactor"
      : verb === "deletecollection"
        ? 'client-go\'s verb for deleteCollection is "delete-collection"'
        : `use one of ${[...reactorVerbs].map((v) => JSON.stringify(v)).join(", ")}`;
  throw new TypeError(`a reactor for verb ${JSON.stringify(verb)} would never run: ${hint}`);
}

/** A reactor's error as the Status the server answers with (serveFake sends it; the fake transport throws the error itself). */
function reactorError(error: unknown): FakeResponse {
  const e = error as { status?: unknown };
  let status: Obj;
  if (e instanceof ApiError) status = e.status as Obj;
  else if (isObject(e?.status) && typeof (e.status as Obj).code === "number")
    status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", ...(e.status as Obj) };
  else status = st.internal((error as Error)?.message ?? String(error)).status as Obj;
  return { code: status.code as number, body: status, error };
}

/** Options of a FakeServer. */
export interface FakeServerOptions {
  /** The descriptors the fake serves (default: the generated `groupVersions` table). */
  groupVersions: Readonly<Record<string, GroupVersionDescriptor>>;
  /** Patch strategies, merge keys and list types from the spec (default here: none, every list atomic; newFakeClientset passes the generated table). */
  schema?: SchemaTable;
  /**
   * More tables, merged over `schema`: a CRD package's generated `schemaTable` (`org-codegen crd`), so
   * apply and patches of its kinds know their list types, list-map keys and map types as the server does.
   */
  schemas?: readonly SchemaTable[];
  /** How many changes the history keeps for watches and lists at old resourceVersions (default 10000). */
  historyWindow?: number;
  /** The first resourceVersion the fake assigns is this + 1 (default 1000); older ones are 410 Gone. */
  startResourceVersion?: number;
  /** Clock, for creationTimestamp and deletionTimestamp (default Date.now). */
  now?: () => number;
  /** How long a deleted namespace stays Terminating before its contents go (default 20 ms; serveFake: 1 s). */
  namespaceDeletionDelayMs?: number;
  /** Every this many ms a watch with allowWatchBookmarks gets a BOOKMARK (default 60 000, as the server; 0 = never). */
  bookmarkIntervalMs?: number;
  /** Namespaces that exist from the start, as in a new cluster (default: default, kube-node-lease, kube-public, kube-system). */
  namespaces?: readonly string[];
  /** The git version /version reports (default "v1.36.0-fake"). */
  version?: string;
}

interface Route {
  res: FakeResource;
  version: string;
  namespace: string;
  name: string;
  subresource: string;
}

/** The RFC 3339 seconds form the API server uses for timestamps. */
function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

const generateNameChars = "bcdfghjklmnpqrstvwxz2456789";

function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += generateNameChars[Math.floor(Math.random() * generateNameChars.length)];
  return s;
}

const patchTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

function bodyText(b: string | Uint8Array | undefined): string {
  if (b === undefined) return "";
  return typeof b === "string" ? b : new TextDecoder().decode(b);
}

function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw st.badRequest(`error decoding ${what}: ${(err as Error).message}`);
  }
}

/** DeleteOptions from the body and the query (the query wins, as the server's decoder does). */
interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** Annotation on the bookmark that ends the initial events of a watch list. */
export const initialEventsEndAnnotation = "k8s.io/initial-events-end";

/**
 * The in-process API server: `handle(request)` answers as kube-apiserver would, from `store`; the
 * resources it serves come from the descriptors table and the CRDs created in it.
 */
export class FakeServer {
  readonly store: Store;
  readonly schema: SchemaTable;
  readonly #resources: Map<string, FakeResource>;
  readonly #builtIn: Set<string>;
  readonly #now: () => number;
  readonly version: string;
  readonly #reactors: Reactor<ReactionFunc>[] = [];
  readonly #watchReactors: Reactor<WatchReactionFunc>[] = [];
  readonly #actions: Action[] = [];
  #controllersScheduled = false;
  #namespacesScheduled = false;
  /** How long a deleted namespace stays Terminating before the namespace controller empties it. */
  namespaceDeletionDelayMs: number;
  /** Every this many ms a watch that allows bookmarks gets one (0 = never). */
  readonly bookmarkIntervalMs: number;
  /** Namespaces (by uid) that already got their "default" ServiceAccount and root CA ConfigMap. */
  readonly #populated = new Set<string>();
  /** The CA bundle published in every namespace's kube-root-ca.crt (serveFake sets its own CA). */
  rootCA = "";
  /** Bumped when the set of served resources changes (CRDs), so discovery caches can tell. */
  discoveryGeneration = 0;
  /** Serves /openapi/v2 and /openapi/v3[/...] when set (serveFake sets it from the spec). */
  openapi: ((path: string) => unknown) | undefined;

  constructor(opts: FakeServerOptions) {
    this.schema = mergeSchemas(opts.schema ?? emptySchema, ...(opts.schemas ?? []));
    this.#resources = resourcesFromDescriptors(opts.groupVersions);
    this.#builtIn = new Set(this.#resources.keys());
    this.#now = opts.now ?? Date.now;
    this.namespaceDeletionDelayMs = opts.namespaceDeletionDelayMs ?? 20;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.version = opts.version ?? "v1.36.0-fake";
    this.store = new Store({
      startRV: opts.startResourceVersion ?? 1000,
      historyWindow: opts.historyWindow ?? 10000,
    });
    const namespaces = opts.namespaces ?? ["default", "kube-node-lease", "kube-public", "kube-system"];
    this.add(...namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })));
  }

  /** Every resource the fake serves now (built-in and from CRDs). */
  resources(): FakeResource[] {
    return [...this.#resources.values()];
  }

  // --- client-go testing hooks ---

  /** Runs `fn` before the server for matching requests other than watches ("*" matches any verb or resource). */
  prependReactor(verb: string, resource: string, fn: ReactionFunc): void {
    checkReactorVerb(verb);
    this.#reactors.unshift({ verb, resource, fn });
  }

  /** Runs `fn` after the other reactors, still before the server. */
  addReactor(verb: string, resource: string, fn: ReactionFunc): void {
    checkReactorVerb(verb);
    this.#reactors.push({ verb, resource, fn });
  }

  /** Runs `fn` before the server for matching watch requests ("*" matches any resource). */
  prependWatchReactor(resource: string, fn: WatchReactionFunc): void {
    this.#watchReactors.unshift({ verb: "watch", resource, fn });
  }

  /** Runs `fn` after the other watch reactors, still before the server. */
  addWatchReactor(resource: string, fn: WatchReactionFunc): void {
    this.#watchReactors.push({ verb: "watch", resource, fn });
  }

  /** The resource requests received so far, in order (copies: changing them changes no record). */
  actions(): Action[] {
    return this.#actions.map(clone);
  }

  clearActions(): void {
    this.#actions.length = 0;
  }

  // --- seeding ---

  /** Stores objects as they are (client-go's tracker.Add): they must carry apiVersion, kind and metadata.name. */
  add(...objects: Obj[]): void {
    for (const raw of objects) {
      const o = clone(raw);
      const apiVersion = String(o.apiVersion ?? "");
      const slash = apiVersion.indexOf("/");
      const group = slash < 0 ? "" : apiVersion.slice(0, slash);
      const res = this.resources().find((r) => r.group === group && r.kind === o.kind);
      if (res === undefined || !o.metadata?.name) {
        throw new TypeError(
          `newFakeClientset: cannot store ${JSON.stringify(o.kind)} ${JSON.stringify(apiVersion)} ${JSON.stringify(o.metadata?.name ?? "")}: ` +
            "each object needs apiVersion, kind and metadata.name of a resource the fake serves",
        );
      }
      o.metadata.uid ??= randomUUID();
      o.metadata.creationTimestamp ??= timestamp(this.#now());
      if (setsGeneration(res)) o.metadata.generation ??= 1;
      if (!res.namespaced) delete o.metadata.namespace;
      else o.metadata.namespace ??= "default";
      if (res.group === "" && res.resource === "namespaces") this.#defaultNamespace(o);
      delete o.metadata.resourceVersion;
      const gr = resourceKey(res.group, res.resource);
      // Adding an object that exists replaces it (client-go's tracker.Add does too).
      const existing = this.store.get(gr, o.metadata.namespace ?? "", o.metadata.name);
      if (existing !== undefined) o.metadata.uid = raw.metadata?.uid ?? existing.metadata.uid;
      this.store.commit(existing === undefined ? "ADDED" : "MODIFIED", gr, o, existing);
      this.#afterCommit(res, o);
    }
    // Objects given at construction are the state the history starts from.
    this.store.oldestRV = this.store.rv;
  }

  // --- routing ---

  /** Answers one request. Never throws for API errors: they are Status responses. */
  handle(req: FakeRequest): FakeResponse {
    try {
      return this.#handle(req);
    } catch (err) {
      if (err instanceof ApiError) return { code: err.status.code ?? 500, body: err.status };
      if (err instanceof SelectorError) {
        const e = st.badRequest(err.message);
        return { code: 400, body: e.status };
      }
      const e = st.internal((err as Error)?.message ?? String(err));
      return { code: 500, body: e.status };
    }
  }

  #handle(req: FakeRequest): FakeResponse {
    const d: DiscoveryRoute | undefined = discoveryRoute(req.path);
    if (d !== undefined) {
      if (req.method !== "GET") throw st.methodNotAllowed();
      return discoveryDocument(this, d, req.accept ?? "");
    }
    const route = this.#route(req.path);
    const verb = this.#verb(req, route);
    const action: Action = {
      verb: verb === "deletecollection" ? "delete-collection" : verb,
      resource: { group: route.res.group, version: route.version, resource: route.res.resource },
      subresource: route.subresource,
      namespace: route.namespace,
      name: route.name,
      query: Object.fromEntries(req.query),
    };
    if (req.body !== undefined && req.body !== "") {
      try {
        action.object = JSON.parse(bodyText(req.body));
      } catch {
        action.object = bodyText(req.body);
      }
    }
    if (verb === "patch" && req.contentType !== undefined)
      action.patchType = req.contentType.split(";")[0]!.trim();
    this.#actions.push(action);
    const reactors = verb === "watch" ? this.#watchReactors : this.#reactors;
    if (reactors.length === 0) return this.#dispatch(verb, route, req);
    // As client-go's Fake.Invokes: the reactors share one copy of the action, so a change made by a
    // reactor that passes is what the next reactors and the server see; the record keeps the request.
    const shared = clone(action);
    if (verb === "watch") {
      for (const r of this.#watchReactors) {
        if (!covers(r, shared)) continue;
        const result = r.fn(shared);
        if (result === undefined || !result.handled) continue;
        if (result.error !== undefined) return reactorError(result.error);
        if (!(result.watch instanceof WatchStream))
          return reactorError(
            new TypeError("a watch reactor handled the watch without a WatchStream or an error"),
          );
        return { code: 200, watch: result.watch, table: wantsTable(req.accept), resource: route.res };
      }
      return this.#dispatch(verb, route, req);
    }
    for (const r of this.#reactors) {
      if (!covers(r, shared)) continue;
      const result = r.fn(shared);
      if (result === undefined || !result.handled) continue;
      if (result.error !== undefined) return reactorError(result.error);
      return { code: 200, body: clone(result.object ?? {}) };
    }
    if (shared.object !== undefined && !jsonEqual(shared.object, action.object)) {
      const body = typeof shared.object === "string" ? shared.object : JSON.stringify(shared.object);
      return this.#dispatch(verb, route, { ...req, body });
    }
    return this.#dispatch(verb, route, req);
  }

  #verb(req: FakeRequest, route: Route): string {
    switch (req.method) {
      case "GET":
        if (route.name === "")
          return req.query.get("watch") === "true" || req.query.get("watch") === "1" ? "watch" : "list";
        return "get";
      case "POST":
        return "create";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return route.name === "" ? "deletecollection" : "delete";
      default:
        throw st.methodNotAllowed();
    }
  }

  #route(path: string): Route {
    const parts = path
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent);
    let group = "";
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === "api") {
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === "apis") {
      group = parts[1] ?? "";
      version = parts[2];
      rest = parts.slice(3);
    } else throw st.pathNotFound();
    if (version === undefined || rest.length === 0) throw st.pathNotFound();
    let namespace = "";
    if (
      rest[0] === "namespaces" &&
      rest.length >= 3 &&
      !(group === "" && (rest[2] === "status" || rest[2] === "finalize"))
    ) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    }
    const resource = rest[0]!;
    const res = this.#resources.get(resourceKey(group, resource));
    if (res === undefined || !res.versions.includes(version)) throw st.pathNotFound();
    if (namespace !== "" && !res.namespaced) throw st.pathNotFound();
    const name = rest[1] ?? "";
    const subresource = rest.slice(2).join("/");
    if (subresource !== "" && !res.subresources.some((s) => s.name === subresource)) {
      // The custom resource handler answers a subresource its CRD does not define with the
      // object's 404 (a built-in's unknown subresource is a path the server does not serve).
      if (res.crd !== undefined && name !== "") throw st.notFound(res.group, res.resource, name);
      throw st.pathNotFound();
    }
    return { res, version, namespace, name, subresource };
  }

  #dispatch(verb: string, route: Route, req: FakeRequest): FakeResponse {
    const { res, subresource } = route;
    if (subresource === "") {
      if (!res.verbs.includes(verb)) throw st.methodNotAllowed();
    } else {
      if (!servedSubresources.has(subresource)) throw st.methodNotAllowed();
      const sub = res.subresources.find((s) => s.name === subresource)!;
      const httpVerb =
        verb === "get"
          ? "get"
          : verb === "create"
            ? "create"
            : verb === "update"
              ? "update"
              : verb === "patch"
                ? "patch"
                : "";
      if (!sub.verbs.includes(httpVerb)) throw st.methodNotAllowed();
    }
    const q = req.query;
    // Bodies are JSON (or, for apply, JSON as YAML): a protobuf or CBOR body is refused with a 415,
    // as a server without that serializer does, so that clients send JSON again.
    if (req.body !== undefined && /protobuf|cbor/.test(req.contentType ?? ""))
      throw st.unsupportedMediaType();
    if (verb === "create") checkWriteOptions("CreateOptions", q);
    if (verb === "update") checkWriteOptions("UpdateOptions", q);
    const dryRun = q.getAll("dryRun").includes("All");
    const manager = q.get("fieldManager") || (req.userAgent ?? "").split("/")[0] || "unknown";
    const strict = q.get("fieldValidation") === "Strict";
    switch (verb) {
      case "get":
        // No kubelet: a pod's log is empty.
        if (subresource === "log") return { code: 200, body: "", contentType: "text/plain" };
        return this.#respond(req, route, this.#get(route, q));
      case "list":
        return this.#respond(req, route, this.#list(route, q));
      case "watch":
        return {
          code: 200,
          watch: this.#watch(route, q),
          table: wantsTable(req.accept),
          resource: route.res,
        };
      case "create": {
        const body = parseJSON(bodyText(req.body), "the request body");
        if (subresource !== "") return this.#createSubresource(route, body, dryRun);
        return {
          code: 201,
          body: this.#create(route, this.#decode(route, body, strict), { dryRun, manager }),
        };
      }
      case "update": {
        const body = parseJSON(bodyText(req.body), "the request body");
        return this.#update(route, this.#decode(route, body, strict), { dryRun, manager });
      }
      case "patch":
        return this.#patch(route, req, { dryRun, manager, force: q.get("force") === "true", strict });
      case "delete":
        return this.#delete(route, this.#deleteOptions(req), dryRun);
      case "deletecollection":
        return { code: 200, body: this.#deleteCollection(route, q, this.#deleteOptions(req), dryRun) };
      default:
        throw st.methodNotAllowed();
    }
  }

  #respond(req: FakeRequest, route: Route, body: Obj): FakeResponse {
    if (wantsTable(req.accept))
      return { code: 200, body: tableFor(this, route.res, body, req.query, this.#now()) };
    return { code: 200, body };
  }

  // --- objects ---

  #gr(res: FakeResource): string {
    return resourceKey(res.group, res.resource);
  }

  /** An object as the server encodes it: a copy with apiVersion/kind of the URL's version, Go's key order. */
  #out(res: FakeResource, version: string, o: Obj): Obj {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    const typed = { kind: res.kind, apiVersion: groupVersionString(res.group, version), ...rest };
    if (res.crd !== undefined) return sortedCopy(typed) as Obj;
    return orderedCopy(typed, this.schema, this.#typeOf(res, version)) as Obj;
  }

  #existing(route: Route): Obj {
    const o = this.store.get(this.#gr(route.res), route.namespace, route.name);
    if (o === undefined) throw st.notFound(route.res.group, route.res.resource, route.name);
    return o;
  }

  #get(route: Route, q: URLSearchParams): Obj {
    const rv = q.get("resourceVersion");
    if (rv !== null && rv !== "" && rv !== "0") {
      const n = this.#parseRV(rv, "get");
      if (n > this.store.rv) throw st.tooLargeResourceVersion();
    }
    const o = this.#existing(route);
    if (route.subresource === "scale") return this.#scaleOf(o);
    return this.#out(route.res, route.version, o);
  }

  /** A resourceVersion parameter; the server's error when it is not a uint64 (a 400 for lists). */
  #parseRV(rv: string, verb: "get" | "list" | "watch"): number {
    const ok = /^\d+$/.test(rv);
    if (ok && BigInt(rv) < 2n ** 64n) return Number(rv);
    const why = `resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": ${ok ? "value out of range" : "invalid syntax"}`;
    throw verb === "list" ? st.badRequest(`invalid resource version: ${why}`) : st.internalPlain(why);
  }

  /** Field selector validation for one resource: the server's error for unsupported fields. */
  #fieldSelector(res: FakeResource, selector: string | null) {
    const fs = parseFieldSelector(selector ?? "");
    for (const r of fs.requirements) {
      if (r.field === "metadata.name" || r.field === "metadata.namespace") continue;
      if (Object.hasOwn(res.selectableFields, r.field)) continue;
      throw st.badRequest(unsupportedFieldMessage(res, r.field));
    }
    return fs;
  }

  #matcher(res: FakeResource, q: URLSearchParams): (o: Obj) => boolean {
    const ls = parseSelector(q.get("labelSelector") ?? "");
    const fs = this.#fieldSelector(res, q.get("fieldSelector"));
    if (ls.empty && fs.requirements.length === 0) return () => true;
    return (o) => {
      if (!ls.matches(o.metadata?.labels)) return false;
      if (fs.requirements.length === 0) return true;
      const fields: Record<string, string> = {
        "metadata.name": o.metadata?.name ?? "",
        "metadata.namespace": o.metadata?.namespace ?? "",
      };
      for (const r of fs.requirements) {
        if (Object.hasOwn(res.selectableFields, r.field)) fields[r.field] = res.selectableFields[r.field]!(o);
      }
      return fs.matches(fields);
    };
  }

  /** The server's ValidateListOptions (list) and validateWatchOptions (watch): a 422 on ListOptions. */
  #checkListOptions(q: URLSearchParams, watch: boolean): void {
    const rvMatch = q.get("resourceVersionMatch") ?? "";
    const sendInitial = q.get("sendInitialEvents");
    const cont = q.get("continue") ?? "";
    const f = "resourceVersionMatch";
    const causes: ReturnType<typeof st.forbiddenField>[] = [];
    if (watch) {
      if (sendInitial !== null && rvMatch !== "NotOlderThan")
        causes.push(
          st.forbiddenField(f, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
        );
      if (rvMatch !== "") {
        if (sendInitial === null)
          causes.push(
            st.forbiddenField(
              f,
              "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ),
          );
        if (rvMatch !== "NotOlderThan") causes.push(st.notSupported(f, rvMatch, ["NotOlderThan"]));
        if (cont !== "")
          causes.push(st.forbiddenField(f, "resourceVersionMatch is forbidden when continue is provided"));
      }
    } else {
      const rv = q.get("resourceVersion") ?? "";
      if (rvMatch !== "") {
        if (rv === "")
          causes.push(
            st.forbiddenField(f, "resourceVersionMatch is forbidden unless resourceVersion is provided"),
          );
        if (cont !== "")
          causes.push(st.forbiddenField(f, "resourceVersionMatch is forbidden when continue is provided"));
        if (rvMatch !== "Exact" && rvMatch !== "NotOlderThan")
          causes.push(st.notSupported(f, rvMatch, ["Exact", "NotOlderThan", ""]));
        if (rvMatch === "Exact" && rv === "0")
          causes.push(
            st.forbiddenField(f, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
          );
      }
      if (sendInitial !== null)
        causes.push(st.forbiddenField("sendInitialEvents", "sendInitialEvents is forbidden for list"));
    }
    if (causes.length > 0) throw st.invalid("meta.k8s.io", "ListOptions", "", causes);
  }

  #list(route: Route, q: URLSearchParams): Obj {
    const { res } = route;
    this.#checkListOptions(q, false);
    const match = this.#matcher(res, q);
    const cont = q.get("continue") ?? "";
    const rvParam = q.get("resourceVersion") ?? "";
    const rvMatch = q.get("resourceVersionMatch") ?? "";
    // A list at resourceVersion "0" is served from the watch cache, whole: the limit is ignored.
    const limit = rvParam === "0" ? 0 : Number(q.get("limit") ?? "0") || 0;
    const ns = route.namespace === "" ? undefined : route.namespace;
    let atRV = this.store.rv;
    let start = "";
    if (cont !== "") {
      let token: { v?: string; rv?: number; start?: string };
      try {
        const bad = cont.search(/[^A-Za-z0-9_-]/);
        const at = bad >= 0 ? bad : cont.length % 4 === 1 ? cont.length - 1 : -1;
        if (at >= 0) throw new Error(`illegal base64 data at input byte ${at}`);
        token = JSON.parse(Buffer.from(cont, "base64url").toString("utf8"));
      } catch (err) {
        throw st.badRequest(`invalid continue token: continue key is not valid: ${(err as Error).message}`);
      }
      if (token.v !== "meta.k8s.io/v1" || typeof token.rv !== "number") {
        throw st.badRequest(
          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        );
      }
      // "0" may go with a token: the rest of the token's snapshot, whole (as from the watch cache).
      if (rvParam !== "" && rvParam !== "0")
        throw st.badRequest("specifying resource version is not allowed when using continue");
      atRV = token.rv;
      start = token.start ?? "";
    } else if (rvParam !== "" && rvParam !== "0") {
      const n = this.#parseRV(rvParam, "list");
      if (rvMatch === "Exact" || (rvMatch === "" && limit > 0)) atRV = n;
      else if (n > this.store.rv) throw st.tooLargeResourceVersion();
    }
    if (atRV > this.store.rv) throw st.tooLargeResourceVersion();
    if (atRV < this.store.oldestRV) {
      throw cont !== ""
        ? st.expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          )
        : st.expired(`too old resource version: ${atRV} (${this.store.oldestRV})`);
    }
    const objects =
      atRV === this.store.rv
        ? this.store.list(this.#gr(res), ns)
        : this.store.listAt(this.#gr(res), ns, atRV);
    const keyOf = (o: Obj) =>
      ns === undefined && res.namespaced
        ? `${o.metadata.namespace}/${o.metadata.name}`
        : `/${o.metadata.name}`;
    const items: Obj[] = [];
    let next = "";
    let remaining = 0;
    for (const o of objects) {
      const k = keyOf(o);
      if (start !== "" && k < start) continue;
      if (!match(o)) continue;
      if (limit > 0 && items.length >= limit) {
        if (next === "") next = `${keyOf(items[items.length - 1]!)}\u0000`;
        remaining++;
        continue;
      }
      items.push(o);
    }
    const meta: Obj = { resourceVersion: String(atRV) };
    if (next !== "") {
      meta.continue = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: atRV, start: next })).toString(
        "base64url",
      );
      if ((q.get("labelSelector") ?? "") === "" && (q.get("fieldSelector") ?? "") === "")
        meta.remainingItemCount = remaining;
    }
    return {
      kind: res.listKind,
      apiVersion: groupVersionString(res.group, route.version),
      metadata: meta,
      items: items.map((o) => this.#item(res, route.version, o)),
    };
  }

  /** A list item: typed lists carry no apiVersion/kind per item; custom resources do. */
  #item(res: FakeResource, version: string, o: Obj): Obj {
    if (res.crd !== undefined) return this.#out(res, version, o);
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return orderedCopy(rest, this.schema, this.#typeOf(res, version)) as Obj;
  }

  #watch(route: Route, q: URLSearchParams): WatchStream {
    const { res } = route;
    const match = this.#matcher(res, q);
    const gr = this.#gr(res);
    const ns = route.namespace;
    const stream = new WatchStream();
    const rvParam = q.get("resourceVersion") ?? "";
    const sendInitial = q.get("sendInitialEvents");
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const out = (o: Obj) => this.#out(res, route.version, o);
    this.#checkListOptions(q, true);
    const deliver = (c: Change) => {
      if (c.gr !== gr || (ns !== "" && c.namespace !== ns)) return;
      const now = c.type === "DELETED" ? false : match(c.object);
      const before = c.prev !== undefined && match(c.prev);
      if (c.type === "DELETED") {
        if (match(c.object)) stream.push({ type: "DELETED", object: out(c.object) });
      } else if (now && before) stream.push({ type: "MODIFIED", object: out(c.object) });
      else if (now) stream.push({ type: "ADDED", object: out(c.object) });
      else if (before) {
        // As the watch cache sends it: the last state that matched, at the change's resourceVersion.
        const last = {
          ...c.prev!,
          metadata: { ...c.prev!.metadata, resourceVersion: c.object.metadata.resourceVersion },
        };
        stream.push({ type: "DELETED", object: out(last) });
      }
    };
    const initial = rvParam === "" || rvParam === "0" || sendInitial === "true";
    if (initial) {
      if (rvParam !== "" && rvParam !== "0" && this.#parseRV(rvParam, "watch") > this.store.rv)
        throw st.tooLargeResourceVersion();
      for (const o of this.store.list(gr, ns === "" ? undefined : ns))
        if (match(o)) stream.push({ type: "ADDED", object: out(o) });
      // 1.36 ends every initial state (watch-list, and watches from no or "0" resourceVersion) with
      // the initial-events-end bookmark when the client allows bookmarks.
      if (bookmarks) {
        stream.push({
          type: "BOOKMARK",
          object: {
            kind: res.kind,
            apiVersion: groupVersionString(res.group, route.version),
            metadata: {
              resourceVersion: String(this.store.rv),
              annotations: { [initialEventsEndAnnotation]: "true" },
            },
          },
        });
      }
    } else {
      const from = this.#parseRV(rvParam, "watch");
      if (from < this.store.oldestRV) {
        stream.push({
          type: "ERROR",
          object: st.expired(`too old resource version: ${from} (${this.store.oldestRV})`).status,
        });
        stream.close();
        return stream;
      }
      for (const c of this.store.changesSince(from)) deliver(c);
    }
    const unsubscribe = this.store.subscribe(deliver);
    stream.onClose(unsubscribe);
    const timeout = Number(q.get("timeoutSeconds") ?? "0");
    if (timeout > 0) {
      const t = setTimeout(() => stream.close(), timeout * 1000);
      stream.onClose(() => clearTimeout(t));
    }
    if (bookmarks && this.bookmarkIntervalMs > 0) {
      // Progress notifications, as the watch cache sends them: the latest resourceVersion, no object.
      const i = setInterval(() => {
        stream.push({
          type: "BOOKMARK",
          object: {
            kind: res.kind,
            apiVersion: groupVersionString(res.group, route.version),
            metadata: { resourceVersion: String(this.store.rv) },
          },
        });
      }, this.bookmarkIntervalMs);
      stream.onClose(() => clearInterval(i));
    }
    return stream;
  }

  // --- writes ---

  #manager(route: Route) {
    return route.subresource === "" ? undefined : route.subresource;
  }

  #checkNamespace(res: FakeResource, namespace: string, name: string): void {
    if (!res.namespaced) return;
    const ns = this.store.get("/namespaces", "", namespace);
    if (ns === undefined) throw st.notFound("", "namespaces", namespace);
    if (ns.status?.phase === "Terminating" || ns.metadata.deletionTimestamp !== undefined) {
      throw st.forbidden(
        res.group,
        res.resource,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          reason: "NamespaceTerminating",
          message: `namespace ${namespace} is being terminated`,
          field: "metadata.namespace",
        },
      );
    }
  }

  #defaultNamespace(o: Obj): void {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), "kubernetes.io/metadata.name": o.metadata.name };
    o.spec = { ...(o.spec ?? {}) };
    o.spec.finalizers ??= ["kubernetes"];
    o.status = { phase: "Active", ...(o.status ?? {}) };
  }

  /** The top-level fields a write of the main resource does not set (its strategy resets them). */
  #resetFields(res: FakeResource): string[] {
    if (this.#gr(res) === "/namespaces") return ["spec", "status"];
    return hasStatus(res) ? ["status"] : [];
  }

  /** The structural schema of a custom resource's version, from its CRD as stored. */
  #structural(res: FakeResource, version: string): StructuralSchema | undefined {
    if (res.crd === undefined) return undefined;
    const crd = this.store.get("apiextensions.k8s.io/customresourcedefinitions", "", res.crd);
    return crd?.spec?.versions?.find((v: Obj) => v.name === version)?.schema?.openAPIV3Schema;
  }

  /** A custom resource's scale subresource in the stored CRD's version (undefined: none). */
  #crScale(res: FakeResource, version: string): { specReplicasPath?: string } | undefined {
    if (res.crd === undefined) return undefined;
    const crd = this.store.get("apiextensions.k8s.io/customresourcedefinitions", "", res.crd);
    const scale = crd?.spec?.versions?.find((v: Obj) => v.name === version)?.subresources?.scale;
    return isObject(scale) ? scale : undefined;
  }

  /**
   * A custom resource's replicas at its scale's specReplicasPath must not be negative, as the CR
   * strategy checks on every write (the cause's field is the path as the CRD spells it).
   */
  #crScaleCauses(res: FakeResource, version: string, o: Obj): ReturnType<typeof st.invalidValue>[] {
    const path = this.#crScale(res, version)?.specReplicasPath;
    if (typeof path !== "string") return [];
    let v: unknown = o;
    for (const p of path.replace(/^\./, "").split(".")) v = isObject(v) ? own(v, p) : undefined;
    return typeof v === "number" && v < 0
      ? [st.invalidValue(path, v, "should be a non-negative integer")]
      : [];
  }

  #typeOf(res: FakeResource, version: string): string | undefined {
    return this.schema.roots[`${res.group}/${version}/${res.kind}`];
  }

  /**
   * What the server's typed decoding does to a body: fields a built-in type does not have are dropped
   * (with fieldValidation=Strict, refused with its 400). A custom resource's unknown fields are
   * refused the same way; they are pruned (and defaults set) when the object is stored.
   */
  #decode<B>(route: Route, body: B, strict: boolean): B {
    const { res, version } = route;
    // Subresources with bodies of their own kind (Scale, Eviction, Binding ...) are not the parent's.
    if (!isObject(body) || (route.subresource !== "" && route.subresource !== "status")) return body;
    this.#checkBodyType(route, body);
    const unknown =
      res.crd === undefined
        ? dropUnknown(body, this.schema, this.#typeOf(res, version), "")
        : decodeCustomResource(clone(body), this.#structural(res, version)).sort(); // the server sorts a CR's
    const bytesField = { "/secrets": "data", "/configmaps": "binaryData" }[this.#gr(res)];
    if (bytesField !== undefined && isObject(body[bytesField])) {
      // []byte fields are base64 in JSON; the decoder stops at the first value that is not.
      for (const v of Object.values(body[bytesField])) {
        const at = typeof v === "string" ? base64ErrorAt(v) : 0;
        if (at !== undefined)
          throw st.badRequest(
            `${res.kind} in version "${version}" cannot be handled as a ${res.kind}: illegal base64 data at input byte ${at}`,
          );
      }
    }
    if (strict && unknown.length > 0) {
      throw st.badRequest(
        `${res.kind} in version "${version}" cannot be handled as a ${res.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`,
      );
    }
    return body;
  }

  /**
   * A body of another kind or version than the URL's (apiVersion and kind default to the URL's): the
   * typed decoder's 400 for a built-in resource; for a custom resource a 400 for the version and the
   * validation's 422 for the kind.
   */
  #checkBodyType(route: Route, body: Obj): void {
    const { res, version } = route;
    const apiVersion =
      typeof body.apiVersion === "string" && body.apiVersion !== ""
        ? body.apiVersion
        : groupVersionString(res.group, version);
    const kind = typeof body.kind === "string" && body.kind !== "" ? body.kind : res.kind;
    if (apiVersion === groupVersionString(res.group, version) && kind === res.kind) return;
    if (res.crd !== undefined) {
      if (apiVersion !== groupVersionString(res.group, version)) {
        throw st.badRequest(
          `the API version in the data (${apiVersion}) does not match the expected API version (${groupVersionString(res.group, version)})`,
        );
      }
      throw st.invalid(res.group, kind, body.metadata?.name ?? "", [
        st.invalidValue("kind", kind, `must be ${res.kind}`),
      ]);
    }
    const slash = apiVersion.indexOf("/");
    const [group, v] =
      slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
    const known = this.resources().some(
      (r) => r.group === group && r.versions.includes(v) && r.kind === kind,
    );
    const why = known
      ? `converting (${v}.${kind}) to (${internalPackage(res.group)}.${res.kind}): unknown conversion`
      : `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:111"`;
    throw st.badRequest(`${kind} in version "${v}" cannot be handled as a ${res.kind}: ${why}`);
  }

  /** Create: POST to a collection (or an apply of a missing object). */
  #create(route: Route, body: unknown, opts: { dryRun: boolean; manager: string; apply?: boolean }): Obj {
    const { res, version } = route;
    if (!isObject(body)) throw st.badRequest("the body of the request must be an object");
    const o: Obj = clone(body);
    o.apiVersion = groupVersionString(res.group, version);
    o.kind = res.kind;
    o.metadata = isObject(o.metadata) ? o.metadata : {};
    const m = o.metadata;
    if (res.namespaced) {
      if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== route.namespace) {
        throw st.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      m.namespace = route.namespace;
    } else delete m.namespace;
    if (m.resourceVersion !== undefined && m.resourceVersion !== "") {
      throw st.internalPlain("resourceVersion should not be set on objects to be created");
    }
    if (
      (m.name === undefined || m.name === "") &&
      typeof m.generateName === "string" &&
      m.generateName !== ""
    ) {
      // As names.SimpleNameGenerator: the prefix cut to 58 characters, then five random ones.
      m.name = `${m.generateName.slice(0, 58)}${randomSuffix()}`;
    }
    // A custom resource's schema is checked on the object as it will be stored (pruned, defaulted).
    const decoded = res.crd === undefined ? undefined : clone(o);
    if (decoded !== undefined) decodeCustomResource(decoded, this.#structural(res, version));
    validateObject(
      res,
      o,
      undefined,
      decoded === undefined
        ? []
        : [
            ...validateCustomResource(decoded, this.#structural(res, version)),
            ...this.#crScaleCauses(res, version, decoded),
          ],
    );
    if (res.namespaced) this.#checkNamespace(res, route.namespace, m.name);
    const gr = this.#gr(res);
    if (this.store.get(gr, route.namespace, m.name) !== undefined)
      throw st.alreadyExists(res.group, res.resource, m.name);
    m.uid = randomUUID();
    m.creationTimestamp = timestamp(this.#now());
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.managedFields;
    // A resource whose strategy sets no generation keeps the one it was sent (until an update).
    if (setsGeneration(res)) m.generation = 1;
    delete m.selfLink;
    this.#prepareForCreate(res, o);
    if (res.crd === undefined) dropEmpty(o, this.schema, this.#typeOf(res, version));
    else decodeCustomResource(o, this.#structural(res, version));
    if (!opts.apply) {
      const type = this.#typeOf(res, version);
      o.metadata.managedFields = updateManagedFields({
        old: undefined,
        next: o,
        manager: opts.manager,
        apiVersion: o.apiVersion,
        schema: this.schema,
        type,
        now: timestamp(this.#now()),
        custom: res.crd !== undefined,
        reset: this.#resetFields(res),
      });
      if (o.metadata.managedFields.length === 0) delete o.metadata.managedFields;
    }
    if (opts.dryRun) return this.#out(res, version, o);
    this.store.commit("ADDED", gr, o, undefined);
    this.#afterCommit(res, o);
    // The collector sees the new object: one whose owners are not live goes (or loses the references).
    if ((o.metadata.ownerReferences ?? []).length > 0) this.#scheduleControllers();
    return this.#out(res, version, o);
  }

  #prepareForCreate(res: FakeResource, o: Obj): void {
    const key = this.#gr(res);
    if (key === "/namespaces") this.#defaultNamespace(o);
    else if (key === "/secrets" && isObject(o.stringData)) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData))
        put(o.data, k, Buffer.from(String(v)).toString("base64"));
      delete o.stringData;
      o.type ??= "Opaque";
    } else if (key === "/secrets") o.type ??= "Opaque";
    if (key === "apps/daemonsets") setTemplateGeneration(o, undefined, false);
    if (key === "/pods") {
      o.status = { phase: "Pending", qosClass: qosClass(o) };
    } else if (hasStatus(res) && key !== "/namespaces") {
      if (res.crd !== undefined) delete o.status;
      else o.status = {};
    }
    if (key === "apiextensions.k8s.io/customresourcedefinitions") {
      o.status = {
        conditions: [
          { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
          {
            type: "Established",
            status: "True",
            reason: "InitialNamesAccepted",
            message: "the initial names have been accepted",
          },
        ].map((c) => ({ ...c, lastTransitionTime: timestamp(this.#now()) })),
        acceptedNames: { ...(o.spec?.names ?? {}) },
        storedVersions: (o.spec?.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name),
      };
    }
  }

  /** Side effects of a committed create/update: CRDs become resources, namespaces get their defaults. */
  #afterCommit(res: FakeResource, o: Obj): void {
    const gr = this.#gr(res);
    if (gr === "apiextensions.k8s.io/customresourcedefinitions") this.#registerCRD(o);
    // kube-controller-manager fills a new namespace within milliseconds; the fake does it at once.
    if (gr === "/namespaces" && !this.#populated.has(o.metadata.uid)) this.#populateNamespaces();
  }

  #registerCRD(crd: Obj): void {
    const r = resourceFromCRD(crd);
    for (const [k, existing] of this.#resources)
      if (existing.crd === crd.metadata.name) this.#resources.delete(k);
    if (r !== undefined) {
      const key = resourceKey(r.group, r.resource);
      if (!this.#builtIn.has(key)) this.#resources.set(key, r);
    }
    this.discoveryGeneration++;
  }

  #unregisterCRD(crd: Obj): void {
    for (const [k, existing] of this.#resources) {
      if (existing.crd === crd.metadata.name) {
        this.#resources.delete(k);
        for (const o of this.store.list(k, undefined))
          this.store.commit("DELETED", k, { ...o, metadata: { ...o.metadata } }, o);
      }
    }
    this.discoveryGeneration++;
  }

  /**
   * The new state of an existing object after an update from `body` (a PUT, or the result of a
   * patch): the server's metadata kept, status or main part kept per subresource, immutable fields
   * checked. Returns the stored object unchanged for a no-op.
   */
  #prepareUpdate(route: Route, old: Obj, body: Obj, manager: string, apply?: Obj): Obj {
    const { res, version } = route;
    const m = isObject(body.metadata) ? body.metadata : {};
    if (m.name !== undefined && m.name !== route.name) {
      throw st.badRequest(
        `the name of the object (${m.name}) does not match the name on the URL (${route.name})`,
      );
    }
    if (
      res.namespaced &&
      m.namespace !== undefined &&
      m.namespace !== "" &&
      m.namespace !== route.namespace
    ) {
      throw st.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    if (typeof m.resourceVersion === "string" && m.resourceVersion !== "" && !/^\d+$/.test(m.resourceVersion))
      throw st.internalPlain(
        `strconv.ParseUint: parsing ${JSON.stringify(m.resourceVersion)}: invalid syntax`,
      );
    if (
      m.resourceVersion !== undefined &&
      m.resourceVersion !== "" &&
      m.resourceVersion !== old.metadata.resourceVersion
    ) {
      throw st.conflict(res.group, res.resource, route.name, st.optimisticLockMessage);
    }
    let next: Obj;
    const gr = this.#gr(res);
    if (route.subresource === "status" && res.crd !== undefined) {
      // A custom resource's status strategy keeps everything but the status.
      next = { ...clone(old), status: clone(body.status) };
      if (body.status === undefined) delete next.status;
    } else {
      if (route.subresource === "status") {
        // A built-in's status strategy keeps the spec, not the metadata: labels, annotations,
        // finalizers and owner references change through status too, except a Deployment's labels
        // and a Pod's owner references.
        next = { ...clone(old), metadata: { ...clone(m) }, status: clone(body.status) };
        if (body.status === undefined) delete next.status;
        const kept = gr === "apps/deployments" ? "labels" : gr === "/pods" ? "ownerReferences" : undefined;
        if (kept !== undefined) {
          if (old.metadata[kept] === undefined) delete next.metadata[kept];
          else next.metadata[kept] = clone(old.metadata[kept]);
        }
      } else {
        next = clone(body);
        next.apiVersion = groupVersionString(res.group, version);
        next.kind = res.kind;
        next.metadata = { ...clone(m) };
        if (hasStatus(res)) {
          if (old.status === undefined) delete next.status;
          else next.status = clone(old.status);
        }
      }
      keepServerMetadata(next.metadata, old.metadata);
      next.metadata.name = old.metadata.name;
      if (res.namespaced) next.metadata.namespace = old.metadata.namespace;
      if (gr === "/namespaces") {
        next.spec = clone(old.spec);
        next.metadata.labels = {
          ...(next.metadata.labels ?? {}),
          "kubernetes.io/metadata.name": old.metadata.name,
        };
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    delete next.metadata.selfLink;
    next.metadata.managedFields = clone(old.metadata.managedFields);
    if (next.metadata.managedFields === undefined) delete next.metadata.managedFields;
    if (this.#gr(res) === "/secrets" && isObject(next.stringData)) {
      next.data = { ...(next.data ?? {}) };
      for (const [k, v] of Object.entries(next.stringData))
        put(next.data, k, Buffer.from(String(v)).toString("base64"));
      delete next.stringData;
    }
    if (res.crd === undefined) dropEmpty(next, this.schema, this.#typeOf(res, version));
    else decodeCustomResource(next, this.#structural(res, version));
    validateObject(
      res,
      next,
      old,
      res.crd === undefined
        ? []
        : [
            ...validateCustomResource(next, this.#structural(res, version), old),
            ...this.#crScaleCauses(res, version, next),
          ],
    );
    // A status strategy keeps what the generation tracks.
    if (route.subresource !== "status") bumpGeneration(res, old, next);
    if (gr === "apps/daemonsets") setTemplateGeneration(next, old, route.subresource !== "status");
    const type = this.#typeOf(res, version);
    const now = timestamp(this.#now());
    if (apply === undefined) {
      // An update may set managedFields (a subresource's may not); the server tracks no update of
      // an object whose managedFields are empty, so a reset stays empty until the next apply.
      const base =
        (route.subresource === "" ? requestedManagedFields(m.managedFields) : undefined) ??
        old.metadata.managedFields ??
        [];
      next.metadata.managedFields =
        base.length === 0
          ? []
          : updateManagedFields({
              old: { ...old, metadata: { ...old.metadata, managedFields: base } },
              next,
              manager,
              apiVersion: groupVersionString(res.group, version),
              ...(route.subresource === "" ? {} : { subresource: route.subresource }),
              schema: this.schema,
              type,
              now,
              custom: res.crd !== undefined,
              reset: this.#resetFields(res),
            });
      if (next.metadata.managedFields.length === 0) delete next.metadata.managedFields;
    } else {
      next.metadata.managedFields = apply.metadata?.managedFields;
    }
    if (jsonEqual(withoutVolatile(old), withoutVolatile(next))) return old;
    return next;
  }

  /** Commits an updated object: deleted when it is being deleted and its last finalizer is gone. */
  #commitUpdate(res: FakeResource, old: Obj, next: Obj, dryRun: boolean): Obj {
    if (next === old) return old;
    const gr = this.#gr(res);
    if (dryRun) return next;
    if (
      next.metadata.deletionTimestamp !== undefined &&
      (next.metadata.finalizers ?? []).length === 0 &&
      !namespaceHasFinalizers(gr, next)
    ) {
      // As etcd's delete event: the last stored state, at the deletion's revision.
      const last = this.store.commit("DELETED", gr, clone(old), old);
      next.metadata.resourceVersion = last.metadata.resourceVersion;
      this.#afterDelete(res, last);
      return next;
    }
    this.store.commit("MODIFIED", gr, next, old);
    this.#afterCommit(res, next);
    this.#scheduleControllers();
    return next;
  }

  #update(route: Route, body: unknown, opts: { dryRun: boolean; manager: string }): FakeResponse {
    if (!isObject(body)) throw st.badRequest("the body of the request must be an object");
    const { res, version } = route;
    if (route.subresource === "scale")
      return { code: 200, body: this.#updateScale(route, body, opts.dryRun) };
    if (route.subresource === "finalize") {
      const old = this.#existing(route);
      const next = clone(old);
      next.spec = { ...(next.spec ?? {}), finalizers: clone(body.spec?.finalizers ?? []) };
      if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== old.metadata.resourceVersion) {
        throw st.conflict(res.group, res.resource, route.name, st.optimisticLockMessage);
      }
      return { code: 200, body: this.#out(res, version, this.#commitUpdate(res, old, next, opts.dryRun)) };
    }
    const m = isObject(body.metadata) ? body.metadata : {};
    // The update handler's check, before the object is read (an empty name is no match either).
    if ((m.name ?? "") !== route.name) {
      throw st.badRequest(
        `the name of the object (${m.name ?? ""}) does not match the name on the URL (${route.name})`,
      );
    }
    const old = this.store.get(this.#gr(res), route.namespace, route.name);
    if (old === undefined && createsOnUpdate(res)) {
      // The storage creates it in its update, where a resourceVersion sent is ignored (a Service's
      // status strategy allows it too, so a PUT of its status creates one).
      const { resourceVersion: _rv, ...metadata } = m;
      return { code: 201, body: this.#create(route, { ...body, metadata }, opts) };
    }
    if (old === undefined) throw st.notFound(res.group, res.resource, route.name);
    // A PUT's uid is a precondition of the storage update.
    const uid = m.uid;
    if (uid !== undefined && uid !== "" && uid !== old.metadata.uid) {
      throw st.conflict(
        res.group,
        res.resource,
        route.name,
        `StorageError: invalid object, Code: 4, Key: ${storageKey(res, route.namespace, route.name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    const next = this.#prepareUpdate(route, old, body, opts.manager);
    return { code: 200, body: this.#out(res, version, this.#commitUpdate(res, old, next, opts.dryRun)) };
  }

  #patch(
    route: Route,
    req: FakeRequest,
    opts: { dryRun: boolean; manager: string; force: boolean; strict: boolean },
  ): FakeResponse {
    const { res, version } = route;
    const ct = (req.contentType ?? "").split(";")[0]!.trim();
    const accepted = res.crd === undefined ? patchTypes : patchTypes.filter((t) => !t.includes("strategic"));
    if (!accepted.includes(ct)) throw st.unsupportedMediaType();
    checkWriteOptions("PatchOptions", req.query, ct === "application/apply-patch+yaml");
    const text = bodyText(req.body);
    if (ct === "application/apply-patch+yaml") return this.#apply(route, text, req.query, opts);
    const patch = parseJSON(text, "the patch");
    const old = this.#existing(route);
    const current = this.#out(res, version, old);
    // The server decodes a JSON patch into a list of operations, the others into a map.
    const jsonPatch = ct === "application/json-patch+json";
    if (patch !== null && Array.isArray(patch) !== jsonPatch) {
      throw st.badRequest(
        `error decoding patch: json: cannot unmarshal ${goJSONType(patch)} into Go value of type ${jsonPatch ? "[]handlers.jsonPatchOp" : "map[string]interface {}"}`,
      );
    }
    // Each operation decodes into a struct: a number, string, bool or list is refused there too.
    const notOp =
      jsonPatch && Array.isArray(patch) ? patch.find((op) => op !== null && !isObject(op)) : undefined;
    if (notOp !== undefined) {
      throw st.badRequest(
        `error decoding patch: json: cannot unmarshal ${goJSONType(notOp)} into Go value of type handlers.jsonPatchOp`,
      );
    }
    let patched: Obj;
    try {
      if (jsonPatch) patched = applyJSONPatch(current, patch);
      else if (ct === "application/merge-patch+json") patched = applyMergePatch(current, patch ?? {}) as Obj;
      else patched = applyStrategicMergePatch(current, patch ?? {}, this.schema, this.#typeOf(res, version));
    } catch (err) {
      if (err instanceof PatchError) {
        if (jsonPatch) throw st.patchFailed();
        throw err.internal ? st.internalPlain(err.message) : st.badRequest(err.message);
      }
      throw err;
    }
    this.#decode(route, patched, opts.strict);
    if (!isObject(patched.metadata)) patched.metadata = {};
    // A patch only conflicts when it carries a resourceVersion of its own.
    const patchRV =
      isObject(patch) && isObject((patch as Obj).metadata)
        ? (patch as Obj).metadata.resourceVersion
        : undefined;
    if (patchRV === undefined && ct !== "application/json-patch+json")
      patched.metadata.resourceVersion = old.metadata.resourceVersion;
    if (route.subresource === "scale") {
      return { code: 200, body: this.#updateScale(route, patched, opts.dryRun) };
    }
    // A patched uid is no precondition: the metadata validation refuses a changed one.
    const next = this.#prepareUpdate(route, old, patched, opts.manager);
    return { code: 200, body: this.#out(res, version, this.#commitUpdate(res, old, next, opts.dryRun)) };
  }

  #apply(
    route: Route,
    text: string,
    q: URLSearchParams,
    opts: { dryRun: boolean; force: boolean; strict: boolean },
  ): FakeResponse {
    const { res, version } = route;
    // checkWriteOptions required it.
    const manager = q.get("fieldManager") ?? "";
    let cfg: unknown;
    try {
      cfg = JSON.parse(text);
    } catch {
      throw st.badRequest(
        "the fake reads apply configurations as JSON: send the body as JSON (YAML is not supported)",
      );
    }
    if (!isObject(cfg)) throw st.badRequest("the apply configuration must be an object");
    if (isObject(cfg.metadata) && cfg.metadata.managedFields != null)
      throw st.badRequest("metadata.managedFields must be nil");
    if (!cfg.apiVersion || !cfg.kind) {
      throw st.badRequest(
        `error decoding YAML: Object 'Kind' is missing in '${text.length > 200 ? `${text.slice(0, 200)}...` : text}'`,
      );
    }
    const isScale = route.subresource === "scale";
    const want = isScale
      ? { kind: "Scale", apiVersion: "autoscaling/v1" }
      : { kind: res.kind, apiVersion: groupVersionString(res.group, version) };
    if (isScale) this.#existing(route);
    if (cfg.kind !== want.kind || cfg.apiVersion !== want.apiVersion) {
      // The field manager's check, with the GroupVersionKind as Go prints it ("/v1, Kind=Secret").
      const apiVersion = String(cfg.apiVersion);
      throw st.badRequest(
        `invalid object type: ${apiVersion.includes("/") ? apiVersion : `/${apiVersion}`}, Kind=${cfg.kind}`,
      );
    }
    if (isScale) return this.#applyScale(route, cfg, manager, opts);
    this.#decode(route, cfg, opts.strict);
    if (isObject(cfg.metadata) && cfg.metadata.name !== undefined && cfg.metadata.name !== route.name) {
      throw st.badRequest(
        `the name of the object (${cfg.metadata.name}) does not match the name on the URL (${route.name})`,
      );
    }
    const old = this.store.get(this.#gr(res), route.namespace, route.name);
    const type = this.#typeOf(res, version);
    const now = timestamp(this.#now());
    const sub = route.subresource === "" ? undefined : route.subresource;
    if (old === undefined && sub !== undefined) throw st.notFound(res.group, res.resource, route.name);
    const result = serverSideApply({
      live: old === undefined ? undefined : this.#out(res, version, old),
      config: cfg,
      manager,
      apiVersion: groupVersionString(res.group, version),
      ...(sub === undefined ? {} : { subresource: sub }),
      force: opts.force,
      schema: this.schema,
      type,
      now,
      custom: res.crd !== undefined,
    });
    if ("conflicts" in result) throw st.applyConflict(result.conflicts);
    const merged = result.object;
    if (old === undefined) {
      const managed = merged.metadata.managedFields;
      // The storage creates it in its update, where a resourceVersion sent is ignored.
      merged.metadata = { ...merged.metadata, name: route.name };
      delete merged.metadata.managedFields;
      delete merged.metadata.resourceVersion;
      const created = this.#createWithManaged(route, merged, managed, opts.dryRun);
      return { code: 201, body: created };
    }
    // A resourceVersion in the configuration is the update's precondition.
    const rv = isObject(cfg.metadata) ? cfg.metadata.resourceVersion : undefined;
    const next = this.#prepareUpdate(
      route,
      old,
      { ...merged, metadata: { ...merged.metadata, resourceVersion: rv } },
      manager,
      merged,
    );
    return { code: 200, body: this.#out(res, version, this.#commitUpdate(res, old, next, opts.dryRun)) };
  }

  /**
   * A Scale's replicas must not be negative: a built-in's 422 is the Scale's (autoscaling's
   * ValidateScale), a custom resource's its own kind's, for the field at specReplicasPath.
   */
  #checkScale(route: Route, replicas: unknown): void {
    const { res, version } = route;
    if (typeof replicas !== "number" || replicas >= 0) return;
    if (res.crd === undefined)
      throw st.invalid("autoscaling", "Scale", route.name, [
        st.invalidValue("spec.replicas", replicas, "must be greater than or equal to 0"),
      ]);
    const path = this.#crScale(res, version)?.specReplicasPath ?? ".spec.replicas";
    throw st.invalid(res.group, res.kind, route.name, [
      st.invalidValue(path, replicas, "should be a non-negative integer"),
    ]);
  }

  /** An apply of the scale subresource: the parent's replicas, owned through the "scale" subresource. */
  #applyScale(
    route: Route,
    cfg: Obj,
    manager: string,
    opts: { dryRun: boolean; force: boolean },
  ): FakeResponse {
    const old = this.#existing(route);
    if (route.res.crd !== undefined) {
      // As kube-apiserver 1.36 answers it: the apply is converted to the CR's version and fails.
      const m = isObject(cfg.metadata) ? cfg.metadata : {};
      throw st.internalPlain(
        `failed to convert new object (${m.namespace ?? ""}/${m.name ?? ""}; autoscaling/v1, Kind=Scale) to proper version: request to convert CR to an invalid group/version: autoscaling/v1`,
      );
    }
    const result = applyScale({
      live: old,
      replicas: cfg.spec?.replicas,
      manager,
      apiVersion: groupVersionString(route.res.group, route.version),
      force: opts.force,
      now: timestamp(this.#now()),
    });
    if ("conflicts" in result) throw st.applyConflict(result.conflicts);
    this.#checkScale(route, cfg.spec?.replicas);
    const next = result.object;
    bumpGeneration(route.res, old, next);
    return { code: 200, body: this.#scaleOf(this.#commitUpdate(route.res, old, next, opts.dryRun)) };
  }

  #createWithManaged(route: Route, obj: Obj, managed: unknown, dryRun: boolean): Obj {
    const o = clone(obj);
    const out = this.#create(route, o, { dryRun: true, manager: "", apply: true });
    out.metadata.managedFields = managed;
    if (dryRun) return out;
    const stored = clone(out);
    delete stored.metadata.resourceVersion;
    this.store.commit("ADDED", this.#gr(route.res), stored, undefined);
    this.#afterCommit(route.res, stored);
    return this.#out(route.res, route.version, stored);
  }

  #createSubresource(route: Route, body: unknown, dryRun: boolean): FakeResponse {
    const { res } = route;
    switch (route.subresource) {
      case "eviction": {
        this.#existing(route);
        this.#delete(
          { ...route, subresource: "" },
          { dryRun, ...(isObject(body) && isObject(body.deleteOptions) ? body.deleteOptions : {}) },
          dryRun,
        );
        return {
          code: 201,
          body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
        };
      }
      case "binding": {
        // The server's BindingREST: the URL's name, the target (as ValidatePodBinding), then the
        // pod's state; the pod gets the node, the binding's annotations and PodScheduled.
        const b: Obj = isObject(body) ? body : {};
        if (b.metadata?.name !== route.name)
          throw st.badRequest("name in URL does not match name in Binding object");
        const kind = b.target?.kind ?? "";
        const node = b.target?.name ?? "";
        const errs: string[] = [];
        if (kind !== "" && kind !== "Node")
          errs.push(
            `target.kind: Unsupported value: ${JSON.stringify(kind)}: supported values: "Node", "<empty>"`,
          );
        if (node === "") errs.push("target.name: Required value");
        if (errs.length > 0) throw st.internalPlain(errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`);
        const old = this.#existing(route);
        const refuse = (why: string) => st.conflict("", "pods/binding", route.name, why);
        if (old.metadata.deletionTimestamp !== undefined)
          throw refuse(`pod ${route.name} is being deleted, cannot be assigned to a host`);
        if ((old.spec?.nodeName ?? "") !== "")
          throw refuse(`pod ${route.name} is already assigned to node ${JSON.stringify(old.spec.nodeName)}`);
        if ((old.spec?.schedulingGates ?? []).length > 0)
          throw refuse(`pod ${route.name} has non-empty .spec.schedulingGates`);
        const next = clone(old);
        next.spec = { ...(next.spec ?? {}), nodeName: node };
        if (isObject(b.metadata.annotations) && Object.keys(b.metadata.annotations).length > 0)
          next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...b.metadata.annotations };
        next.status = { ...(next.status ?? {}) };
        const conditions: Obj[] = [...(next.status.conditions ?? [])];
        const i = conditions.findIndex((c) => c.type === "PodScheduled");
        const scheduled = {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: timestamp(this.#now()),
        };
        if (i < 0) conditions.push(scheduled);
        else if (conditions[i]!.status !== "True") conditions[i] = { ...conditions[i], ...scheduled };
        next.status.conditions = conditions;
        this.#commitUpdate(res, old, next, dryRun);
        return {
          code: 201,
          body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
        };
      }
      case "token": {
        this.#existing(route);
        const tr = clone((body as Obj) ?? {});
        tr.status = {
          token: `fake-token-${randomUUID()}`,
          expirationTimestamp: timestamp(this.#now() + 3600_000),
        };
        return { code: 201, body: tr };
      }
      default:
        this.#existing(route);
        throw st.methodNotAllowed();
    }
  }

  #scaleOf(o: Obj): Obj {
    const sel = o.spec?.selector;
    const selector = isObject(sel)
      ? Object.entries((sel.matchLabels ?? {}) as Record<string, string>)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")
      : undefined;
    const status: Obj = { replicas: o.status?.replicas ?? 0 };
    if (selector) status.selector = selector;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status,
    };
  }

  #updateScale(route: Route, body: Obj, dryRun: boolean): Obj {
    const old = this.#existing(route);
    this.#checkScale(route, body.spec?.replicas);
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) {
      throw st.conflict(route.res.group, route.res.resource, route.name, st.optimisticLockMessage);
    }
    const next = clone(old);
    next.spec = { ...(next.spec ?? {}), replicas: body.spec?.replicas ?? 0 };
    bumpGeneration(route.res, old, next);
    const committed = this.#commitUpdate(route.res, old, next, dryRun);
    return this.#scaleOf(committed);
  }

  // --- delete ---

  #deleteOptions(req: FakeRequest): DeleteOpts {
    let body: Obj = {};
    const text = bodyText(req.body);
    if (text.trim() !== "") {
      const parsed = parseJSON(text, "DeleteOptions");
      if (isObject(parsed)) body = parsed;
    }
    const q = req.query;
    const o: DeleteOpts = {
      dryRun: (body.dryRun ?? []).includes?.("All") || q.getAll("dryRun").includes("All"),
    };
    const grace = q.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
    if (grace !== undefined && grace !== null) o.gracePeriodSeconds = Number(grace);
    const prop = q.get("propagationPolicy") ?? body.propagationPolicy;
    if (prop) o.propagationPolicy = String(prop);
    if (body.orphanDependents === true) o.propagationPolicy = "Orphan";
    if (isObject(body.preconditions)) o.preconditions = body.preconditions;
    return o;
  }

  #delete(route: Route, opts: DeleteOpts, dryRunParam: boolean): FakeResponse {
    const { res, version } = route;
    const dryRun = dryRunParam || opts.dryRun;
    const old = this.#existing(route);
    const p = opts.preconditions;
    if (p?.uid !== undefined && p.uid !== old.metadata.uid) {
      throw st.conflict(
        res.group,
        res.kind,
        route.name,
        `the UID in the precondition (${p.uid}) does not match the UID in record (${old.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (p?.resourceVersion !== undefined && p.resourceVersion !== old.metadata.resourceVersion) {
      throw st.conflict(
        res.group,
        res.kind,
        route.name,
        `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${old.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    const policy = opts.propagationPolicy;
    if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) {
      throw st.invalid("meta.k8s.io", "DeleteOptions", "", [
        st.notSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]),
      ]);
    }
    const result = this.#deleteObject(res, old, opts, dryRun);
    if (result.deleted && !returnsDeletedObject(res)) {
      const details: Obj = { name: route.name };
      if (res.group !== "") details.group = res.group;
      details.kind = res.resource;
      details.uid = old.metadata.uid;
      return {
        code: 200,
        body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details },
      };
    }
    return { code: result.deleted ? 200 : 200, body: this.#out(res, version, result.object) };
  }

  /** Deletes one stored object with the given options; returns whether it is gone, and its last state. */
  #deleteObject(
    res: FakeResource,
    old: Obj,
    opts: DeleteOpts,
    dryRun: boolean,
  ): { deleted: boolean; object: Obj } {
    const gr = this.#gr(res);
    const next = clone(old);
    const m = next.metadata;
    const isPod = gr === "/pods";
    const isNamespace = gr === "/namespaces";
    const before: string[] = m.finalizers ?? [];
    const finalizers = propagationFinalizers(gr, before, opts.propagationPolicy);
    const setFinalizers = () => {
      if (finalizers.length > 0) m.finalizers = finalizers;
      else delete m.finalizers;
    };
    const deleteNow = (): { deleted: boolean; object: Obj } => {
      if (dryRun) return { deleted: true, object: old };
      this.store.commit("DELETED", gr, next, old);
      this.#afterDelete(res, next);
      return { deleted: true, object: next };
    };
    if (m.deletionTimestamp !== undefined) {
      // Already being deleted: the timestamp and generation stay. A pending graceful deletion (a
      // pod's) only takes a shorter grace period, which moves the timestamp back by the difference,
      // and only with one the propagation finalizers; otherwise only the finalizers may change.
      const pending = m.deletionGracePeriodSeconds ?? 0;
      if (pending > 0) {
        const period = opts.gracePeriodSeconds === undefined ? pending : Math.max(opts.gracePeriodSeconds, 1);
        const shorter = opts.gracePeriodSeconds === 0 ? 0 : period;
        if (shorter >= pending) return { deleted: false, object: old };
        m.deletionTimestamp = timestamp(Date.parse(m.deletionTimestamp) + (shorter - pending) * 1000);
        m.deletionGracePeriodSeconds = shorter;
        setFinalizers();
        if (shorter === 0 && finalizers.length === 0) return deleteNow();
      } else {
        if (finalizers === before) return { deleted: false, object: old };
        setFinalizers();
        if (finalizers.length === 0 && !namespaceHasFinalizers(gr, next)) return deleteNow();
      }
    } else {
      let grace = 0;
      if (isPod && old.spec?.nodeName && !["Succeeded", "Failed"].includes(old.status?.phase)) {
        grace = opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30;
        // The server reads a negative grace period as one second.
        if (grace < 0) grace = 1;
      }
      const graceful = grace > 0 || finalizers.length > 0 || namespaceHasFinalizers(gr, old);
      if (!graceful) return deleteNow();
      m.deletionTimestamp = timestamp(this.#now() + grace * 1000);
      m.deletionGracePeriodSeconds = grace;
      setFinalizers();
      if (isNamespace) next.status = { ...(next.status ?? {}), phase: "Terminating" };
      // The first deletion bumps a generation the object has (BeforeDelete, markAsDeleting).
      if ((old.metadata.generation ?? 0) > 0) m.generation = old.metadata.generation + 1;
    }
    if (dryRun) return { deleted: false, object: next };
    this.store.commit("MODIFIED", gr, next, old);
    this.#scheduleControllers();
    return { deleted: false, object: next };
  }

  #afterDelete(res: FakeResource, o: Obj): void {
    if (this.#gr(res) === "apiextensions.k8s.io/customresourcedefinitions") this.#unregisterCRD(o);
    this.#scheduleControllers();
  }

  #deleteCollection(route: Route, q: URLSearchParams, opts: DeleteOpts, dryRunParam: boolean): Obj {
    const { res, version } = route;
    const match = this.#matcher(res, q);
    const gr = this.#gr(res);
    // As the registry's DeleteCollection: it lists first, deletes each listed object, and answers
    // with the list as it was (objects with finalizers without their deletionTimestamp).
    const listed = this.store.list(gr, route.namespace === "" ? undefined : route.namespace).filter(match);
    const list = {
      kind: res.listKind,
      apiVersion: groupVersionString(res.group, version),
      metadata: { resourceVersion: String(this.store.rv) },
      items: listed.map((o) => this.#item(res, version, o)),
    };
    for (const o of listed) this.#deleteObject(res, o, opts, dryRunParam || opts.dryRun);
    return list;
  }

  // --- controllers: garbage collector and namespace lifecycle, run soon after a change ---

  #scheduleControllers(): void {
    if (this.#controllersScheduled) return;
    this.#controllersScheduled = true;
    setImmediate(() => {
      this.#controllersScheduled = false;
      this.#runControllers();
    });
  }

  #resourceByGR(gr: string): FakeResource | undefined {
    return this.#resources.get(gr);
  }

  /** Runs the garbage collector and the namespace controller until nothing changes. */
  #runControllers(): void {
    for (let round = 0; round < 100; round++) {
      const before = this.store.rv;
      this.#collectGarbage();
      this.#populateNamespaces();
      if (this.store.rv === before) break;
    }
    // The namespace controller works through a terminating namespace a little later, as the real
    // one does (a namespace reads Terminating right after its delete).
    if (
      !this.#namespacesScheduled &&
      this.store.list("/namespaces", undefined).some((n) => n.metadata.deletionTimestamp !== undefined)
    ) {
      this.#namespacesScheduled = true;
      setTimeout(() => {
        this.#namespacesScheduled = false;
        this.#finalizeNamespaces();
        this.#scheduleControllers();
      }, this.namespaceDeletionDelayMs);
    }
  }

  #dependentsOf(uid: string): { gr: string; object: Obj }[] {
    const out: { gr: string; object: Obj }[] = [];
    for (const e of this.store.all()) {
      if ((e.object.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === uid)) out.push(e);
    }
    return out;
  }

  #collectGarbage(): void {
    const snapshot = [...this.store.all()];
    for (const { gr, object } of snapshot) {
      const res = this.#resourceByGR(gr);
      if (res === undefined) continue;
      const cur = this.store.get(gr, object.metadata.namespace ?? "", object.metadata.name);
      if (cur !== object) continue;
      const m = object.metadata;
      // Owners being deleted with orphan / foreground finalizers.
      if (m.deletionTimestamp !== undefined && (m.finalizers ?? []).includes("orphan")) {
        for (const dep of this.#dependentsOf(m.uid)) {
          const depRes = this.#resourceByGR(dep.gr);
          if (depRes === undefined) continue;
          const next = clone(dep.object);
          next.metadata.ownerReferences = next.metadata.ownerReferences.filter((r: Obj) => r.uid !== m.uid);
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          this.#commitUpdate(depRes, dep.object, next, false);
        }
        this.#removeFinalizer(res, gr, object, "orphan");
        continue;
      }
      if (m.deletionTimestamp !== undefined && (m.finalizers ?? []).includes("foregroundDeletion")) {
        const deps = this.#dependentsOf(m.uid);
        for (const dep of deps) {
          const depRes = this.#resourceByGR(dep.gr);
          if (depRes === undefined || dep.object.metadata.deletionTimestamp !== undefined) continue;
          this.#deleteObject(depRes, dep.object, { dryRun: false, propagationPolicy: "Foreground" }, false);
        }
        const blocking = this.#dependentsOf(m.uid).filter((d) =>
          (d.object.metadata.ownerReferences ?? []).some(
            (r: Obj) => r.uid === m.uid && r.blockOwnerDeletion === true,
          ),
        );
        if (blocking.length === 0)
          this.#removeFinalizer(
            res,
            gr,
            this.store.get(gr, m.namespace ?? "", m.name)!,
            "foregroundDeletion",
          );
        continue;
      }
      // Dependents whose owners are gone.
      const refs: Obj[] = m.ownerReferences ?? [];
      if (refs.length === 0 || m.deletionTimestamp !== undefined) continue;
      const live = refs.filter((r) => this.#ownerLive(r, object));
      if (live.length === refs.length) continue;
      if (live.length === 0)
        this.#deleteObject(res, object, { dryRun: false, propagationPolicy: "Background" }, false);
      else {
        const next = clone(object);
        next.metadata.ownerReferences = live;
        this.#commitUpdate(res, object, next, false);
      }
    }
  }

  /**
   * Whether an owner reference of `dependent` names a live owner, as the collector resolves it: the
   * object of the reference's kind and name (in the dependent's namespace when the kind is
   * namespaced), with the reference's uid. Another object's uid under another kind or name is a
   * dangling reference. A kind the fake does not serve (a CRD just deleted) is looked up by uid.
   */
  #ownerLive(ref: Obj, dependent: Obj): boolean {
    const apiVersion = String(ref.apiVersion ?? "");
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    const res = [...this.#resources.values()].find((r) => r.group === group && r.kind === ref.kind);
    if (res === undefined) return this.store.byUID(ref.uid) !== undefined;
    const ns = res.namespaced ? (dependent.metadata.namespace ?? "") : "";
    return this.store.get(this.#gr(res), ns, ref.name)?.metadata.uid === ref.uid;
  }

  #removeFinalizer(res: FakeResource, _gr: string, object: Obj, finalizer: string): void {
    const next = clone(object);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    this.#commitUpdate(res, object, next, false);
  }

  /**
   * What kube-controller-manager adds to every new namespace: the "default" ServiceAccount and the
   * kube-root-ca.crt ConfigMap (so lists in a namespace look as they do on a real cluster).
   */
  #populateNamespaces(): void {
    const now = timestamp(this.#now());
    for (const ns of this.store.list("/namespaces", undefined)) {
      const uid: string = ns.metadata.uid;
      if (this.#populated.has(uid) || ns.metadata.deletionTimestamp !== undefined) continue;
      this.#populated.add(uid);
      const namespace: string = ns.metadata.name;
      const owned = (o: Obj, fields: Obj) => {
        o.metadata.uid = randomUUID();
        o.metadata.creationTimestamp = now;
        o.metadata.managedFields = [
          {
            manager: "kube-controller-manager",
            operation: "Update",
            apiVersion: "v1",
            time: now,
            fieldsType: "FieldsV1",
            fieldsV1: fields,
          },
        ];
        return o;
      };
      if (this.store.get("/serviceaccounts", namespace, "default") === undefined) {
        this.store.commit(
          "ADDED",
          "/serviceaccounts",
          owned({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } }, {}),
          undefined,
        );
      }
      if (this.store.get("/configmaps", namespace, "kube-root-ca.crt") === undefined) {
        const cm = owned(
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
              name: "kube-root-ca.crt",
              namespace,
              annotations: { "kubernetes.io/description": rootCADescription },
            },
            data: { "ca.crt": this.rootCA },
          },
          {
            "f:data": { ".": {}, "f:ca.crt": {} },
            "f:metadata": { "f:annotations": { ".": {}, "f:kubernetes.io/description": {} } },
          },
        );
        this.store.commit("ADDED", "/configmaps", cm, undefined);
      }
    }
  }

  /** How many namespaced objects a namespace still holds. */
  #inNamespace(namespace: string): number {
    let n = 0;
    for (const { gr, object } of this.store.all()) {
      if (object.metadata.namespace === namespace && this.#resourceByGR(gr)?.namespaced) n++;
    }
    return n;
  }

  #finalizeNamespaces(): void {
    for (const ns of this.store.list("/namespaces", undefined)) {
      if (ns.metadata.deletionTimestamp === undefined) continue;
      let remaining = 0;
      for (const { gr, object } of [...this.store.all()]) {
        if (object.metadata.namespace !== ns.metadata.name) continue;
        const res = this.#resourceByGR(gr);
        if (res === undefined || !res.namespaced) continue;
        remaining++;
        if (object.metadata.deletionTimestamp === undefined) {
          // As the namespace controller deletes them: in the background.
          this.#deleteObject(
            res,
            object,
            { dryRun: false, gracePeriodSeconds: 0, propagationPolicy: "Background" },
            false,
          );
        }
      }
      // Contents without finalizers are gone at once: finalize in the same pass when nothing is left.
      if (remaining > 0 && this.#inNamespace(ns.metadata.name) > 0) continue;
      const cur = this.store.get("/namespaces", "", ns.metadata.name)!;
      const next = clone(cur);
      next.spec = { ...(next.spec ?? {}), finalizers: [] };
      this.#commitUpdate(this.#resourceByGR("/namespaces")!, cur, next, false);
    }
  }
}

const rootCADescription =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/**
 * Where Go's base64.StdEncoding stops decoding `s` (the byte its CorruptInputError names), or
 * undefined when it decodes: four-character quanta, '=' padding, newlines skipped.
 */
function base64ErrorAt(s: string): number | undefined {
  const alphabet = /[A-Za-z0-9+/]/;
  const newline = (c: string | undefined) => c === "\n" || c === "\r";
  let si = 0;
  for (;;) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === s.length) return j === 0 ? undefined : si - j;
      const c = s[si++]!;
      if (alphabet.test(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== "=" || j < 2) return si - 1;
      if (j === 2) {
        while (newline(s[si])) si++;
        if (si === s.length) return s.length;
        if (s[si] !== "=") return si - 1;
        si++;
      }
      while (newline(s[si])) si++;
      return si < s.length ? si : undefined;
    }
  }
}

/** The Go package of a group's internal types, as conversion errors name it (core.ConfigMap). */
function internalPackage(group: string): string {
  if (group === "" || group === "events.k8s.io") return "core";
  return group.split(".")[0]!;
}

/** Core resources kube-apiserver stores under another etcd prefix than their name. */
const storagePrefixes: Record<string, string> = {
  "/services": "services/specs",
  "/endpoints": "services/endpoints",
  "/nodes": "minions",
  "/replicationcontrollers": "controllers",
  "networking.k8s.io/ingresses": "ingress",
};

/** The etcd key of an object, as the server's storage errors name it. */
function storageKey(res: FakeResource, namespace: string, name: string): string {
  const gr = resourceKey(res.group, res.resource);
  const grouped =
    res.crd !== undefined || ["apiextensions.k8s.io", "apiregistration.k8s.io"].includes(res.group);
  const prefix = storagePrefixes[gr] ?? (grouped ? `${res.group}/${res.resource}` : res.resource);
  return `/registry/${prefix}/${namespace === "" ? "" : `${namespace}/`}${name}`;
}

/** How Go's encoding/json names a JSON value's type in its unmarshal errors. */
function goJSONType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

/** Core resources whose field labels go through conversion functions (the older error text). */
const legacyFieldLabels = new Set([
  "/pods",
  "/events",
  "/secrets",
  "/namespaces",
  "/nodes",
  "/replicationcontrollers",
  "/services",
]);

/** The server's 400 message for a field selector on a field the resource does not support. */
function unsupportedFieldMessage(res: FakeResource, field: string): string {
  const key = resourceKey(res.group, res.resource);
  if (legacyFieldLabels.has(key)) return `field label not supported: ${field}`;
  if (key === "batch/jobs") return `field label "${field}" not supported for ${res.kind}`;
  const known = ["metadata.name", "metadata.namespace", ...Object.keys(res.selectableFields)];
  return `"${field}" is not a known field selector: only ${known.map((k) => `"${k}"`).join(", ")}`;
}

/** The subresources the fake serves (the others answer 405). */
const servedSubresources = new Set(["status", "scale", "eviction", "binding", "token", "finalize", "log"]);

/** Removes (and returns the paths of) the fields `o` has that its type does not, recursively. */
function dropUnknown(o: Obj, schema: SchemaTable, type: string | undefined, prefix: string): string[] {
  if (type === undefined || !Object.hasOwn(schema.types, type)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    const meta = fieldOf(schema, type, k);
    if (meta === undefined) {
      out.push(path);
      delete o[k];
      continue;
    }
    if (meta.ref === undefined || v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isObject(item)) out.push(...dropUnknown(item, schema, meta.ref, `${path}[${i}]`));
      });
    } else if (meta.map) {
      for (const [mk, x] of Object.entries(v))
        if (isObject(x)) out.push(...dropUnknown(x, schema, meta.ref, `${path}[${mk}]`));
    } else out.push(...dropUnknown(v as Obj, schema, meta.ref, path));
  }
  return out;
}

/**
 * Drops empty maps and lists of a built-in object, as Go's `omitempty` does when the server encodes
 * it (structs stay, even when empty). Custom resources are stored as sent.
 */
function dropEmpty(o: Obj, schema: SchemaTable, type: string | undefined): void {
  if (type === undefined) return;
  for (const [k, v] of Object.entries(o)) {
    const meta = fieldOf(schema, type, k);
    if (meta === undefined || v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      if (v.length === 0) delete o[k];
      else if (meta.ref !== undefined)
        for (const item of v) if (isObject(item)) dropEmpty(item, schema, meta.ref);
    } else if (meta.map) {
      if (Object.keys(v).length === 0) delete o[k];
      else if (meta.ref !== undefined)
        for (const x of Object.values(v)) if (isObject(x)) dropEmpty(x, schema, meta.ref);
    } else if (meta.ref !== undefined) dropEmpty(v as Obj, schema, meta.ref);
  }
}

/** Bumps next's generation when what its registry compares for it (generationPart) changed. */
function bumpGeneration(res: FakeResource, old: Obj, next: Obj): void {
  const part = generationPart(res);
  if (part !== undefined && !jsonEqual(part(old), part(next)))
    next.metadata.generation = (old.metadata.generation ?? 0) + 1;
}

/**
 * The metadata an update does not set, as BeforeUpdate keeps it: the generation and creation time
 * always; the uid, deletion time and grace period when the update leaves them out (the deletion
 * time also once it is set). What remains different is the validation's "field is immutable".
 */
function keepServerMetadata(m: Obj, was: Obj): void {
  const keep = (k: string, always: boolean) => {
    if (!always && m[k] != null && m[k] !== "") return;
    if (was[k] === undefined) delete m[k];
    else m[k] = was[k];
  };
  keep("generation", true);
  keep("creationTimestamp", true);
  keep("uid", false);
  keep("deletionTimestamp", was.deletionTimestamp !== undefined);
  keep("deletionGracePeriodSeconds", false);
}

const templateGenerationAnnotation = "deprecated.daemonset.template.generation";

/**
 * A DaemonSet's spec.templateGeneration, which apps/v1 writes as an annotation: on create the one
 * sent, at least 1; an update cannot set it, a change of the template (`bump`) increments it.
 */
function setTemplateGeneration(o: Obj, old: Obj | undefined, bump: boolean): void {
  const read = (x: Obj) => Number.parseInt(x.metadata.annotations?.[templateGenerationAnnotation] ?? "", 10);
  let n = old === undefined ? read(o) : read(old);
  if (!(n >= 1)) n = old === undefined ? 1 : 0;
  if (old !== undefined && bump && !jsonEqual(old.spec?.template, o.spec?.template)) n++;
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [templateGenerationAnnotation]: String(n) };
}

function withoutVolatile(o: Obj): Obj {
  const c = clone(o);
  delete c.metadata.resourceVersion;
  for (const e of c.metadata.managedFields ?? []) delete e.time;
  return c;
}

/**
 * The finalizers a delete leaves on the object (the registry's deletionFinalizersForGarbageCollection):
 * the policy (else the object's orphan or foregroundDeletion finalizer, else the resource's default:
 * batch/v1 Jobs and v1 ReplicationControllers orphan their dependents, for backwards
 * compatibility) decides which of the two it carries, added last. The same array when the set
 * does not change.
 */
function propagationFinalizers(gr: string, current: string[], policy: string | undefined): string[] {
  let orphan: boolean;
  let foreground: boolean;
  if (policy === "Orphan" || policy === "Background" || policy === "Foreground") {
    orphan = policy === "Orphan";
    foreground = policy === "Foreground";
  } else {
    const marked = current.find((f) => f === "orphan" || f === "foregroundDeletion");
    orphan =
      marked === undefined ? gr === "batch/jobs" || gr === "/replicationcontrollers" : marked === "orphan";
    foreground = marked === "foregroundDeletion";
  }
  const next = current.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
  if (orphan) next.push("orphan");
  if (foreground) next.push("foregroundDeletion");
  const same = next.length === new Set(current).size && next.every((f) => current.includes(f));
  return same ? current : next;
}

/** A namespace is only deleted once its spec.finalizers are empty too. */
function namespaceHasFinalizers(gr: string, o: Obj): boolean {
  return gr === "/namespaces" && (o.spec?.finalizers ?? []).length > 0;
}

/** Registries that answer a delete with the deleted object rather than a Status (ReturnDeletedObject). */
const deletedObjectResources = new Set([
  "/namespaces",
  "/persistentvolumeclaims",
  "/persistentvolumes",
  "/pods",
  "/podtemplates",
  "/resourcequotas",
  "/serviceaccounts",
  "/services",
  "resource.k8s.io/deviceclasses",
  "resource.k8s.io/devicetaintrules",
  "resource.k8s.io/resourceclaims",
  "resource.k8s.io/resourceclaimtemplates",
  "resource.k8s.io/resourcepoolstatusrequests",
  "resource.k8s.io/resourceslices",
  "storage.k8s.io/csidrivers",
  "storage.k8s.io/csinodes",
  "storage.k8s.io/storageclasses",
  "storage.k8s.io/volumeattachments",
  "storage.k8s.io/volumeattributesclasses",
]);

function returnsDeletedObject(res: FakeResource): boolean {
  return res.crd !== undefined || deletedObjectResources.has(resourceKey(res.group, res.resource));
}

const fieldValidations = ["", "Ignore", "Strict", "Warn"];

/**
 * The Create/Update/PatchOptions of a write, checked as metav1's validation checks them: the
 * server's 422 for the options kind.
 */
function checkWriteOptions(kind: string, q: URLSearchParams, apply = false): void {
  const causes: ReturnType<typeof st.invalidValue>[] = [];
  const manager = q.get("fieldManager") ?? "";
  if (kind === "PatchOptions") {
    if (apply && manager === "") causes.push(st.required("fieldManager", "is required for apply patch"));
    // Any value decodes into the options' *bool, so the parameter's presence is what counts.
    if (!apply && q.has("force"))
      causes.push(st.forbiddenField("force", "may not be specified for non-apply patch"));
  }
  causes.push(...fieldManagerCauses(manager));
  const dryRun = q.getAll("dryRun");
  if (dryRun.some((v) => v !== "All")) causes.push(st.notSupported("dryRun", dryRun, ["All"]));
  const validation = q.get("fieldValidation") ?? "";
  if (!fieldValidations.includes(validation))
    causes.push(st.notSupported("fieldValidation", validation, fieldValidations));
  if (causes.length > 0) throw st.invalid("meta.k8s.io", kind, "", causes);
}

/** A field manager is at most 128 bytes of printable characters (Go's unicode.IsPrint). */
function fieldManagerCauses(manager: string): ReturnType<typeof st.invalidValue>[] {
  const out: ReturnType<typeof st.invalidValue>[] = [];
  if (Buffer.byteLength(manager) > 128) out.push(st.tooLong("fieldManager", 128));
  let at = 0; // Go ranges over a string by byte offsets
  for (const ch of manager) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      out.push(st.invalidValue("fieldManager", manager, `invalid character U+${code} (at position ${at})`));
    }
    at += Buffer.byteLength(ch);
  }
  return out;
}

/** The pod's QoS class, from its containers' requests and limits. */
function qosClass(pod: Obj): string {
  const containers: Obj[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
