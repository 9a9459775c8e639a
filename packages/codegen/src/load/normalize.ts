// Pure: OpenAPI v2 (swagger) or OpenAPI v3 documents → Spec. No I/O.
import {
  type GroupVersionKind,
  type HttpMethod,
  type Operation,
  REF_PREFIX,
  type Schema,
  type Spec,
  SpecError,
} from "./spec.js";

type Json = Record<string, unknown>;
const METHODS: readonly HttpMethod[] = ["get", "put", "post", "patch", "delete", "head", "options"];

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refName(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  const i = ref.lastIndexOf("/");
  return i === -1 ? undefined : ref.slice(i + 1);
}

/**
 * One schema in OpenAPI 3 form with Kubernetes' extensions made explicit:
 * - `$ref`s point at #/components/schemas/ (v2's #/definitions/ rewritten);
 * - `allOf: [{$ref}]` (how v3 documents wrap a described reference) becomes the plain `$ref`;
 * - IntOrString (`format: int-or-string` or `x-kubernetes-int-or-string`) becomes `integer | string`;
 * - `x-kubernetes-preserve-unknown-fields` objects keep unknown fields (`additionalProperties: true`);
 *   without a `type` (and without properties) the node stays untyped: the API server takes any JSON
 *   value there (a string, a list, a number), so it is `unknown`, not an object.
 */
export function normalizeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalizeSchema);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$ref" && typeof v === "string") out[k] = REF_PREFIX + refName(v);
    else if (k === "example" || k === "default" || k === "enum" || k.startsWith("x-")) out[k] = v;
    else if (k === "properties" && isObject(v)) {
      // Object.fromEntries defines own properties: an assignment of "__proto__" would set the prototype.
      out[k] = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, normalizeSchema(p)]));
    } else out[k] = normalizeSchema(v);
  }
  const allOf = out.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) && typeof allOf[0].$ref === "string") {
    out.$ref = allOf[0].$ref;
    delete out.allOf;
  }
  if (out.format === "int-or-string" || out["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    delete out.anyOf;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (
    out["x-kubernetes-preserve-unknown-fields"] === true &&
    (out.type === "object" || (out.type === undefined && isObject(out.properties))) &&
    out.additionalProperties === undefined &&
    out.$ref === undefined &&
    out.anyOf === undefined
  ) {
    out.type = "object";
    out.additionalProperties = true;
  }
  return out;
}

function gvkOf(op: Json): GroupVersionKind | undefined {
  const g = op["x-kubernetes-group-version-kind"];
  if (!isObject(g) || typeof g.kind !== "string") return undefined;
  return { group: String(g.group ?? ""), version: String(g.version ?? ""), kind: g.kind };
}

function successResponse(op: Json): Json | undefined {
  const responses = op.responses;
  if (!isObject(responses)) return undefined;
  for (const code of ["200", "201", "202"]) {
    const r = responses[code];
    if (isObject(r)) return r;
  }
  return undefined;
}

function schemaTarget(schema: unknown): { ref?: string; type?: string } {
  if (!isObject(schema)) return {};
  if (typeof schema.$ref === "string") return { ref: refName(schema.$ref) };
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0])) return schemaTarget(allOf[0]);
  if (typeof schema.type === "string") return { type: schema.type };
  return {};
}

function makeOperation(
  path: string,
  method: HttpMethod,
  op: Json,
  consumes: string[],
  body: unknown,
  response: unknown,
  params: (Json | undefined)[],
): Operation | undefined {
  const action = op["x-kubernetes-action"];
  if (typeof action !== "string") return undefined;
  const out: Operation = { path, method, action, consumes: [...new Set(consumes)].sort() };
  const query = [
    ...new Set(
      params.filter((p) => p?.in === "query" && typeof p.name === "string").map((p) => p!.name as string),
    ),
  ].sort();
  if (query.length) out.query = query;
  const gvk = gvkOf(op);
  if (gvk) out.gvk = gvk;
  const req = schemaTarget(body);
  if (req.ref) out.requestSchema = req.ref;
  const res = schemaTarget(response);
  if (res.ref) out.responseSchema = res.ref;
  else if (res.type) out.responseType = res.type;
  return out;
}

