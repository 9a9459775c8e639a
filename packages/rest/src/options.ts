// Request options, the counterparts of metav1.ListOptions, GetOptions, CreateOptions, UpdateOptions,
// PatchOptions, ApplyOptions and DeleteOptions. Field names are the API server's query parameter names.

/** What every call accepts: cancellation and a per-call timeout (overrides RestConfig.timeoutMs). */
export interface CallOptions {
  /**
   * Aborting it cancels the call (and ends a watch or stream) at once, in every phase, connecting
   * included; the call rejects with the signal's reason, except a write that was already sent: that
   * is a TransportError with `mayHaveBeenApplied` (the reason is its cause).
   */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds for this call, from the first byte (connect, TLS, every attempt and wait, the body
   * read; watches and streams: until the headers); default RestConfig.timeoutMs, else 70 s; 0: none.
   */
  timeoutMs?: number | undefined;
  /**
   * Watches and streams: the liveness window, ended with a TransportError (code `IDLE_TIMEOUT`) after
   * this long without a byte; default RestConfig.idleTimeoutMs, else derived for a watch (see
   * `watchIdleTimeoutMs`) and none for a stream; 0: none.
   */
  idleTimeoutMs?: number | undefined;
}

/** Options of list, watch and deleteCollection (metav1.ListOptions). */
export interface ListOptions extends CallOptions {
  /** Only objects whose labels match, e.g. `"app=web,tier!=db"` or `"env in (prod,staging)"`. */
  labelSelector?: string | undefined;
  /** Only objects whose fields match, e.g. `"metadata.name=web"` or `"status.phase=Running"`. */
  fieldSelector?: string | undefined;
  /**
   * list: `""` (default) reads the newest state from etcd, `"0"` any cached state; with
   * `resourceVersionMatch` a specific one. watch: start after this version (from a previous list).
   */
  resourceVersion?: string | undefined;
  /** How `resourceVersion` applies to a list: at least that new, or exactly that one. */
  resourceVersionMatch?: "NotOlderThan" | "Exact" | undefined;
  /** The server ends a watch (or a list) after this many seconds. */
  timeoutSeconds?: number | undefined;
  /** At most this many items per response; the rest follow with `continue` (see listAll/listPages). */
  limit?: number | undefined;
  /** The `metadata.continue` token of the previous page. */
  continue?: string | undefined;
  /** watch: ask for BOOKMARK events, which carry a newer resourceVersion to resume from. */
  allowWatchBookmarks?: boolean | undefined;
  /**
   * watch: begin with ADDED events for the current state, then a BOOKMARK marking its end (the
   * watch-list protocol; needs `resourceVersionMatch: "NotOlderThan"` and `allowWatchBookmarks`).
   */
  sendInitialEvents?: boolean | undefined;
}

/** Options of get (metav1.GetOptions). */
export interface GetOptions extends CallOptions {
  /** `""` (default) reads the newest state, `"0"` any cached state. */
  resourceVersion?: string | undefined;
}

/** `dryRun: "All"` (or `true`) asks the server to validate without persisting. */
export type DryRun = "All" | true;
/** What the server does with unknown or duplicate fields: drop them, warn (header), or reject (400). */
export type FieldValidation = "Ignore" | "Warn" | "Strict";

/** Options of create and of subresource creates (metav1.CreateOptions). */
export interface CreateOptions extends CallOptions {
  /** Validate and run admission, but persist nothing. */
  dryRun?: DryRun | undefined;
  /** The name recorded in `metadata.managedFields` as the owner of the fields this call sets. */
  fieldManager?: string | undefined;
  /** How to treat fields the schema does not know (server default: Warn). */
  fieldValidation?: FieldValidation | undefined;
}

/** Options of update and updateStatus (metav1.UpdateOptions): the same fields as CreateOptions. */
export type UpdateOptions = CreateOptions;

/** Options of patch (metav1.PatchOptions). */
export interface PatchOptions extends CreateOptions {
  /** Only for apply patches: take ownership of conflicting fields. */
  force?: boolean | undefined;
}

/** Server-side apply: the field manager is required, as in client-go. */
export interface ApplyOptions extends CallOptions {
  /** The owner of the applied fields; the same manager applying again replaces its own fields. */
  fieldManager: string;
  /** Take over fields another manager owns instead of failing with a 409 conflict. */
  force?: boolean | undefined;
  /** Validate and run admission, but persist nothing. */
  dryRun?: DryRun | undefined;
}

/** Delete only if the object still is this one (uid) or this version (resourceVersion); else 409. */
export interface Preconditions {
  /** The object's `metadata.uid`. */
  uid?: string | undefined;
  /** The object's `metadata.resourceVersion`. */
  resourceVersion?: string | undefined;
}

/**
 * What happens to the objects this one owns: left alone (Orphan), deleted after it (Background), or
 * deleted before it, which waits with a foregroundDeletion finalizer (Foreground).
 */
export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/** Sent as the request body (a meta.k8s.io/v1 DeleteOptions), as client-go does. */
export interface DeleteOptions extends CallOptions {
  /** Seconds the object gets to shut down (pods); 0 deletes at once; default: the object's own. */
  gracePeriodSeconds?: number | undefined;
  /** What happens to dependents (default: the resource's, usually Background). */
  propagationPolicy?: PropagationPolicy | undefined;
  /** Delete only if the object is still the one meant. */
  preconditions?: Preconditions | undefined;
  /** Validate and run admission, but delete nothing. */
  dryRun?: DryRun | undefined;
}

/** Content types of the four patch kinds (client-go's types.PatchType). */
export const PatchType = {
  JSON: "application/json-patch+json",
  Merge: "application/merge-patch+json",
  StrategicMerge: "application/strategic-merge-patch+json",
  Apply: "application/apply-patch+yaml",
} as const;
/** One of the four patch content types. */
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** The kind of a watch event; BOOKMARK carries only a newer `metadata.resourceVersion`. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** One decoded watch event. ERROR events are not yielded: the iterator throws a StatusError. */
export interface WatchEvent<T> {
  /** What happened to the object. */
  type: WatchEventType;
  /** The object after the change (DELETED: its last state). */
  object: T;
}

/** A watch stream: iterate it with `for await`; `stop()` ends it and releases the connection. */
export interface Watch<T> extends AsyncIterable<WatchEvent<T>> {
  /** Ends the watch: the `for await` loop finishes and the connection is released. Idempotent. */
  stop(): void;
}
