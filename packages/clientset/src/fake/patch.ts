// The three non-apply patch kinds: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and
// strategic merge patch (merge keys and patch strategies from the spec, with the $patch,
// $retainKeys, $deleteFromPrimitiveList and $setElementOrder directives).
import { isObject, type Obj, own, put } from "./resources.js";
import { fieldOf, type SchemaTable } from "./schema.js";

/**
 * A patch that cannot be applied. `internal`: the server answers it with a plain 500 (the strategic
 * merge errors apimachinery returns unwrapped), else with a 400 (or JSON patch's generic 422).
 */
export class PatchError extends Error {
  override name = "PatchError";
  constructor(
    message: string,
    readonly internal = false,
  ) {
    super(message);
  }
}

/** A JSON value as Go's %v prints a decoded interface{}: map[k:v ...] (keys sorted), [a b], <nil>. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goFormat).join(" ")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(" ")}]`;
  }
  return String(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

// --- JSON patch ---

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: Obj | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = own(cur, p);
    else cur = undefined;
    if (cur === undefined) {
      throw new PatchError(`doc is missing path: "${path}": missing value`);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw new PatchError(`doc is missing path: "${path}": missing value`);
  return { parent: cur, key: parts[parts.length - 1]! };
}

/** The parent of `path`'s value, or undefined when a step to it is missing. */
function parentOrNone(doc: unknown, path: string): unknown {
  try {
    return parentOf(doc, pointer(path), path).parent;
  } catch {
    return undefined;
  }
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const p of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = Object.hasOwn(cur, p) ? cur[p] : undefined;
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function arrayIndex(arr: unknown[], key: string, path: string, forAdd: boolean): number {
  if (forAdd && key === "-") return arr.length;
  if (!/^\d+$/.test(key)) throw new PatchError(`doc is missing path: "${path}": missing value`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) {
    throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return i;
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, clone(value));
  else put(parent, key, clone(value));
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const parts = pointer(path);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, false), 1);
  else {
    if (!Object.hasOwn(parent, key)) {
      throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
    }
    delete parent[key];
  }
  return doc;
}

/** Applies an RFC 6902 JSON patch to a copy of `doc`. */
export function applyJSONPatch(doc: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops))
    throw new PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let out: unknown = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw))
      throw new PatchError("json: cannot unmarshal into Go value of type jsonpatch.Operation");
    const op = raw.op;
    const path = String(raw.path ?? "");
    switch (op) {
      case "add":
        out = addAt(out, path, raw.value);
        break;
      case "remove":
        out = removeAt(out, path);
        break;
      case "replace": {
        // As evanphx/json-patch v4, which the server runs: a missing key of an existing object is
        // set (an add); a missing list index or parent is an error.
        const parts = pointer(path);
        if (parts.length === 0) out = clone(raw.value);
        else {
          const { parent, key } = parentOf(out, parts, path);
          if (Array.isArray(parent)) parent[arrayIndex(parent, key, path, false)] = clone(raw.value);
          else put(parent, key, clone(raw.value));
        }
        break;
      }
      case "move": {
        const from = String(raw.from ?? "");
        const v = getAt(out, from);
        out = removeAt(out, from);
        out = addAt(out, path, v);
        break;
      }
      case "copy":
        out = addAt(out, path, getAt(out, String(raw.from ?? "")));
        break;
      case "test": {
        let cur: unknown;
        try {
          cur = getAt(out, path);
        } catch {
          cur = undefined;
        }
        // v4 again: a missing key (of an existing parent) tests equal to null.
        const missingIsNull =
          cur === undefined &&
          (raw.value ?? null) === null &&
          path !== "" &&
          isObject(parentOrNone(out, path));
        if (!missingIsNull && !jsonEqual(cur, raw.value))
          throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${String(op)}`);
    }
  }
  if (!isObject(out)) throw new PatchError("the patch did not produce an object");
  return out;
}

// --- merge patch ---

/** RFC 7386: objects merge, null deletes, everything else (arrays included) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Obj = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else put(out, k, applyMergePatch(own(out, k), v));
  }
  return out;
}

// --- strategic merge patch ---

const directive = "$patch";

function mergeStrategic(
  original: unknown,
  patch: unknown,
  schema: SchemaTable,
  type: string | undefined,
): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch[directive] === "replace") {
    const { [directive]: _d, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch[directive] === "delete") return undefined;
  if (patch[directive] !== undefined)
    throw new PatchError(
      `unknown patch type: ${goFormat(patch[directive])} in map: ${goFormat(patch)}`,
      true,
    );
  const out: Obj = isObject(original) ? { ...original } : {};
  const retain = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === directive || k === "$retainKeys") continue;
    if (k.startsWith("$setElementOrder/")) {
      // An order for a list the patch does not change: the original list, sorted.
      const field = k.slice("$setElementOrder/".length);
      const list = own(out, field);
      if (!Object.hasOwn(patch, field) && Array.isArray(list))
        put(out, field, setElementOrder(list, v, undefined, list, fieldOf(schema, type, field)?.mergeKey));
      continue;
    }
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const list = own(out, field);
      if (Array.isArray(list) && Array.isArray(v)) {
        put(
          out,
          field,
          list.filter((x) => !v.some((d) => jsonEqual(d, x))),
        );
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const meta = fieldOf(schema, type, k);
    if (Array.isArray(v)) {
      const before = own(out, k);
      let merged = mergeList(before, v, schema, meta?.ref, meta?.strategy ?? "", meta?.mergeKey);
      const order = own(patch, `$setElementOrder/${k}`);
      if (order !== undefined) merged = setElementOrder(merged, order, v, before, meta?.mergeKey);
      put(out, k, merged);
    } else if (isObject(v) && !meta?.atomic) {
      const merged = mergeStrategic(own(out, k), v, schema, meta?.map ? undefined : meta?.ref);
      if (merged === undefined) delete out[k];
      else put(out, k, merged);
    } else put(out, k, clone(v));
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k) && !Object.hasOwn(patch, k)) delete out[k];
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v))
    return v
      .filter((x) => !(isObject(x) && x[directive] !== undefined && Object.keys(x).length === 1))
      .map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) put(out, k, stripDirectives(x));
  return out;
}

/** Where `item` is in `list`: by the merge key's value for objects, by value for scalars. */
function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  if (mergeKey === undefined) return list.findIndex((x) => jsonEqual(x, item));
  if (!isObject(item)) return -1;
  return list.findIndex((x) => isObject(x) && jsonEqual(own(x, mergeKey), own(item, mergeKey)));
}

/** Sorts `items` by their place in `order`; the items `order` does not name go last, as they were. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const named = items.filter((x) => indexIn(order, x, mergeKey) >= 0);
  const rest = items.filter((x) => indexIn(order, x, mergeKey) < 0);
  named.sort((a, b) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey));
  return [...named, ...rest];
}

/**
 * The merged list in apimachinery's order (normalizeElementOrder): the items the patch names, in
 * the patch's order, interleaved with the original items it does not name, which keep their places
 * relative to the items of both (original [a, b, c] patched with [b] stays [a, b, c]).
 */
function orderMerged(
  merged: unknown[],
  patch: unknown[],
  original: unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const patchItems = sortByOrder(
    merged.filter((x) => indexIn(patch, x, mergeKey) >= 0),
    patch,
    mergeKey,
  );
  const serverOnly = sortByOrder(
    merged.filter((x) => indexIn(patch, x, mergeKey) < 0),
    original,
    mergeKey,
  );
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchItems[j++]);
    else {
      const li = indexIn(original, serverOnly[i], mergeKey);
      const ri = indexIn(original, patchItems[j], mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? serverOnly[i++] : patchItems[j++]);
    }
  }
  return out;
}

function noMergeKey(item: Obj, mergeKey: string): PatchError {
  return new PatchError(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`, true);
}

