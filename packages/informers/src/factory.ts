// Informer factories (client-go's informers.SharedInformerFactory, dynamicinformer and
// metadatainformer): one shared informer per resource, started together, synced together.
//
// The typed factory is built from clientset's generated `groupVersions` descriptors table at run time
// and declared with the generated interfaces of ./generated/listers.ts (InformerGroups →
// CoreV1Informers → PodInformer → PodLister → PodNamespaceLister, from the same model), so hovers
// show client-go's names and no per-resource code exists anywhere:
//   factory.coreV1().pods().informer()        SharedIndexInformer<Pod>
//   factory.coreV1().pods().lister()          PodLister
//   factory.coreV1().pods().lister().pods(ns) PodNamespaceLister
import { setMaxListeners } from "node:events";
import {
  type Clientset,
  type DynamicClient,
  type GroupVersionDescriptor,
  type GroupVersionResource,
  groupVersions,
  type MetadataClient,
  newResourceClient,
  type PartialObjectMetadata,
  type ResourceDescriptor,
  type RestInterface,
  type Unstructured,
} from "@org/clientset";
import type { ListOptions } from "@org/rest";
import type { InformerGroups } from "./generated/listers.js";
import { SharedIndexInformer, type SharedIndexInformerOptions } from "./informer.js";
import { type Lister, newLister, newNamespaceLister } from "./lister.js";
import type { ListerWatcher, TransformFunc } from "./reflector.js";
import type { ObjectWithMeta } from "./store.js";

/** Options of every factory (client-go's SharedInformerOption). */
export interface SharedInformerFactoryOptions {
  /** Only this namespace ("" or unset: all namespaces). Ignored for cluster-scoped resources. */
  namespace?: string;
  /** Changes every LIST and WATCH, e.g. `(o) => { o.labelSelector = "app=web"; }`. */
  tweakListOptions?: (opts: ListOptions) => void;
  /** Resync period of handlers added without their own (default 0 = no resync). */
  defaultResyncMs?: number;
  /** Runs on every object of every informer before it is stored (e.g. dropManagedFields). */
  transform?: (obj: never) => unknown;
  /** Reflector settings shared by the factory's informers: idle timeout, backoff, watch-list, page size. */
  informerOptions?: Omit<
    SharedIndexInformerOptions<ObjectWithMeta>,
    "transform" | "defaultResyncMs" | "tweakListOptions" | "indexers" | "name"
  >;
}

/** The informer and lister of one resource (client-go's PodInformer and friends). */
export interface ResourceInformer<T extends ObjectWithMeta, L = Lister<T>> {
  /** The shared informer (created on first use; the factory's start() runs it). */
  informer(): SharedIndexInformer<T>;
  /** A lister over the informer's store. */
  lister(): L;
}

interface Entry {
  informer: SharedIndexInformer<ObjectWithMeta>;
  started: boolean;
}

/** What the three factories share: the informers by resource, start and sync. */
abstract class FactoryBase {
  readonly options: SharedInformerFactoryOptions;
  readonly #informers = new Map<string, Entry>();
  #signal: AbortSignal | undefined;
  readonly #runs: Promise<void>[] = [];

  constructor(options: SharedInformerFactoryOptions = {}) {
    this.options = options;
  }

  /** The shared informer for `key`, made by `lw` on first use. */
  protected sharedInformer<T extends ObjectWithMeta>(
    key: string,
    name: string,
    lw: () => ListerWatcher<T>,
  ): SharedIndexInformer<T> {
    let e = this.#informers.get(key);
    if (e === undefined) {
      const o = this.options;
      const opts: SharedIndexInformerOptions<T> = { ...(o.informerOptions as object), name };
      if (o.tweakListOptions) opts.tweakListOptions = o.tweakListOptions;
      if (o.defaultResyncMs !== undefined) opts.defaultResyncMs = o.defaultResyncMs;
      if (o.transform) opts.transform = o.transform as unknown as TransformFunc<T>;
      e = {
        informer: new SharedIndexInformer<T>(lw(), opts) as unknown as SharedIndexInformer<ObjectWithMeta>,
        started: false,
      };
      this.#informers.set(key, e);
      // Informers asked for after start() start at once, as if start() were called again.
      if (this.#signal && !this.#signal.aborted) this.#start(e, this.#signal);
    }
    return e.informer as unknown as SharedIndexInformer<T>;
  }

  #start(e: Entry, signal: AbortSignal): void {
    if (e.started) return;
    e.started = true;
    this.#runs.push(e.informer.run(signal));
  }

