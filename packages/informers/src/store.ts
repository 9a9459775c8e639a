// client-go's cache.Store, cache.Indexer and ThreadSafeStore in one: objects by key
// ("namespace/name", or "name" for cluster-scoped objects), plus named indices. Objects are stored
// exactly as given (as decoded from the wire, after the informer's transform): never copied.

/** The object fields the store reads. Every Kubernetes object has them. */
export interface ObjectWithMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** client-go's cache.DeletedFinalStateUnknown: an object deleted while the informer was not watching. */
export class DeletedFinalStateUnknown<T> {
  /** `key` is the store key of the object; `obj` is its last known state. */
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** A function that returns the store key of an object. */
export type KeyFunc<T> = (obj: T) => string;

/** Thrown when an object has no metadata.name, so it has no key. */
export class KeyError extends Error {
  override name = "KeyError";
  constructor(
    message: string,
    readonly obj: unknown,
  ) {
    super(message);
  }
}

/**
 * client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" for cluster-scoped objects.
 * A DeletedFinalStateUnknown gives its key.
 */
export function metaNamespaceKeyFunc(obj: ObjectWithMeta | DeletedFinalStateUnknown<unknown>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  const name = obj?.metadata?.name;
  if (typeof name !== "string" || name === "") {
    throw new KeyError("object has no metadata.name, so it has no store key", obj);
  }
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** client-go's SplitMetaNamespaceKey: { namespace: "" } for cluster-scoped keys. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split("/");
  if (parts.length === 1) return { namespace: "", name: key };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new KeyError(`unexpected key format: ${JSON.stringify(key)} (want "name" or "namespace/name")`, key);
}

/** Returns the index values of an object (e.g. its namespace, its node name, its owner). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** Index functions by index name. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The name of the built-in namespace index (client-go's cache.NamespaceIndex). */
export const NamespaceIndex = "namespace";

/** client-go's MetaNamespaceIndexFunc: the object's namespace, "" for cluster-scoped objects. */
export function metaNamespaceIndexFunc(obj: ObjectWithMeta): string[] {
  return [obj?.metadata?.namespace ?? ""];
}

/** Thrown for an unknown index name, or an index added under a name already in use. */
export class IndexError extends Error {
  override name = "IndexError";
}

/** client-go's cache.Indexer: a Store with named indices. */
export class Indexer<T extends ObjectWithMeta> {
  #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  #indices = new Map<string, Map<string, Set<string>>>();
  // The index values of the object being written (and of the one it replaces), one entry per index
  // function: every function runs before anything changes, so one that throws leaves the store as
  // it was. Reused by every write.
  readonly #after: (readonly string[])[] = [];
  readonly #before: (readonly string[])[] = [];
  readonly keyFunc: KeyFunc<T>;

  constructor(indexers: Indexers<T> = {}, keyFunc: KeyFunc<T> = metaNamespaceKeyFunc) {
    this.keyFunc = keyFunc;
    this.addIndexers({ [NamespaceIndex]: metaNamespaceIndexFunc, ...indexers });
  }