function mergeList(
  original: unknown,
  patch: unknown[],
  schema: SchemaTable,
  itemType: string | undefined,
  strategy: string,
  mergeKey: string | undefined,
): unknown[] {
  const orig = Array.isArray(original) ? original : [];
  const replaceAll = patch.find((x) => isObject(x) && x[directive] === "replace");
  if (replaceAll !== undefined) return stripDirectives(patch.filter((x) => x !== replaceAll)) as unknown[];
  if (!strategy.split(",").includes("merge")) return stripDirectives(patch) as unknown[];
  if (mergeKey === undefined) {
    // A merging list of scalars: the union, then ordered like any merged list.
    const union = orig.map((x) => clone(x));
    for (const x of patch) if (!union.some((o) => jsonEqual(o, x))) union.push(clone(x));
    return orderMerged(union, patch, orig, undefined);
  }
  let merged = orig.map((x) => clone(x));
  const items: Obj[] = [];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const d = item[directive];
    if (d === undefined) {
      items.push(item);
      continue;
    }
    if (d !== "delete")
      throw new PatchError(`unknown patch type: ${goFormat(d)} in map: ${goFormat(item)}`, true);
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    merged = merged.filter((o) => !(isObject(o) && jsonEqual(own(o, mergeKey), own(item, mergeKey))));
  }
  for (const item of items) {
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const i = indexIn(merged, item, mergeKey);
    if (i >= 0) merged[i] = mergeStrategic(merged[i], item, schema, itemType);
    else merged.push(stripDirectives(mergeStrategic(undefined, item, schema, itemType)));
  }
  return orderMerged(merged, items, orig, mergeKey);
}

/**
 * A `$setElementOrder/<field>` directive: the merged list ordered as if the directive were the
 * patch's list (its items in its order, interleaved with the others). The patch's own list must
 * name its items in the directive's order.
 */
function setElementOrder(
  merged: unknown[],
  order: unknown,
  patchList: unknown,
  original: unknown,
  mergeKey: string | undefined,
): unknown[] {
  if (!Array.isArray(order) || (patchList !== undefined && !Array.isArray(patchList)))
    throw new PatchError("invalid patch: $setElementOrder list must be a list");
  const listed = (patchList ?? []).filter((x) => !(isObject(x) && x[directive] !== undefined));
  let p = 0;
  for (let o = 0; p < listed.length && o < order.length; o++) {
    const same =
      mergeKey === undefined
        ? jsonEqual(listed[p], order[o])
        : isObject(listed[p]) &&
          isObject(order[o]) &&
          jsonEqual(own(listed[p], mergeKey), own(order[o], mergeKey));
    if (same) p++;
  }
  if (p < listed.length) {
    throw new PatchError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}\n`,
      true,
    );
  }
  return orderMerged(merged, order, Array.isArray(original) ? original : [], mergeKey);
}

/** Applies a strategic merge patch to `doc` whose root type is `type` (a definition name). */
export function applyStrategicMergePatch(
  doc: Obj,
  patch: unknown,
  schema: SchemaTable,
  type: string | undefined,
): Obj {
  if (!isObject(patch))
    throw new PatchError("json: cannot unmarshal into Go value of type map[string]interface {}");
  const out = mergeStrategic(doc, patch, schema, type);
  return isObject(out) ? out : {};
}