function sortOperations(ops: Operation[]): Operation[] {
  return ops.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : METHODS.indexOf(a.method) - METHODS.indexOf(b.method),
  );
}

/**
 * apiextensions' JSONSchemaPropsOr* have custom JSON marshalling, so the spec describes them without a
 * type; spell out what they hold on the wire (a schema, or an array / a boolean / a string list).
 */
function wellKnown(name: string, schema: Schema): Schema {
  const m =
    /^(io\.k8s\.apiextensions-apiserver\.pkg\.apis\.apiextensions\.v1(?:beta1)?)\.JSONSchemaPropsOr(Array|Bool|StringArray)$/.exec(
      name,
    );
  if (!m || schema.type !== undefined || schema.anyOf !== undefined) return schema;
  const props = { $ref: `${REF_PREFIX}${m[1]}.JSONSchemaProps` };
  const other =
    m[2] === "Array"
      ? { type: "array", items: props }
      : m[2] === "Bool"
        ? { type: "boolean" }
        : { type: "array", items: { type: "string" } };
  return { ...schema, anyOf: [props, other] };
}

function sortedSchemas(schemas: Record<string, Schema>): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const name of Object.keys(schemas).sort()) out[name] = wellKnown(name, schemas[name]!);
  return out;
}

function requireKubernetes(spec: Spec): Spec {
  if (spec.operations.length === 0) {
    throw new SpecError(
      `${spec.source} is not a Kubernetes API spec: no operation carries "x-kubernetes-action". ` +
        "Pass the swagger.json of a Kubernetes release, a directory of /openapi/v3 documents, or use --from-cluster.",
    );
  }
  if (!spec.operations.some((o) => o.gvk !== undefined)) {
    throw new SpecError(
      `${spec.source} is not a Kubernetes API spec: no operation carries "x-kubernetes-group-version-kind".`,
    );
  }
  return spec;
}

/**
 * Calls `visit` for every operation of a `paths` object, with its path-level and operation-level
 * parameters, `$ref`s to the document's shared parameters resolved (the same in v2 and v3).
 */
function forEachOperation(
  paths: unknown,
  sharedParameters: unknown,
  visit: (path: string, method: (typeof METHODS)[number], op: Json, params: (Json | undefined)[]) => void,
): void {
  const shared = isObject(sharedParameters) ? sharedParameters : {};
  const resolveParam = (p: unknown): Json | undefined => {
    if (!isObject(p)) return undefined;
    if (typeof p.$ref !== "string") return p;
    const target = shared[refName(p.$ref) ?? ""];
    return isObject(target) ? target : undefined;
  };
  for (const [path, item] of Object.entries(isObject(paths) ? paths : {})) {
    if (!isObject(item)) continue;
    const pathParams = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const opParams = Array.isArray(op.parameters) ? op.parameters : [];
      visit(path, method, op, [...pathParams, ...opParams].map(resolveParam));
    }
  }
}

/** Swagger 2.0 (`api/openapi-spec/swagger.json` of a Kubernetes release) → Spec. */
export function fromV2(doc: unknown, source: string): Spec {
  if (!isObject(doc) || doc.swagger !== "2.0") throw new SpecError(`${source} is not a Swagger 2.0 document`);
  const definitions = isObject(doc.definitions) ? doc.definitions : {};
  const schemas: Record<string, Schema> = {};
  for (const [name, s] of Object.entries(definitions)) schemas[name] = normalizeSchema(s) as Schema;
  const globalConsumes = Array.isArray(doc.consumes) ? (doc.consumes as string[]) : [];
  const operations: Operation[] = [];
  forEachOperation(doc.paths, doc.parameters, (path, method, op, params) => {
    const body = params.find((p) => p?.in === "body")?.schema;
    const consumes = Array.isArray(op.consumes) ? (op.consumes as string[]) : globalConsumes;
    const o = makeOperation(path, method, op, consumes, body, successResponse(op)?.schema, params);
    if (o) operations.push(o);
  });
  return requireKubernetes({
    source,
    schemas: sortedSchemas(schemas),
    operations: sortOperations(operations),
  });
}

