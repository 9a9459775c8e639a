// Field ownership (metadata.managedFields, FieldsV1) and server-side apply. A field set is kept in
// FieldsV1's own shape: {"f:data": {"f:key": {}}, "f:spec": {"f:containers": {"k:{\"name\":\"c\"}":
// {".": {}, "f:image": {}}}}}. Simpler than structured-merge-diff in the ways the package README
// lists: no type conversion between versions, lists without schema data are atomic, and a field
// conflicts when another manager owns it and the applied value differs from the live one.
import { jsonEqual } from "./patch.js";
import { isObject, type Obj, own, put } from "./resources.js";
import { type FieldMeta, fieldOf, type SchemaTable, typeIsAtomic } from "./schema.js";

/** A FieldsV1 tree. */
export type FieldSet = { [element: string]: FieldSet };

/** One metadata.managedFields entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: FieldSet;
  subresource?: string;
}

/** metadata fields nobody owns (set by the server). */
const serverMetadata = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
]);

function itemKey(item: Obj, keys: string[]): string {
  const o: Obj = {};
  for (const k of [...keys].sort()) put(o, k, own(item, k));
  return `k:${JSON.stringify(o)}`;
}

/** Where a type is used: a struct, a map or an atomic value. */
interface Ctx {
  schema: SchemaTable;
  /** Add "." to map and set nodes (Update operations record the maps and sets they create). */
  mapMarkers: boolean;
  /**
   * Add "." to struct and list nodes too, and own null values: a custom resource's objects and lists
   * exist only when sent (a built-in type's structs always exist), and a null that survived decoding
   * is a nullable field's value. For Update operations on custom resources.
   */
  structMarkers?: boolean;
}

function setOfValue(v: unknown, meta: FieldMeta | undefined, ctx: Ctx, isMapValue = false): FieldSet {
  const type = meta?.ref;
  if (Array.isArray(v)) {
    if (meta?.list === "map" && meta.keys !== undefined && meta.keys.length > 0) {
      const out: FieldSet = ctx.structMarkers && v.length > 0 ? { ".": {} } : {};
      for (const item of v) {
        if (!isObject(item)) continue;
        out[itemKey(item, meta.keys)] = { ".": {}, ...setOfObject(item, type, ctx) };
      }
      return out;
    }
    if (meta?.list === "set") {
      // An Update records a set it creates, as it does a map.
      const out: FieldSet = ctx.mapMarkers && v.length > 0 ? { ".": {} } : {};
      for (const item of v) out[`v:${JSON.stringify(item)}`] = {};
      return out;
    }
    return {};
  }
  if (isObject(v)) {
    if (meta?.atomic || typeIsAtomic(ctx.schema, type)) return {};
    if (meta?.map && !isMapValue) {
      const out: FieldSet = ctx.mapMarkers && Object.keys(v).length > 0 ? { ".": {} } : {};
      for (const [k, x] of Object.entries(v)) {
        out[`f:${k}`] = setOfValue(x, type === undefined ? undefined : { ref: type }, ctx, true);
      }
      return out;
    }
    const out = setOfObject(v, type, ctx);
    if (ctx.structMarkers && Object.keys(v).length > 0) out["."] = {};
    return out;
  }
  return {};
}

function setOfObject(obj: Obj, type: string | undefined, ctx: Ctx): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || (v === null && !ctx.structMarkers)) continue;
    out[`f:${k}`] = setOfValue(v, fieldOf(ctx.schema, type, k), ctx);
  }
  return out;
}

/**
 * The fields an object sets, without apiVersion/kind, the server's metadata and, unless
 * `withStatus`, its status.
 */
