// The fake's storage, as etcd gives it to kube-apiserver: one increasing revision (resourceVersion)
// across all objects, a history of changes (watch from a resourceVersion, lists at an old one) with a
// configurable window, and synchronous delivery of every change to the open watches.
import type { Obj } from "./resources.js";

/** The kinds of change the history records. */
export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as it is kept in the history. */
export interface Change {
  rv: number;
  type: EventType;
  /** group/resource */
  gr: string;
  namespace: string;
  name: string;
  /** The object after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  object: Obj;
  /** The object before the change (undefined for ADDED). */
  prev: Obj | undefined;
}

/** Receives every change as it is committed. */
export type Listener = (c: Change) => void;

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Objects by group/resource and namespace/name, the change history and the watch listeners. */
export class Store {
  /** The latest committed revision. */
  rv: number;
  /** The oldest revision still in the history: watching or listing at older ones is 410 Gone. */
  oldestRV: number;
  readonly historyWindow: number;
  readonly #objects = new Map<string, Map<string, Obj>>();
  readonly #byUID = new Map<string, { gr: string; namespace: string; name: string }>();
  readonly #history: Change[] = [];
  readonly #listeners = new Set<Listener>();

  constructor(opts: { startRV: number; historyWindow: number }) {
    this.rv = opts.startRV;
    this.oldestRV = opts.startRV;
    this.historyWindow = opts.historyWindow;
  }

  #bucket(gr: string): Map<string, Obj> {
    let b = this.#objects.get(gr);
    if (b === undefined) {
      b = new Map();
      this.#objects.set(gr, b);
    }
    return b;
  }

  get(gr: string, namespace: string, name: string): Obj | undefined {
    return this.#objects.get(gr)?.get(keyOf(namespace, name));
  }

  /** Where the object with this uid is stored, if it exists. */
  byUID(uid: string): { gr: string; namespace: string; name: string } | undefined {
    return this.#byUID.get(uid);
  }

  /** The current objects of a group/resource (one namespace, or all when namespace is undefined), in key order. */
  list(gr: string, namespace: string | undefined): Obj[] {
    const b = this.#objects.get(gr);
    if (b === undefined) return [];
    const out: [string, Obj][] = [];
    for (const [k, o] of b) {
      if (namespace === undefined || k.startsWith(`${namespace}/`)) out.push([k, o]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map((e) => e[1]);
  }

  /** Every object of every resource (for the garbage collector and namespace cleanup). */
  *all(): Generator<{ gr: string; object: Obj }> {
    for (const [gr, b] of this.#objects) for (const o of b.values()) yield { gr, object: o };
  }

  /** The objects as they were at revision `rv` (which must be >= oldestRV). */
  listAt(gr: string, namespace: string | undefined, rv: number): Obj[] {
    const state = new Map<string, Obj>();
    for (const o of this.list(gr, namespace))
      state.set(keyOf(o.metadata.namespace ?? "", o.metadata.name), o);
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const c = this.#history[i]!;
      if (c.rv <= rv) break;
      if (c.gr !== gr || (namespace !== undefined && c.namespace !== namespace)) continue;
      const k = keyOf(c.namespace, c.name);
      if (c.type === "ADDED") state.delete(k);
      else state.set(k, c.prev!);
    }
    return [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }

  /** The changes after revision `rv`, oldest first. */
  changesSince(rv: number): Change[] {
    const out: Change[] = [];
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const c = this.#history[i]!;
      if (c.rv <= rv) break;
      out.push(c);
    }
    return out.reverse();
  }

  /** Commits a change: assigns the next resourceVersion to `object` (mutated) and notifies every listener. */
  commit(type: EventType, gr: string, object: Obj, prev: Obj | undefined): Obj {
    const rv = ++this.rv;
    object.metadata.resourceVersion = String(rv);
    const namespace: string = object.metadata.namespace ?? "";
    const name: string = object.metadata.name;
    const b = this.#bucket(gr);
    if (type === "DELETED") {
      b.delete(keyOf(namespace, name));
      if (object.metadata.uid) this.#byUID.delete(object.metadata.uid);
    } else {
      b.set(keyOf(namespace, name), object);
      if (object.metadata.uid) this.#byUID.set(object.metadata.uid, { gr, namespace, name });
    }
    const change: Change = { rv, type, gr, namespace, name, object, prev };
    this.#history.push(change);
    while (this.#history.length > this.historyWindow) {
      const dropped = this.#history.shift()!;
      this.oldestRV = dropped.rv;
    }
    for (const l of [...this.#listeners]) l(change);
    return object;
  }

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}