function firstContentSchema(content: unknown): unknown {
  if (!isObject(content)) return undefined;
  for (const key of Object.keys(content).sort()) {
    const media = content[key];
    if (isObject(media) && media.schema !== undefined) return media.schema;
  }
  return undefined;
}

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/**
 * Quantity as it is on the wire: a string. v3 documents say `oneOf: [string, number]` (the server
 * also takes a number on input), v2 documents `type: string`, and the server always answers with a
 * string: both sources give the same type.
 */
function quantityOnTheWire(schemas: Record<string, Schema>): void {
  const q = schemas[QUANTITY] as Json | undefined;
  const types = Array.isArray(q?.oneOf) ? q.oneOf.map((s) => (isObject(s) ? s.type : undefined)).sort() : [];
  if (q && types.join() === "number,string") {
    delete q.oneOf;
    q.type = "string";
  }
}

/**
 * OpenAPI 3 documents (one per group-version, as served at /openapi/v3/<path>) → one Spec. Schemas
 * shared by several documents (ObjectMeta ...) are taken once; paths are merged.
 */
export function fromV3(docs: readonly unknown[], source: string): Spec {
  const schemas: Record<string, Schema> = {};
  const operations: Operation[] = [];
  const seen = new Set<string>();
  if (docs.length === 0) throw new SpecError(`${source}: no OpenAPI v3 documents found`);
  for (const doc of docs) {
    if (!isObject(doc) || typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) {
      throw new SpecError(`${source}: expected OpenAPI 3 documents ("openapi": "3.x")`);
    }
    const components = isObject(doc.components) ? doc.components : {};
    for (const [name, s] of Object.entries(isObject(components.schemas) ? components.schemas : {})) {
      if (!(name in schemas)) schemas[name] = normalizeSchema(s) as Schema;
    }
    forEachOperation(doc.paths, components.parameters, (path, method, op, params) => {
      const key = `${method} ${path}`;
      if (seen.has(key)) return;
      seen.add(key);
      const requestBody = isObject(op.requestBody) ? op.requestBody : {};
      const consumes = isObject(requestBody.content) ? Object.keys(requestBody.content) : [];
      const body = firstContentSchema(requestBody.content);
      const response = firstContentSchema(successResponse(op)?.content);
      const o = makeOperation(path, method, op, consumes, body, response, params);
      if (o) operations.push(o);
    });
  }
  quantityOnTheWire(schemas);
  return requireKubernetes({
    source,
    schemas: sortedSchemas(schemas),
    operations: sortOperations(operations),
  });
}

/** A parsed JSON document of either version → Spec. */
export function fromDocument(doc: unknown, source: string): Spec {
  if (isObject(doc) && doc.swagger === "2.0") return fromV2(doc, source);
  if (isObject(doc) && typeof doc.openapi === "string") return fromV3([doc], source);
  throw new SpecError(
    `${source} is not an OpenAPI document (no "swagger": "2.0" or "openapi": "3.x" field). ` +
      "Pass the swagger.json of a Kubernetes release or a directory of /openapi/v3 documents.",
  );
}

/** True for the /openapi/v3 discovery index: { paths: { "api/v1": { serverRelativeURL } } }. */
export function isV3Index(doc: unknown): doc is { paths: Record<string, { serverRelativeURL: string }> } {
  if (!isObject(doc) || !isObject(doc.paths) || "openapi" in doc || "swagger" in doc) return false;
  const values = Object.values(doc.paths);
  return values.length > 0 && values.every((v) => isObject(v) && typeof v.serverRelativeURL === "string");
}
