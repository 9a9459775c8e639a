// Request options, the counterparts of metav1.ListOptions, GetOptions, CreateOptions, UpdateOptions,
// PatchOptions, ApplyOptions and DeleteOptions. Field names are the API server's query parameter names.

/** What every call accepts: cancellation and a per-call timeout (overrides RestConfig.timeoutMs). */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "NotOlderThan" | "Exact";
  timeoutSeconds?: number;
  limit?: number;
  continue?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

export interface GetOptions extends CallOptions {
  resourceVersion?: string;
}

/** `dryRun: "All"` (or `true`) asks the server to validate without persisting. */
export type DryRun = "All" | true;
export type FieldValidation = "Ignore" | "Warn" | "Strict";

export interface CreateOptions extends CallOptions {
  dryRun?: DryRun;
  fieldManager?: string;
  fieldValidation?: FieldValidation;
}

export type UpdateOptions = CreateOptions;

export interface PatchOptions extends CreateOptions {
  /** Only for apply patches: take ownership of conflicting fields. */
  force?: boolean;
}

/** Server-side apply: the field manager is required, as in client-go. */
export interface ApplyOptions extends CallOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: DryRun;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/** Sent as the request body (a meta.k8s.io/v1 DeleteOptions), as client-go does. */
export interface DeleteOptions extends CallOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: Preconditions;
  dryRun?: DryRun;
}

/** Content types of the four patch kinds (client-go's types.PatchType). */
export const PatchType = {
  JSON: "application/json-patch+json",
  Merge: "application/merge-patch+json",
  StrategicMerge: "application/strategic-merge-patch+json",
  Apply: "application/apply-patch+yaml",
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** One decoded watch event. ERROR events are not yielded: the iterator throws a StatusError. */
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/** A watch stream: iterate it with `for await`; `stop()` ends it and releases the connection. */
export interface Watch<T> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}