  /**
   * Runs every informer asked for so far (and any asked for later) until `signal` aborts. Once that
   * signal aborted, start() with a new one runs the informers not started yet (as client-go's Start
   * runs them on its new stop channel); the stopped ones stay stopped.
   */
  start(signal: AbortSignal): void {
    if (this.#signal === undefined || this.#signal.aborted) {
      // The informers listen to one signal of the factory's: one listener on the caller's.
      const inner = new AbortController();
      setMaxListeners(0, inner.signal);
      if (signal.aborted) inner.abort(signal.reason);
      else signal.addEventListener("abort", () => inner.abort(signal.reason), { once: true });
      this.#signal = inner.signal;
    }
    for (const e of this.#informers.values()) this.#start(e, this.#signal);
  }

  /** Resolves once every started informer stopped (after the start signal aborted). */
  async shutdown(): Promise<void> {
    await Promise.all(this.#runs);
  }

  /**
   * Waits until every started informer synced or `signal` aborts; returns each started informer's
   * result by resource ("v1/pods", "apps/v1/deployments" ...). Informers not started yet are left
   * out, as client-go leaves them out.
   */
  async waitForCacheSync(signal: AbortSignal): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    const started = [...this.#informers].filter(([, e]) => e.started);
    await Promise.all(
      started.map(async ([key, e]) => {
        out[key] = await e.informer.waitForSync(signal);
      }),
    );
    return out;
  }
}

function resourceKey(d: { group: string; version: string; resource: string }): string {
  return d.group ? `${d.group}/${d.version}/${d.resource}` : `${d.version}/${d.resource}`;
}

// The factory's group methods (coreV1(), appsV1() ...) are declared by the generated InformerGroups and
// installed from the generated descriptors table in the constructor.
export interface SharedInformerFactory extends InformerGroups {}

/**
 * client-go's SharedInformerFactory over a Clientset: `factory.coreV1().pods().informer()`, one
 * informer per resource, shared by everyone who asks. `extraGroups` (a generated CRD package's
 * `groupVersions`) adds its groups to the built-in ones: `stableV1().cronTabs()` beside `coreV1()`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class SharedInformerFactory extends FactoryBase {
  readonly #rest: RestInterface;

  constructor(
    clientset: Clientset | { restClient: RestInterface },
    options: SharedInformerFactoryOptions = {},
    extraGroups: Readonly<Record<string, GroupVersionDescriptor>> = {},
  ) {
    super(options);
    this.#rest = clientset.restClient;
    for (const [method, gv] of Object.entries({ ...groupVersions, ...extraGroups })) {
      let group: unknown;
      Object.defineProperty(this, method, {
        value: () => {
          group ??= this.#group(gv);
          return group;
        },
        enumerable: false,
      });
    }
  }

  #group(gv: GroupVersionDescriptor): Record<string, () => ResourceInformer<ObjectWithMeta, unknown>> {
    const out: Record<string, () => ResourceInformer<ObjectWithMeta, unknown>> = {};
    for (const [getter, d] of Object.entries(gv.resources)) {
      if (!d.verbs.includes("list") || !d.verbs.includes("watch")) continue;
      let ri: ResourceInformer<ObjectWithMeta, unknown> | undefined;
      out[getter] = () => {
        ri ??= this.#resourceInformer(getter, d);
        return ri;
      };
    }
    return Object.freeze(out);
  }

  #resourceInformer(getter: string, d: ResourceDescriptor): ResourceInformer<ObjectWithMeta, unknown> {
    const informer = () => this.informerFor(d);
    return {
      informer,
      lister: () => {
        const indexer = informer().getIndexer();
        const l = newLister(indexer);
        return d.namespaced
          ? Object.assign(l, { [getter]: (ns: string) => newNamespaceLister(indexer, ns) })
          : l;
      },
    };
  }

  /** The shared informer of any resource of the descriptors table (client-go's InformerFor). */
  informerFor<T extends ObjectWithMeta>(d: ResourceDescriptor): SharedIndexInformer<T> {
    return this.sharedInformer<T>(resourceKey(d), d.resource, () => {
      const ns = d.namespaced ? (this.options.namespace ?? "") : "";
      return newResourceClient<ListerWatcher<T>>(this.#rest, d, ns);
    });
  }
}

/** The informer and lister of a resource addressed by GVR (client-go's GenericInformer). */
export type GenericInformer<T extends ObjectWithMeta> = ResourceInformer<T, Lister<T>>;

/** client-go's dynamicinformer.DynamicSharedInformerFactory: informers of unstructured objects by GVR. */
export class DynamicSharedInformerFactory extends FactoryBase {
  readonly #client: DynamicClient;

  constructor(client: DynamicClient, options: SharedInformerFactoryOptions = {}) {
    super(options);
    this.#client = client;
  }

  /** The informer of `gvr`; set the factory's namespace only for namespaced resources. */
  forResource(gvr: GroupVersionResource): GenericInformer<Unstructured> {
    // Made now, as client-go's ForResource does: start() and waitForCacheSync() cover it from here.
    const shared = this.sharedInformer<Unstructured>(`dynamic:${resourceKey(gvr)}`, gvr.resource, () => {
      const r = this.#client.resource(gvr);
      const ns = this.options.namespace ?? "";
      return ns ? r.namespace(ns) : r;
    });
    return { informer: () => shared, lister: () => newLister(shared.getIndexer()) };
  }
}

/**
 * client-go's metadatainformer.SharedInformerFactory: informers of PartialObjectMetadata by GVR, the
 * memory-lean way to follow many objects when only their metadata matters.
 */
export class MetadataSharedInformerFactory extends FactoryBase {
  readonly #client: MetadataClient;

  constructor(client: MetadataClient, options: SharedInformerFactoryOptions = {}) {
    super(options);
    this.#client = client;
  }

  /** The metadata-only informer of `gvr`; set the factory's namespace only for namespaced resources. */
  forResource(gvr: GroupVersionResource): GenericInformer<PartialObjectMetadata> {
    // Made now, as client-go's ForResource does: start() and waitForCacheSync() cover it from here.
    const shared = this.sharedInformer<PartialObjectMetadata>(
      `metadata:${resourceKey(gvr)}`,
      gvr.resource,
      () => {
        const r = this.#client.resource(gvr);
        const ns = this.options.namespace ?? "";
        return ns ? r.namespace(ns) : r;
      },
    );
    return { informer: () => shared, lister: () => newLister(shared.getIndexer()) };
  }
}
