// The load stage's output: one normalized view of a Kubernetes API spec, whatever it came from
// (an OpenAPI v2 swagger file, OpenAPI v3 documents, a URL, a live cluster).

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** An OpenAPI 3 schema object; every `$ref` reads "#/components/schemas/<definition name>". */
export type Schema = Record<string, unknown>;

export type HttpMethod = "get" | "put" | "post" | "patch" | "delete" | "head" | "options";

/** One operation of a path that carries `x-kubernetes-action`. */
export interface Operation {
  path: string;
  method: HttpMethod;
  /** x-kubernetes-action: get list watch watchlist post put patch delete deletecollection connect */
  action: string;
  gvk?: GroupVersionKind;
  /** Request content types (v2 consumes / v3 requestBody content keys), sorted. */
  consumes: string[];
  /** Definition name of the request body, when it is a $ref. */
  requestSchema?: string;
  /** Definition name of the success response, when it is a $ref. */
  responseSchema?: string;
  /** Primitive type of the success response ("string" for pods/log), when it is not a $ref. */
  responseType?: string;
  /** Names of the query parameters (path-level and operation-level), sorted; omitted when none. */
  query?: string[];
}

export interface Spec {
  /** Where it came from, as written into every generated header ("kubernetes-1.36.swagger.json"). */
  source: string;
  /** Definitions by name ("io.k8s.api.core.v1.Pod"), normalized to OpenAPI 3 schema objects. */
  schemas: Record<string, Schema>;
  /** Operations sorted by path, then method. */
  operations: Operation[];
}

export const REF_PREFIX = "#/components/schemas/";

export class SpecError extends Error {
  override name = "SpecError";
}
