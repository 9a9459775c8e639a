/**
 * Types for every Kubernetes API group-version. The root import carries the two modules nearly every
 * program uses, core/v1 (Pod, Service, ConfigMap, Namespace ...) and meta/v1 (ObjectMeta, ListMeta,
 * Status, DeleteOptions ...), whose names never collide. Every other group-version has its own
 * subpath, named like its Go package: `@org/api-types/apps/v1`, `@org/api-types/batch/v1` ...
 *
 * @module @org/api-types
 */
export type * from "./generated/core/v1.js";
export type * from "./generated/meta/v1.js";
