/// <reference types="node" preserve="true" />
/**
 * The counterpart of client-go's tools/cache — Reflector, Store/Indexer, SharedIndexInformer, informer
 * factories (typed, dynamic, metadata-only) and listers.
 *
 * @module @org/informers
 */

export {
  everything,
  parseSelector,
  type Requirement,
  type Selector,
  SelectorError,
  selectorFromSet,
} from "@org/clientset";
export { Backoff, type BackoffOptions } from "./backoff.js";
export {
  DynamicSharedInformerFactory,
  type GenericInformer,
  MetadataSharedInformerFactory,
  type ResourceInformer,
  SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from "./factory.js";
export type * from "./generated/listers.js";
export {
  type HandlerOptions,
  type Notification,
  type ResourceEventHandler,
  type ResourceEventHandlerRegistration,
  SharedIndexInformer,
  type SharedIndexInformerOptions,
  waitForCacheSync,
} from "./informer.js";
export {
  type Lister,
  type NamespaceLister,
  newLister,
  newNamespaceLister,
  type SelectorInput,
} from "./lister.js";
export {
  defaultWatchErrorHandler,
  IdleWatchError,
  type ListerWatcher,
  type ObjectList,
  Reflector,
  type ReflectorHealth,
  type ReflectorOptions,
  type ReflectorState,
  type ReflectorStats,
  type ReflectorStore,
  ShortWatchError,
  type TransformFunc,
  type WatchErrorHandler,
} from "./reflector.js";
export {
  DeletedFinalStateUnknown,
  IndexError,
  Indexer,
  type Indexers,
  type IndexFunc,
  KeyError,
  type KeyFunc,
  metaNamespaceIndexFunc,
  metaNamespaceKeyFunc,
  NamespaceIndex,
  type ObjectWithMeta,
  splitMetaNamespaceKey,
} from "./store.js";
export { dropManagedFields } from "./transform.js";
