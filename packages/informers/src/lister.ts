// Listers (client-go's listers and cache.GenericLister): reads from an informer's Indexer, never from
// the server. They return the stored objects themselves: treat them as read only.
import { everything, parseSelector, type Selector, selectorFromSet } from "@org/clientset";
import { type Indexer, NamespaceIndex, type ObjectWithMeta } from "./store.js";

/** What listers accept as a label selector: a string ("app=web"), a label set or a parsed Selector. */
export type SelectorInput = string | Selector | Readonly<Record<string, string>>;

/** A Selector from what listers accept. */
function toSelector(s: SelectorInput | undefined): Selector {
  if (s === undefined) return everything();
  if (typeof s === "string") return parseSelector(s);
  if (typeof (s as Selector).matches === "function" && Array.isArray((s as Selector).requirements))
    return s as Selector;
  return selectorFromSet(s as Record<string, string>);
}

/**
 * A typed lister for one namespace (client-go's PodNamespaceLister and friends); the namespace ""
 * (client-go's NamespaceAll) lists every namespace, as `pods("")` does on the server.
 */
export interface NamespaceLister<T> {
  /** The objects of the namespace whose labels match (all without a selector). */
  list(selector?: SelectorInput): T[];
  /** The object, or undefined when the informer has not seen it (always, for the namespace ""). */
  get(name: string): T | undefined;
}

/** A typed lister of a resource (client-go's PodLister and friends, GenericLister). */
export interface Lister<T> {
  /** Every stored object whose labels match (all without a selector). */
  list(selector?: SelectorInput): T[];
  /** By key: "name" for cluster-scoped objects, "namespace/name" for namespaced ones. */
  get(key: string): T | undefined;
  /** The objects of one namespace (client-go's GenericLister.ByNamespace). */
  byNamespace(namespace: string): NamespaceLister<T>;
}

function labelsOf(obj: ObjectWithMeta): Record<string, string> | undefined {
  return (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels;
}

function filter<T extends ObjectWithMeta>(objs: Iterable<T>, selector: SelectorInput | undefined): T[] {
  const out: T[] = [];
  if (selector === undefined) {
    for (const o of objs) out.push(o);
    return out;
  }
  const sel = toSelector(selector);
  for (const o of objs) if (sel.matches(labelsOf(o))) out.push(o);
  return out;
}

/** A lister over an Indexer. */
export function newLister<T extends ObjectWithMeta>(indexer: Indexer<T>): Lister<T> {
  return {
    list: (selector) => filter(indexer.list(), selector),
    get: (key) => indexer.getByKey(key),
    byNamespace: (namespace) => newNamespaceLister(indexer, namespace),
  };
}

/** A lister for one namespace over an Indexer (uses the namespace index). */
export function newNamespaceLister<T extends ObjectWithMeta>(
  indexer: Indexer<T>,
  namespace: string,
): NamespaceLister<T> {
  if (typeof namespace !== "string") {
    throw new TypeError(`a namespace lister needs a namespace name ("" for all), got ${String(namespace)}`);
  }
  return {
    list: (selector) =>
      filter(namespace === "" ? indexer.list() : indexer.byIndex(NamespaceIndex, namespace), selector),
    get: (name) => indexer.getByKey(`${namespace}/${name}`),
  };
}