export function fieldSetOf(
  obj: Obj,
  schema: SchemaTable,
  type: string | undefined,
  opts: { mapMarkers: boolean; structMarkers?: boolean; only?: "status" | "main" },
): FieldSet {
  const ctx: Ctx = { schema, mapMarkers: opts.mapMarkers, structMarkers: opts.structMarkers === true };
  const o: Obj = { ...obj };
  delete o.apiVersion;
  delete o.kind;
  if (opts.only === "main") delete o.status;
  if (isObject(o.metadata)) {
    const m: Obj = {};
    for (const [k, v] of Object.entries(o.metadata)) if (!serverMetadata.has(k)) put(m, k, v);
    if (Object.keys(m).length === 0) delete o.metadata;
    else o.metadata = m;
  }
  if (opts.only === "status")
    return o.status === undefined
      ? {}
      : { "f:status": setOfValue(o.status, fieldOf(schema, type, "status"), ctx) };
  const out = setOfObject(o, type, ctx);
  // The root's metadata is an ObjectMeta, a struct that always exists.
  if (out["f:metadata"] !== undefined) delete out["f:metadata"]["."];
  return out;
}

/** Every leaf path of a set ("." leaves included). */
export function leaves(set: FieldSet, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, child] of Object.entries(set)) {
    const p = [...prefix, k];
    if (Object.keys(child).length === 0) out.push(p);
    else out.push(...leaves(child, p));
  }
  return out;
}

function hasPath(set: FieldSet, path: string[]): boolean {
  let cur: FieldSet = set;
  for (const [i, e] of path.entries()) {
    const next: FieldSet | undefined = cur[e];
    // A node that is a member without children is written {} (not {".": {}}): it holds its ".".
    if (next === undefined)
      return e === "." && i === path.length - 1 && i > 0 && Object.keys(cur).length === 0;
    cur = next;
  }
  return true;
}

/** Whether the set holds `path` as a leaf. */
export function ownsLeaf(set: FieldSet, path: string[]): boolean {
  let cur: FieldSet | undefined = set;
  for (const e of path) {
    cur = cur[e];
    if (cur === undefined) return false;
  }
  return Object.keys(cur).length === 0;
}

function addPath(set: FieldSet, path: string[]): void {
  let cur = set;
  for (const [i, e] of path.entries()) {
    const next = cur[e];
    // A member without children ({}) holds its "."; beside new children it is written out.
    if (next !== undefined && i < path.length - 1 && Object.keys(next).length === 0) next["."] = {};
    cur = cur[e] ??= {};
  }
}

function removePath(set: FieldSet, path: string[]): void {
  const stack: FieldSet[] = [set];
  let cur = set;
  for (const e of path.slice(0, -1)) {
    const next = cur[e];
    if (next === undefined) return;
    stack.push(next);
    cur = next;
  }
  delete cur[path[path.length - 1]!];
  // Drop parents left empty (they would otherwise read as owned leaves). A parent left with only its
  // "." is a member without children, which FieldsV1 writes as {} (structured-merge-diff writes "."
  // only beside children).
  for (let i = path.length - 2; i >= 0; i--) {
    const node = stack[i + 1]!;
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === ".") {
      delete node["."];
      break;
    }
    if (keys.length > 0) break;
    delete stack[i]![path[i]!];
  }
}

/** The value a path points at (undefined when absent). */
function valueAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const e of path) {
    if (e === ".") return cur;
    if (cur === undefined || cur === null) return undefined;
    if (e.startsWith("f:")) cur = isObject(cur) ? own(cur, e.slice(2)) : undefined;
    else if (e.startsWith("k:")) {
      const want = JSON.parse(e.slice(2)) as Obj;
      cur = Array.isArray(cur)
        ? cur.find((x) => isObject(x) && Object.entries(want).every(([k, v]) => jsonEqual(own(x, k), v)))
        : undefined;
    } else if (e.startsWith("v:")) {
      const want = JSON.parse(e.slice(2));
      cur = Array.isArray(cur) ? cur.find((x) => jsonEqual(x, want)) : undefined;
    } else return undefined;
  }
  return cur;
}

