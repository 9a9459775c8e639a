// YAML as kubectl reads it (sigs.k8s.io/yaml): go-yaml v2's YAML 1.1 rules, then JSON. So, as in
// kubectl: unquoted y/n/yes/no/on/off/true/false (in their spellings) are booleans; 0x1F, 0o17, 017
// (octal, so a file mode 0644 is 420), 1_000, 1e3 and .5 are numbers; ~/null/empty are null; dates
// stay strings; merge keys (`<<: *anchor`) apply in go-yaml v2's order; a duplicate key keeps the
// last value; .nan and .inf are refused (JSON has neither). kubeconfig files and manifests are read
// with it.

import yaml from "js-yaml";

// ---- YAML 1.1 scalars as go-yaml v2 resolves them --------------------------------------------------

const yamlBools = new Map<string, boolean>();
for (const s of "y Y yes Yes YES on On ON true True TRUE".split(" ")) yamlBools.set(s, true);
for (const s of "n N no No NO off Off OFF false False FALSE".split(" ")) yamlBools.set(s, false);
const yamlNulls = new Set(["", "~", "null", "Null", "NULL"]);
const yamlSpecialFloats = new Map<string, number>();
for (const s of ".inf .Inf .INF +.inf +.Inf +.INF".split(" ")) yamlSpecialFloats.set(s, Infinity);
for (const s of "-.inf -.Inf -.INF".split(" ")) yamlSpecialFloats.set(s, -Infinity);
for (const s of ".nan .NaN .NAN".split(" ")) yamlSpecialFloats.set(s, Number.NaN);
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64): the integer, or undefined. */
function goInteger(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2]!;
  const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits;
  const n = BigInt(body) * (m[1] === "-" ? -1n : 1n);
  const fits = (n >= -(2n ** 63n) && n < 2n ** 63n) || (m[1] === "" && n >= 0n && n < 2n ** 64n);
  return fits ? Number(n) : undefined;
}

/** What go-yaml v2 makes of a plain (unquoted, untagged) scalar. */
function resolvePlain(s: string): null | boolean | number | string {
  if (yamlNulls.has(s)) return null;
  const b = yamlBools.get(s);
  if (b !== undefined) return b;
  const f = yamlSpecialFloats.get(s);
  if (f !== undefined) return f;
  if (!/^[-+0-9.]/.test(s)) return s;
  const plain = s.replaceAll("_", "");
  const i = goInteger(plain);
  if (i !== undefined) return i;
  if (yamlStyleFloat.test(plain)) {
    const x = Number(plain);
    if (Number.isFinite(x)) return x; // Go's ParseFloat fails out of range: the scalar stays a string
  }
  return s;
}

const scalarOf =
  (want: "null" | "boolean" | "number") =>
  (data: string | null): boolean => {
    const v = resolvePlain(data ?? "");
    return want === "null" ? v === null : typeof v === want;
  };

const goTag = (name: string) => `tag:yaml.org,2002:${name}`;
const implicitTypes = [
  new yaml.Type(goTag("null"), {
    kind: "scalar",
    resolve: scalarOf("null"),
    construct: () => null,
  }),
  new yaml.Type(goTag("bool"), {
    kind: "scalar",
    resolve: scalarOf("boolean"),
    construct: (d: string) => resolvePlain(d),
  }),
  new yaml.Type(goTag("int"), {
    kind: "scalar",
    resolve: (d: string | null) =>
      d !== null && /^[-+0-9]/.test(d) && goInteger(d.replaceAll("_", "")) !== undefined,
    construct: (d: string) => resolvePlain(d),
  }),
  new yaml.Type(goTag("float"), {
    kind: "scalar",
    resolve: scalarOf("number"),
    construct: (d: string) => resolvePlain(d),
  }),
];
// `!!binary` is decoded to a string; any other tag (`!foo`, `!!foo`) is ignored, as go-yaml v2 does.
const explicitTypes = [
  new yaml.Type(goTag("binary"), {
    kind: "scalar",
    resolve: (d: string | null) => d !== null && /^[A-Za-z0-9+/=\s]*$/.test(d),
    construct: (d: string) => Buffer.from(d.replace(/\s+/g, ""), "base64").toString("utf8"),
  }),
  ...["!", goTag("")].flatMap((prefix) =>
    (["scalar", "sequence", "mapping"] as const).map(
      (kind) => new yaml.Type(prefix, { kind, multi: true, construct: (d: unknown) => d ?? "" }),
    ),
  ),
];
const goYamlSchema = yaml.FAILSAFE_SCHEMA.extend({ implicit: implicitTypes, explicit: explicitTypes });

export function describeYamlError(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number } };
  if (e.reason && e.mark)
    return `${e.reason} at line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1}`;
  return "it is not valid YAML";
}

/** Reports what is wrong with the value at a field path ("users[0].user.token"). */
export type Fail = (at: string, why: string) => never;

/**
 * The YAML as the JSON kubectl decodes: merge keys applied in go-yaml v2's order, and NaN or infinite
 * numbers refused (JSON has none; kubectl fails on them anywhere in the file). Aliases share one result.
 */
export function toJSONValue(v: unknown, at: string, fail: Fail, memo = new Map<object, unknown>()): unknown {
  if (typeof v === "number") {
    if (!Number.isFinite(v))
      fail(at, "is .nan or .inf, which JSON (and so kubectl) cannot hold; quote the value or remove it");
    return v;
  }
  if (v === null || typeof v !== "object") return v;
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const [i, x] of v.entries()) out.push(toJSONValue(x, `${at}[${i}]`, fail, memo));
    return out;
  }
  const out: Record<string, unknown> = {};
  memo.set(v, out);
  for (const [k, x] of Object.entries(v)) {
    const value = toJSONValue(x, at ? `${at}.${k}` : k, fail, memo);
    if (k !== "<<") {
      setOwn(out, k, value);
      continue;
    }
    const sources = Array.isArray(value) ? [...value].reverse() : [value];
    for (const src of sources) {
      if (!src || typeof src !== "object" || Array.isArray(src))
        fail(
          at ? `${at}.<<` : "<<",
          "is a merge key whose value is not a mapping or a list of mappings; fix the alias it points to",
        );
      for (const [mk, mx] of Object.entries(src)) setOwn(out, mk, mx);
    }
  }
  return out;
}

/** Sets an own property, even one named __proto__ (as a JSON decoder does). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The documents of a YAML file with go-yaml v2's scalars, before toJSONValue; throws js-yaml's error. */
export function loadYAMLDocuments(text: string, file: string): unknown[] {
  return yaml.loadAll(text, undefined, { filename: file, schema: goYamlSchema, json: true });
}

/** A YAML file that cannot be read as kubectl reads it: names the file, and the document and field. */
export class YAMLError extends Error {
  override name = "YAMLError";
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/**
 * Every document of a YAML file (a manifest: `---` between documents) as the JSON value kubectl
 * decodes from it; an empty document is null. `file` names the file in errors (YAMLError).
 */
export function parseYAMLDocuments(text: string, file: string): unknown[] {
  let docs: unknown[];
  try {
    docs = loadYAMLDocuments(text, file);
  } catch (err) {
    throw new YAMLError(`${file} is not valid YAML: ${describeYamlError(err)}`, file);
  }
  return docs.map((doc, i) =>
    toJSONValue(doc, "", (at, why) => {
      throw new YAMLError(`${file}, document ${i + 1}: ${at || "the document"} ${why}`, file);
    }),
  );
}
