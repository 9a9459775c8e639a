// A custom resource as the API server decodes it with its CRD's structural schema (the version's
// openAPIV3Schema): fields the schema does not declare are pruned (unless the object is marked
// x-kubernetes-preserve-unknown-fields), a null in a field that is not nullable takes the field's
// default or goes, and a missing field with a default gets it, at every level (inside defaults too).
// The root's and embedded resources' apiVersion, kind and metadata are the server's own business.
// Then the object is validated against the schema's value constraints, with kube-openapi's messages.
import { isObject, type Obj, own, put } from "./resources.js";

/** The parts of a structural schema that pruning, defaulting and validation read. */
export interface StructuralSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema | boolean;
  default?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  maximum?: number;
  minimum?: number;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  maxProperties?: number;
  minProperties?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

const resourceFields = new Set(["apiVersion", "kind", "metadata"]);

function fieldSchema(s: StructuralSchema, field: string): StructuralSchema | undefined {
  if (s.properties !== undefined && Object.hasOwn(s.properties, field)) return s.properties[field];
  return isObject(s.additionalProperties) ? s.additionalProperties : undefined;
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
      put(o, k, structuredClone(fs.default));
    }
    pruned.push(...decodeValue(o[k], fs, at));
  }
  for (const [k, fs] of Object.entries(s.properties ?? {})) {
    if (own(o, k) !== undefined || fs.default === undefined) continue;
    put(o, k, structuredClone(fs.default));
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

/** One 422 cause (as the server's Status carries it). */
export interface SchemaCause {
  reason: string;
  message: string;
  field: string;
}

/** The JSON type kube-openapi names in "must be of type" messages. */
function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function fitsType(v: unknown, type: StructuralSchema["type"]): boolean {
  const t = typeName(v);
  return type === undefined || t === type || (type === "number" && t === "integer");
}

const formats: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/,
  date: /^\d{4}-\d\d-\d\d$/,
  uuid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
};

/** A value as field.Error prints it: strings quoted, numbers and booleans plain. */
function shown(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function invalid(path: string, v: unknown, detail: string): SchemaCause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${shown(v)}: ${path} in body ${detail}`,
    field: path,
  };
}

function validateValue(v: unknown, s: StructuralSchema, path: string, out: SchemaCause[]): void {
  if (v === null && s.nullable) return;
  if (!fitsType(v, s.type)) {
    const t = typeName(v);
    out.push({
      reason: "FieldValueTypeInvalid",
      message: `Invalid value: "${t}": ${path} in body must be of type ${s.type}: "${t}"`,
      field: path,
    });
    if (s.type === "integer" && t === "number") {
      out.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "": Checked value must be of type integer (default format) in ${path}`,
        field: "<nil>",
      });
    }
    return;
  }
  if (typeof v === "string") {
    const format =
      s.format === undefined || !Object.hasOwn(formats, s.format) ? undefined : formats[s.format];
    if (format !== undefined && !format.test(v)) {
      out.push({
        reason: "FieldValueTypeInvalid",
        message: `Invalid value: ${shown(v)}: ${path} in body must be of type ${s.format}: ${shown(v)}`,
        field: path,
      });
    }
    if (s.maxLength !== undefined && [...v].length > s.maxLength) {
      out.push({
        reason: "FieldValueTooLong",
        message: `Too long: may not be more than ${s.maxLength} bytes`,
        field: path,
      });
    }
    if (s.minLength !== undefined && [...v].length < s.minLength)
      out.push(invalid(path, v, `should be at least ${s.minLength} chars long`));
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(v))
      out.push(invalid(path, v, `should match '${s.pattern}'`));
  }
  if (typeof v === "number") {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum))
      out.push(
        invalid(path, v, `should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`),
      );
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum))
      out.push(
        invalid(path, v, `should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`),
      );
    if (s.multipleOf !== undefined && !Number.isInteger(v / s.multipleOf))
      out.push(invalid(path, v, `should be a multiple of ${s.multipleOf}`));
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      const items = s.maxItems === 1 ? "item" : "items";
      out.push({
        reason: "FieldValueTooMany",
        message: `Too many: ${v.length}: must have at most ${s.maxItems} ${items}`,
        field: path,
      });
    }
    if (s.minItems !== undefined && v.length < s.minItems)
      out.push(invalid(path, v.length, `should have at least ${s.minItems} items`));
    const items = s.items;
    if (items !== undefined) for (const [i, x] of v.entries()) validateValue(x, items, `${path}[${i}]`, out);
  }
  if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({
      reason: "FieldValueNotSupported",
      // Each supported value printed with %v, then quoted.
      message: `Unsupported value: ${shown(v)}: supported values: ${s.enum.map((e) => JSON.stringify(typeof e === "string" ? e : JSON.stringify(e))).join(", ")}`,
      field: path,
    });
  }
  if (isObject(v)) validateObject(v, s, false, path, out);
}

function validateObject(
  o: Obj,
  s: StructuralSchema,
  resource: boolean,
  path: string,
  out: SchemaCause[],
): void {
  const n = Object.keys(o).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) {
    const items = s.maxProperties === 1 ? "item" : "items";
    out.push({
      reason: "FieldValueTooMany",
      message: `Too many: ${n}: must have at most ${s.maxProperties} ${items}`,
      field: path,
    });
  }
  if (s.minProperties !== undefined && n < s.minProperties)
    out.push(invalid(path, n, `should have at least ${s.minProperties} properties`));
  for (const [k, v] of Object.entries(o)) {
    if (resource && resourceFields.has(k)) continue;
    const fs = fieldSchema(s, k);
    if (fs !== undefined) validateValue(v, fs, path === "" ? k : `${path}.${k}`, out);
  }
  for (const k of s.required ?? []) {
    if (own(o, k) === undefined)
      out.push({
        reason: "FieldValueRequired",
        message: "Required value",
        field: path === "" ? k : `${path}.${k}`,
      });
  }
}

/**
 * The schema's 422 causes for a custom resource (after pruning and defaulting). On an update, a
 * field whose value is the old one's is not refused again (the server's validation ratcheting).
 * Properties are checked in the object's order, then `required`: the server walks them in Go's
 * map order, which varies from request to request.
 */
export function validateCustomResource(
  o: Obj,
  schema: StructuralSchema | undefined,
  old?: Obj,
): SchemaCause[] {
  if (schema === undefined) return [];
  const out: SchemaCause[] = [];
  validateObject(o, schema, true, "", out);
  if (old === undefined) return out;
  return out.filter((c) => c.field === "<nil>" || !ratchets(o, old, c.field));
}

/** Whether the value at a cause's path is the same in the new and the old object. */
function ratchets(o: Obj, old: Obj, field: string): boolean {
  const at = (root: unknown) => {
    let cur: unknown = root;
    for (const part of field.match(/[^.[\]]+/g) ?? []) {
      if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
      else if (isObject(cur)) cur = own(cur, part);
      else return undefined;
    }
    return cur;
  };
  const now = at(o);
  return now !== undefined && JSON.stringify(now) === JSON.stringify(at(old));
}