/** Whether the last element of `path` is a key of a map (additionalProperties), not a struct's field. */
function isMapKey(schema: SchemaTable, type: string | undefined, path: string[]): boolean {
  let meta: FieldMeta | undefined = type === undefined ? undefined : { ref: type };
  let key = false;
  for (const e of path) {
    key = e.startsWith("f:") && meta?.map === true;
    if (key || !e.startsWith("f:")) meta = meta?.ref === undefined ? undefined : { ref: meta.ref };
    else meta = fieldOf(schema, meta?.ref, e.slice(2));
  }
  return key;
}

/** `.spec.containers[name="c"].image`, as structured-merge-diff prints a path. */
export function renderPath(path: string[]): string {
  let out = "";
  for (const e of path) {
    if (e === ".") continue;
    if (e.startsWith("f:")) out += `.${e.slice(2)}`;
    else if (e.startsWith("k:")) {
      const o = JSON.parse(e.slice(2)) as Obj;
      out += `[${Object.entries(o)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    } else if (e.startsWith("v:")) out += `[=${e.slice(2)}]`;
  }
  return out;
}

function removeValue(obj: Obj, path: string[]): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  if (last === ".") {
    removeValue(obj, parentPath);
    return;
  }
  const parent = valueAt(obj, parentPath);
  if (last.startsWith("f:") && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const item = valueAt(parent, [last]);
    const i = parent.indexOf(item);
    if (i >= 0) parent.splice(i, 1);
  }
}

/**
 * The items of a list-map or set after an apply, in structured-merge-diff's order: both lists are
 * walked together; a live item the configuration does not have stays where it is, the
 * configuration's items come in its own order, and an item of both is placed where the
 * configuration has it (live [a, b] with the configuration [c, a] gives [c, a, b]).
 */
function mergeOrdered(
  live: unknown[],
  cfg: unknown[],
  key: (item: unknown) => string,
  merge: (live: unknown, cfg: unknown) => unknown,
): unknown[] {
  const liveByKey = new Map(live.map((x) => [key(x), x]));
  const cfgKeys = cfg.map(key);
  const inCfg = new Set(cfgKeys);
  const shared = cfgKeys.filter((k) => liveByKey.has(k));
  const out: unknown[] = [];
  const done = new Set<string>();
  let l = 0;
  let c = 0;
  while (l < live.length || c < cfg.length) {
    const lk = l < live.length ? key(live[l]) : undefined;
    if (lk !== undefined && (!inCfg.has(lk) || done.has(lk))) {
      if (!done.has(lk)) out.push(structuredClone(live[l]));
      l++;
      continue;
    }
    // A live item the configuration has too is placed by the configuration: skipped here unless it
    // is the next one of both.
    if (lk !== undefined && shared[0] !== lk) {
      l++;
      continue;
    }
    const ck = cfgKeys[c]!;
    if (!done.has(ck)) {
      out.push(merge(liveByKey.get(ck), cfg[c]));
      done.add(ck);
    }
    if (shared[0] === ck) shared.shift();
    if (lk === ck) l++;
    c++;
  }
  return out;
}

/** Merges an applied configuration into the live object: objects and list maps by key, sets as unions. */
function mergeApplied(
  live: unknown,
  cfg: unknown,
  meta: FieldMeta | undefined,
  schema: SchemaTable,
  isMapValue = false,
): unknown {
  const type = meta?.ref;
  if (Array.isArray(cfg)) {
    if (!Array.isArray(live)) return structuredClone(cfg);
    if (meta?.list === "map" && meta.keys !== undefined && meta.keys.length > 0) {
      const keys = meta.keys;
      const key = (x: unknown) => (isObject(x) ? itemKey(x, keys) : JSON.stringify(x));
      return mergeOrdered(live, cfg, key, (l, c) =>
        l === undefined ? structuredClone(c) : mergeApplied(l, c, { ref: type }, schema),
      );
    }
    if (meta?.list === "set") {
      return mergeOrdered(
        live,
        cfg,
        (x) => JSON.stringify(x),
        (_, c) => structuredClone(c),
      );
    }
    return structuredClone(cfg);
  }
  if (isObject(cfg) && isObject(live) && !meta?.atomic && !typeIsAtomic(schema, type)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(cfg)) {
      if (v === null || v === undefined) continue;
      const fm =
        meta?.map && !isMapValue
          ? type === undefined
            ? undefined
            : { ref: type }
          : fieldOf(schema, type, k);
      put(out, k, mergeApplied(own(out, k), v, fm, schema, meta?.map === true && !isMapValue));
    }
    return out;
  }
  return structuredClone(cfg);
}

/** What a server-side apply works on. */
export interface ApplyInput {
  live: Obj | undefined;
  config: Obj;
  manager: string;
  apiVersion: string;
  subresource?: string;
  force: boolean;
  schema: SchemaTable;
  type: string | undefined;
  now: string;
  /** A custom resource (its structs get "." markers in Update entries). */
  custom?: boolean;
}

/** The manager the server gives the fields of an object nobody manages, on its first apply. */
const beforeFirstApply = "before-first-apply";

/** A field another manager owns with a different value. */
export interface ApplyConflict {
  /** `"manager"` or `"manager" using v1` (Update operations), as the server quotes it. */
  manager: string;
  field: string;
}

function managerLabel(e: ManagedFieldsEntry, apiVersion = e.apiVersion): string {
  return e.operation === "Apply" ? `"${e.manager}"` : `"${e.manager}" using ${apiVersion}`;
}

function sameOwner(
  e: ManagedFieldsEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? "") === (subresource ?? "");
}

/** The result of a server-side apply: the new object and its managedFields, or the conflicts. */
export function serverSideApply(input: ApplyInput): { object: Obj } | { conflicts: ApplyConflict[] } {
  const { config, schema, type, manager } = input;
  const live: Obj = input.live === undefined ? {} : structuredClone(input.live);
  const entries: ManagedFieldsEntry[] = structuredClone(
    (live.metadata?.managedFields ?? []) as ManagedFieldsEntry[],
  );
  if (input.live !== undefined && entries.length === 0) {
    // An object without managedFields (they were reset, or it was stored without them): everything it
    // has belongs to before-first-apply, so the first applier conflicts with what it changes.
    const fieldsV1 = fieldSetOf(live, schema, type, {
      mapMarkers: true,
      structMarkers: input.custom === true,
    });
    if (Object.keys(fieldsV1).length > 0) {
      entries.push({
        manager: beforeFirstApply,
        operation: "Update",
        apiVersion: input.apiVersion,
        time: input.now,
        fieldsType: "FieldsV1",
        fieldsV1,
      });
    }
  }
  const only = input.subresource === "status" ? "status" : "main";
  const cfg: Obj = { ...config };
  if (only === "main" && input.subresource === undefined) delete cfg.status;
  const applied = fieldSetOf(cfg, schema, type, {
    mapMarkers: false,
    only: input.subresource === "status" ? "status" : undefined,
  });
  const appliedLeaves = leaves(applied);

  const conflicts: ApplyConflict[] = [];
  for (const e of entries) {
    if (sameOwner(e, manager, "Apply", input.subresource)) continue;
    for (const p of appliedLeaves) {
      if (p[p.length - 1] === ".") continue;
      if (!ownsLeaf(e.fieldsV1, p)) continue;
      if (!jsonEqual(valueAt(live, p), valueAt(cfg, p))) {
        if (input.force) removePath(e.fieldsV1, p);
        else conflicts.push({ manager: managerLabel(e), field: renderPath(p) });
      }
    }
  }
  if (conflicts.length > 0) return { conflicts };

  let merged = mergeApplied(live, cfg, type === undefined ? undefined : { ref: type }, schema) as Obj;
  const mine = entries.find((e) => sameOwner(e, manager, "Apply", input.subresource));
  if (mine !== undefined) {
    // Fields this manager applied before and no longer applies: removed unless someone else owns them.
    const dropped = leaves(mine.fieldsV1).filter((p) => !hasPath(applied, p));
    dropped.sort((a, b) => b.length - a.length);
    const ownedByOthers = (p: string[]) => entries.some((e) => e !== mine && hasPath(e.fieldsV1, p));
    for (const p of dropped) {
      if (ownedByOthers(p)) continue;
      removeValue(merged, p);
      // A struct field (not a map's key) the removal left empty goes too, as structured-merge-diff
      // removes the named fields of the manager's previous set that nobody owns any more.
      for (let i = p.length - 1; i > 0; i--) {
        const q = p.slice(0, i);
        const v = valueAt(merged, q);
        const empty = Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0;
        if (!q[i - 1]!.startsWith("f:") || !empty || isMapKey(schema, type, q)) break;
        if (hasPath(applied, q) || ownedByOthers(q)) break;
        removeValue(merged, q);
      }
    }
  }
  const next = entries.filter((e) => e !== mine);
  const entry: ManagedFieldsEntry = {
    manager,
    operation: "Apply",
    apiVersion: input.apiVersion,
    time: input.now,
    fieldsType: "FieldsV1",
    fieldsV1: applied,
  };
  if (input.subresource !== undefined) entry.subresource = input.subresource;
  // Apply entries come first, as the server sorts them.
  const insertAt =
    mine === undefined ? next.filter((e) => e.operation === "Apply").length : entries.indexOf(mine);
  next.splice(Math.min(insertAt, next.length), 0, entry);
  merged = { ...merged, metadata: { ...(merged.metadata ?? {}) } };
  merged.metadata.managedFields = next.filter((e) => Object.keys(e.fieldsV1).length > 0);
  return { object: merged };
}

/**
 * A server-side apply of an autoscaling/v1 Scale to its parent: `.spec.replicas` is the one field,
 * owned in the parent's managedFields by an entry with the "scale" subresource. Other managers that
 * own the parent's replicas conflict when the value differs (named in the Scale's version), and lose
 * it with `force`.
 */
export function applyScale(input: {
  live: Obj;
  replicas: unknown;
  manager: string;
  apiVersion: string;
  force: boolean;
  now: string;
}): { object: Obj } | { conflicts: ApplyConflict[] } {
  const live = structuredClone(input.live);
  const entries = structuredClone((live.metadata.managedFields ?? []) as ManagedFieldsEntry[]);
  const path = ["f:spec", "f:replicas"];
  const conflicts: ApplyConflict[] = [];
  for (const e of entries) {
    if (sameOwner(e, input.manager, "Apply", "scale") || !ownsLeaf(e.fieldsV1, path)) continue;
    if (jsonEqual(live.spec?.replicas, input.replicas)) continue;
    if (input.force) removePath(e.fieldsV1, path);
    else conflicts.push({ manager: managerLabel(e, "autoscaling/v1"), field: ".spec.replicas" });
  }
  if (conflicts.length > 0) return { conflicts };
  const mine = entries.findIndex((e) => sameOwner(e, input.manager, "Apply", "scale"));
  const entry: ManagedFieldsEntry = {
    manager: input.manager,
    operation: "Apply",
    apiVersion: input.apiVersion,
    time: input.now,
    fieldsType: "FieldsV1",
    fieldsV1: { "f:spec": { "f:replicas": {} } },
    subresource: "scale",
  };
  if (mine >= 0) entries[mine] = entry;
  else entries.splice(entries.filter((e) => e.operation === "Apply").length, 0, entry);
  if (input.replicas !== undefined) live.spec = { ...(live.spec ?? {}), replicas: input.replicas };
  live.metadata.managedFields = entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
  return { object: live };
}

/** Whether a JSON value parses as a FieldsV1 set: `.`, `f:`, `k:{...}`, `v:...` or `i:N` keys of objects. */
function isFieldsV1(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const [k, sub] of Object.entries(v)) {
    if (!isObject(sub)) return false;
    if (k === ".") continue;
    const kind = k.slice(0, 2);
    const rest = k.slice(2);
    if (kind === "i:" && !/^-?\d+$/.test(rest)) return false;
    if (kind === "k:" || kind === "v:") {
      try {
        const parsed = JSON.parse(rest);
        if (kind === "k:" && !isObject(parsed)) return false;
      } catch {
        return false;
      }
    } else if (kind !== "f:" && kind !== "i:") return false;
    if (!isFieldsV1(sub)) return false;
  }
  return true;
}

/**
 * The managedFields an update's body asks for, as the server decodes them: `[]` for a reset (`[]` or
 * `[{}]`), the entries when every one decodes, else undefined (the stored ones stay, so a client
 * that does not know the field cannot drop it).
 */
export function requestedManagedFields(v: unknown): ManagedFieldsEntry[] | undefined {
  if (!Array.isArray(v)) return undefined;
  if (v.length === 0 || (v.length === 1 && isObject(v[0]) && Object.keys(v[0]).length === 0)) return [];
  const decodes = (e: unknown) =>
    isObject(e) &&
    (e.operation === "Apply" || e.operation === "Update") &&
    e.fieldsType === "FieldsV1" &&
    isFieldsV1(e.fieldsV1);
  return v.every(decodes) ? structuredClone(v as ManagedFieldsEntry[]) : undefined;
}

/**
 * Ownership after a non-apply write (create, update, patch): fields the write added or changed
 * become the manager's (taken from others without conflict), removed fields leave every set.
 */
export function updateManagedFields(input: {
  old: Obj | undefined;
  next: Obj;
  manager: string;
  apiVersion: string;
  subresource?: string;
  schema: SchemaTable;
  type: string | undefined;
  now: string;
  /** A custom resource (its structs get "." markers). */
  custom?: boolean;
  /**
   * Top-level fields the server resets on a write of the main resource (status where there is a
   * status subresource, a namespace's spec too): its field manager gives nobody those fields.
   */
  reset?: string[];
}): ManagedFieldsEntry[] {
  const { old, schema, type } = input;
  const entries: ManagedFieldsEntry[] = structuredClone(
    (old?.metadata?.managedFields ?? []) as ManagedFieldsEntry[],
  );
  const only = input.subresource === "status" ? "status" : undefined;
  const markers = { mapMarkers: true, structMarkers: input.custom === true, only } as const;
  const owned = (o: Obj): Obj => {
    if (input.subresource !== undefined) return o;
    const c = { ...o };
    for (const k of input.reset ?? []) delete c[k];
    return c;
  };
  const next = owned(input.next);
  const newSet = fieldSetOf(next, schema, type, markers);
  const oldSet = old === undefined ? {} : fieldSetOf(owned(old), schema, type, markers);
  const changed = leaves(newSet).filter((p) => {
    if (p[p.length - 1] === ".") return !hasPath(oldSet, p);
    return old === undefined || !jsonEqual(valueAt(old, p), valueAt(next, p)) || !hasPath(oldSet, p);
  });
  const removed = leaves(oldSet).filter((p) => !hasPath(newSet, p));
  let mine = entries.find(
    (e) => sameOwner(e, input.manager, "Update", input.subresource) && e.apiVersion === input.apiVersion,
  );
  for (const e of entries) {
    for (const p of removed) removePath(e.fieldsV1, p);
    // The manager keeps what it changes again (and the "." of the map or set around it).
    for (const p of changed) if (e !== mine && ownsLeaf(e.fieldsV1, p)) removePath(e.fieldsV1, p);
  }
  if (changed.length > 0) {
    if (mine === undefined) {
      mine = {
        manager: input.manager,
        operation: "Update",
        apiVersion: input.apiVersion,
        time: input.now,
        fieldsType: "FieldsV1",
        fieldsV1: {},
      };
      if (input.subresource !== undefined) mine.subresource = input.subresource;
      entries.push(mine);
    }
    mine.time = input.now;
    for (const p of changed) addPath(mine.fieldsV1, p);
  }
  return entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
}
