/// <reference types="node" preserve="true" />
/**
 * Generates @org/api-types and the typed part of @org/clientset from the Kubernetes OpenAPI spec:
 * load → model → emit, each stage usable on its own.
 *
 * @module @org/codegen
 */
export {
  apiGroupResources,
  CRD_CLIENTSET_DIR,
  CRD_TYPES_DIR,
  type CrdEmitOptions,
  emitCrdPackage,
} from "./crd/emit.js";
export {
  type CrdGenerateOptions,
  type CrdGenerateResult,
  crdFiles,
  crdReadme,
  crdSource,
  generateCrds,
} from "./crd/generate.js";
export { parseManifests, readClusterCrds, readCrdFiles } from "./crd/read.js";
export {
  type CrdDocument,
  CrdError,
  type CrdSpec,
  type CustomResourceInfo,
  crdsToSpec,
  type PrinterColumn,
  type ScaleInfo,
} from "./crd/spec.js";
export {
  type ClientsetEmitOptions,
  emitClientset,
  emitClientsetIndex,
  emitGroupVersion,
} from "./emit/clientset.js";
export { type Files, header } from "./emit/source.js";
export { APPLY_MODULE, emitTypes } from "./emit/types.js";
export {
  emit,
  expansionLookup,
  type GenerateOptions,
  type GenerateResult,
  generate,
  type Target,
  writeFilesAtomically,
} from "./generate.js";
export { fromDocument, fromV2, fromV3, isV3Index, normalizeSchema } from "./load/normalize.js";
export {
  defaultSpecInput,
  findRepoRoot,
  newestSnapshot,
  parseSpecArgument,
  readSpec,
  type SpecInput,
} from "./load/read.js";
export type { GroupVersionKind, Operation, Schema, Spec } from "./load/spec.js";
export { SpecError } from "./load/spec.js";
export * from "./model/model.js";
export * from "./model/names.js";
export * from "./model/subresources.js";
export { type CliIO, runCli, USAGE } from "./run.js";
