// A custom resource as the API server decodes it with its CRD's structural schema (the version's
// openAPIV3Schema): fields the schema does not declare are pruned (unless the object is marked
// x-kubernetes-preserve-unknown-fields), a null in a field that is not nullable takes the field's
// default or goes, and a missing field with a default gets it, at every level (inside defaults too).
// The root's and embedded resources' apiVersion, kind and metadata are the server's own business.
import { isObject, type Obj } from "./resources.js";

/** The parts of a structural schema that pruning and defaulting read. */
export interface StructuralSchema {
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema | boolean;
  default?: unknown;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

const resourceFields = new Set(["apiVersion", "kind", "metadata"]);

function fieldSchema(s: StructuralSchema, field: string): StructuralSchema | undefined {
  return s.properties?.[field] ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
}

/** Decodes `o` in place; returns the paths of the fields it pruned. */
function decodeObject(o: Obj, s: StructuralSchema, resource: boolean, path: string): string[] {
  const pruned: string[] = [];
  for (const k of Object.keys(o)) {
    if (resource && resourceFields.has(k)) continue;
    const fs = fieldSchema(s, k);
    const at = path === "" ? k : `${path}.${k}`;
    if (fs === undefined) {
      if (!s["x-kubernetes-preserve-unknown-fields"] && s.additionalProperties !== true) {
        delete o[k];
        pruned.push(at);
      }
      continue;
    }
    if (o[k] === null && !fs.nullable) {
      if (fs.default === undefined) {
        delete o[k];
        continue;
      }
      o[k] = structuredClone(fs.default);
    }
    pruned.push(...decodeValue(o[k], fs, at));
  }
  for (const [k, fs] of Object.entries(s.properties ?? {})) {
    if (o[k] !== undefined || fs.default === undefined) continue;
    o[k] = structuredClone(fs.default);
    decodeValue(o[k], fs, path === "" ? k : `${path}.${k}`);
  }
  return pruned;
}

function decodeValue(v: unknown, s: StructuralSchema, path: string): string[] {
  if (Array.isArray(v)) {
    const items = s.items;
    return items === undefined ? [] : v.flatMap((item, i) => decodeValue(item, items, `${path}[${i}]`));
  }
  return isObject(v) ? decodeObject(v, s, s["x-kubernetes-embedded-resource"] === true, path) : [];
}

/**
 * Prunes and defaults a custom resource in place, as the server decodes a request's object; returns
 * the paths of the unknown fields it pruned ("spec.ports[0].bogus").
 */
export function decodeCustomResource(o: Obj, schema: StructuralSchema | undefined): string[] {
  return schema === undefined ? [] : decodeObject(o, schema, true, "");
}
