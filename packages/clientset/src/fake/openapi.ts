// /openapi/v2 and /openapi/v3 of the served fake, from a Swagger 2 document (the spec the codegen
// read): v2 as it is; v3 as the server splits it, one document per group-version (paths under
// /api/v1 or /apis/<group>/<version>, with every schema) behind an index of serverRelativeURLs.
import { createHash } from "node:crypto";

// biome-ignore lint/suspicious/noExplicitAny: raw OpenAPI documents
type Raw = Record<string, any>;

function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v === null || typeof v !== "object") return v;
  const out: Raw = {};
  for (const [k, x] of Object.entries(v as Raw)) {
    out[k] =
      k === "$ref" && typeof x === "string"
        ? x.replace("#/definitions/", "#/components/schemas/")
        : rewriteRefs(x);
  }
  return out;
}

function v3Operation(op: Raw, consumes: string[], produces: string[]): Raw {
  const out: Raw = { ...op };
  delete out.consumes;
  delete out.produces;
  delete out.schemes;
  const params: Raw[] = [];
  for (const p of (op.parameters ?? []) as Raw[]) {
    if (p.in === "body") {
      const content: Raw = {};
      for (const ct of op.consumes ?? consumes) content[ct] = { schema: rewriteRefs(p.schema) };
      out.requestBody = { content, required: p.required === true };
    } else params.push(v3Parameter(p));
  }
  if (params.length > 0) out.parameters = params;
  else delete out.parameters;
  const responses: Raw = {};
  for (const [code, r] of Object.entries((op.responses ?? {}) as Raw)) {
    const resp: Raw = { description: r.description ?? "" };
    if (r.schema !== undefined) {
      resp.content = {};
      for (const ct of op.produces ?? produces) resp.content[ct] = { schema: rewriteRefs(r.schema) };
    }
    responses[code] = resp;
  }
  out.responses = responses;
  return out;
}

function v3Parameter(p: Raw): Raw {
  const { type, uniqueItems, items, format, ...rest } = p;
  const schema: Raw = {};
  if (type !== undefined) schema.type = type;
  if (uniqueItems !== undefined) schema.uniqueItems = uniqueItems;
  if (items !== undefined) schema.items = items;
  if (format !== undefined) schema.format = format;
  return Object.keys(schema).length > 0 ? { ...rest, schema } : rest;
}

function gvOfPath(path: string): string | undefined {
  const m = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\//.exec(`${path}/`);
  return m?.[1];
}

/** A handler for /openapi/* paths over one Swagger 2 document. */
export function openapiHandler(v2: unknown): (path: string) => unknown {
  const doc = v2 as Raw;
  const byGV = new Map<string, Raw>();
  const schemas = rewriteRefs(doc.definitions ?? {});
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Raw)) {
    const gv = gvOfPath(path);
    if (gv === undefined) continue;
    let d = byGV.get(gv);
    if (d === undefined) {
      d = {
        openapi: "3.0.0",
        info: doc.info ?? { title: "Kubernetes", version: "unversioned" },
        paths: {},
        components: { schemas },
      };
      byGV.set(gv, d);
    }
    const converted: Raw = {};
    for (const [method, op] of Object.entries(item as Raw)) {
      if (method === "parameters") converted.parameters = (op as Raw[]).map(v3Parameter);
      else
        converted[method] = v3Operation(
          op as Raw,
          doc.consumes ?? ["application/json"],
          doc.produces ?? ["application/json"],
        );
    }
    d.paths[path] = converted;
  }
  const hashes = new Map<string, string>();
  for (const [gv, d] of byGV)
    hashes.set(gv, createHash("sha512").update(JSON.stringify(d)).digest("hex").slice(0, 128));
  return (path) => {
    if (path === "/openapi/v2") return doc;
    if (path === "/openapi/v3") {
      const paths: Raw = {};
      for (const gv of [...byGV.keys()].sort())
        paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashes.get(gv)}` };
      return { paths };
    }
    const gv = path.replace(/^\/openapi\/v3\//, "");
    return byGV.get(gv);
  };
}