  /**
   * Adds index functions and indexes the objects already stored under them (client-go's AddIndexers).
   * A name already in use is refused: an index is never replaced under its users.
   */
  addIndexers(indexers: Indexers<T>): void {
    const added = Object.entries(indexers);
    for (const [name, fn] of added) {
      if (typeof fn !== "function") throw new IndexError(`indexer ${JSON.stringify(name)} is not a function`);
      if (this.#indexers.has(name)) {
        throw new IndexError(
          `indexer conflict: an index named ${JSON.stringify(name)} already exists (indices: ${[...this.#indexers.keys()].join(", ")}); give the new one another name`,
        );
      }
    }
    // Every new index is built before any is installed: an index function that throws adds none.
    const built = added.map(([name, fn]) => {
      const idx = new Map<string, Set<string>>();
      for (const [key, obj] of this.#items) addKey(idx, key, indexValues(name, fn, obj, key));
      return [name, fn, idx] as const;
    });
    for (const [name, fn, idx] of built) {
      this.#indexers.set(name, fn);
      this.#indices.set(name, idx);
    }
  }

  /** The index functions by name. */
  getIndexers(): Indexers<T> {
    return Object.fromEntries(this.#indexers);
  }

  get size(): number {
    return this.#items.size;
  }

  /**
   * Adds or replaces the object under its key; returns the object it replaced. An index function
   * that throws (or returns no array) gives an IndexError and the store is left unchanged.
   */
  add(obj: T): T | undefined {
    const key = this.keyFunc(obj);
    const old = this.#items.get(key);
    this.#compute(this.#after, key, obj);
    if (old !== undefined) this.#compute(this.#before, key, old);
    this.#items.set(key, obj);
    let i = 0;
    for (const idx of this.#indices.values()) {
      const after = this.#after[i]!;
      if (old === undefined) addKey(idx, key, after);
      else {
        const before = this.#before[i]!;
        // an unchanged single value (the common case, an object updated in place) stays as it is
        if (before.length !== 1 || after.length !== 1 || before[0] !== after[0]) {
          removeKey(idx, key, before);
          addKey(idx, key, after);
        }
      }
      i++;
    }
    return old;
  }

  /** Same as add (client-go's Update). */
  update(obj: T): T | undefined {
    return this.add(obj);
  }

  /** Removes the object with the key of `obj`; returns what was stored. */
  delete(obj: T): T | undefined {
    return this.deleteByKey(this.keyFunc(obj));
  }

  /** Removes the object under `key`; returns what was stored. */
  deleteByKey(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#compute(this.#before, key, old);
    this.#items.delete(key);
    let i = 0;
    for (const idx of this.#indices.values()) removeKey(idx, key, this.#before[i++]!);
    return old;
  }

  /** The stored object with the key of `obj`. */
  get(obj: T): T | undefined {
    return this.#items.get(this.keyFunc(obj));
  }

  /** The stored object under `key` ("namespace/name" or "name"). */
  getByKey(key: string): T | undefined {
    return this.#items.get(key);
  }

  /** Every stored object (a new array; the objects themselves are the stored ones). */
  list(): T[] {
    return [...this.#items.values()];
  }

  /** Every key. */
  listKeys(): string[] {
    return [...this.#items.keys()];
  }

  /** Iterates the entries without copying. */
  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }

  /** Replaces the whole content (indices rebuilt); on an IndexError the old content stays. */
  replace(objs: readonly T[]): void {
    const items = new Map<string, T>();
    const indices = new Map<string, Map<string, Set<string>>>();
    for (const name of this.#indexers.keys()) indices.set(name, new Map());
    for (const obj of objs) {
      const key = this.keyFunc(obj);
      this.#compute(this.#after, key, obj);
      items.set(key, obj);
      let i = 0;
      for (const idx of indices.values()) addKey(idx, key, this.#after[i++]!);
    }
    this.#items = items;
    this.#indices = indices;
  }

  /** The objects whose `indexName` values include `indexedValue` (client-go's ByIndex). */
  byIndex(indexName: string, indexedValue: string): T[] {
    const keys = this.#indexOf(indexName).get(indexedValue);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.#items.get(k)!);
    return out;
  }

  /** The keys whose `indexName` values include `indexedValue` (client-go's IndexKeys). */
  indexKeys(indexName: string, indexedValue: string): string[] {
    const keys = this.#indexOf(indexName).get(indexedValue);
    return keys === undefined ? [] : [...keys];
  }

  /** The objects sharing any `indexName` value with `obj` (client-go's Index). */
  index(indexName: string, obj: T): T[] {
    const fn = this.#indexers.get(indexName);
    if (fn === undefined) throw this.#unknownIndex(indexName);
    const idx = this.#indices.get(indexName)!;
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of idx.get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.#items.get(k)!);
  }

  /** Every value of an index (client-go's ListIndexFuncValues). */
  listIndexFuncValues(indexName: string): string[] {
    return [...this.#indexOf(indexName).keys()];
  }

  #indexOf(indexName: string): Map<string, Set<string>> {
    const idx = this.#indices.get(indexName);
    if (idx === undefined) throw this.#unknownIndex(indexName);
    return idx;
  }

  #unknownIndex(indexName: string): IndexError {
    return new IndexError(
      `index ${JSON.stringify(indexName)} does not exist (indices: ${[...this.#indexers.keys()].join(", ")}); add it with addIndexers`,
    );
  }

  /** The index values of `obj` under every index function, into `out` (in the order of #indices). */
  #compute(out: (readonly string[])[], key: string, obj: T): void {
    let i = 0;
    for (const [name, fn] of this.#indexers) out[i++] = indexValues(name, fn, obj, key);
  }
}

/** What `fn` gives for `obj`, or an IndexError naming the index and the object. */
function indexValues<T>(name: string, fn: IndexFunc<T>, obj: T, key: string): readonly string[] {
  let values: readonly string[];
  try {
    values = fn(obj);
  } catch (err) {
    throw new IndexError(
      `index function ${JSON.stringify(name)} threw for ${key}: ${err instanceof Error ? err.message : String(err)} (an index function must return the object's index values, an array of strings)`,
      { cause: err },
    );
  }
  if (!Array.isArray(values)) {
    throw new IndexError(
      `index function ${JSON.stringify(name)} returned ${values === null ? "null" : typeof values} for ${key}, not an array of strings`,
    );
  }
  return values;
}

function addKey(idx: Map<string, Set<string>>, key: string, values: readonly string[]): void {
  for (const v of values) {
    const keys = idx.get(v);
    if (keys === undefined) idx.set(v, new Set([key]));
    else keys.add(key);
  }
}

function removeKey(idx: Map<string, Set<string>>, key: string, values: readonly string[]): void {
  for (const v of values) {
    const keys = idx.get(v);
    if (keys === undefined) continue;
    keys.delete(key);
    if (keys.size === 0) idx.delete(v);
  }
}
