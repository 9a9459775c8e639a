// Reads a kubeconfig file the way kubectl's decoder does (clientcmd.Load): the YAML becomes JSON with
// go-yaml v2's YAML 1.1 rules (sigs.k8s.io/yaml), and the JSON is decoded into the typed v1 Config,
// case-sensitively, ignoring unknown fields. So, as in kubectl:
// - unquoted y/n/yes/no/on/off/true/false (in their spellings) are booleans, 0x1F, 0o17, 017, 1_000,
//   1e3 and .5 are numbers, ~/null/empty are null, dates stay strings;
// - a value of the wrong JSON type is an error ("false" for a boolean, `args: [y]`, `server: 6443`),
//   null leaves a field unset;
// - merge keys (`<<: *anchor`) apply in order: a merge overwrites the keys before it, later keys
//   overwrite the merge (go-yaml v2); a duplicate key keeps the last value;
// - base64 fields are Go's standard encoding (padded; only line breaks are ignored);
// - the same cluster, user or context name twice in one file is an error.
// - a file is UTF-8, or UTF-16 when it starts with a byte order mark (decodeKubeconfigBytes); other
//   bytes are an error, not U+FFFD.
// Messages name the file, the entry and the field, never a value (a value may be a secret).

import yaml from "js-yaml";
import { ConfigError } from "./errors.js";
import type { Kubeconfig } from "./kubeconfig.js";

/** A kubeconfig that cannot be used: says which file and entry, and what to do. Never holds a secret. */
export class KubeconfigError extends ConfigError {
  override name = "KubeconfigError";
  /** The kubeconfig files concerned. */
  readonly files: string[];
  /** The entry: `cluster "prod"`, `user "ann"`, `context "dev"`, or a top-level field. */
  readonly entry?: string;
  constructor(message: string, files: string[], entry?: string) {
    super(message);
    this.files = files;
    if (entry !== undefined) this.entry = entry;
  }
}

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

function describeYamlError(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number } };
  if (e.reason && e.mark)
    return `${e.reason} at line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1}`;
  return "it is not valid YAML";
}

/** Reports what is wrong with the value at a field path ("users[0].user.token"). */
type Fail = (at: string, why: string) => never;

/**
 * The YAML as the JSON kubectl decodes: merge keys applied in go-yaml v2's order, and NaN or infinite
 * numbers refused (JSON has none; kubectl fails on them anywhere in the file). Aliases share one result.
 */
function toJSONValue(v: unknown, at: string, fail: Fail, memo = new Map<object, unknown>()): unknown {
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
      set(out, k, value);
      continue;
    }
    const sources = Array.isArray(value) ? [...value].reverse() : [value];
    for (const src of sources) {
      if (!src || typeof src !== "object" || Array.isArray(src))
        fail(
          at ? `${at}.<<` : "<<",
          "is a merge key whose value is not a mapping or a list of mappings; fix the alias it points to",
        );
      for (const [mk, mx] of Object.entries(src)) set(out, mk, mx);
    }
  }
  return out;
}

function set(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

// ---- the typed v1 Config ---------------------------------------------------------------------------

type FieldType =
  | "string"
  | "bool"
  | "bytes"
  | "strings"
  | "stringMap"
  | "stringsMap"
  | "any"
  | { object: Fields }
  | { list: Fields };
interface Fields {
  [field: string]: FieldType;
}

const extensions: FieldType = { list: { name: "string", extension: "any" } };
const clusterFields: Fields = {
  server: "string",
  "tls-server-name": "string",
  "insecure-skip-tls-verify": "bool",
  "certificate-authority": "string",
  "certificate-authority-data": "bytes",
  "proxy-url": "string",
  "disable-compression": "bool",
  extensions,
};
const userFields: Fields = {
  "client-certificate": "string",
  "client-certificate-data": "bytes",
  "client-key": "string",
  "client-key-data": "bytes",
  token: "string",
  tokenFile: "string",
  as: "string",
  "as-uid": "string",
  "as-groups": "strings",
  "as-user-extra": "stringsMap",
  username: "string",
  password: "string",
  "auth-provider": { object: { name: "string", config: "stringMap" } },
  exec: {
    object: {
      command: "string",
      args: "strings",
      env: { list: { name: "string", value: "string" } },
      apiVersion: "string",
      installHint: "string",
      provideClusterInfo: "bool",
      interactiveMode: "string",
    },
  },
  extensions,
};
const contextFields: Fields = { cluster: "string", user: "string", namespace: "string", extensions };
const configFields: Fields = {
  apiVersion: "string",
  kind: "string",
  "current-context": "string",
  preferences: { object: { colors: "bool", extensions } },
  clusters: { list: { name: "string", cluster: { object: clusterFields } } },
  users: { list: { name: "string", user: { object: userFields } } },
  contexts: { list: { name: "string", context: { object: contextFields } } },
  extensions,
};

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number") return "a number";
  return "a string";
}

const wanted: Record<string, string> = {
  string: "a string",
  bool: "a boolean (true or false, unquoted)",
  bytes: "a base64 string",
  strings: "a list of strings",
  stringMap: "a mapping of strings",
  stringsMap: "a mapping of lists of strings",
  any: "anything",
};

function typeHint(v: unknown, want: string): string {
  if (typeof v === "boolean" && want !== "bool")
    return "; YAML 1.1, which kubectl reads, takes unquoted y, n, yes, no, on, off, true and false as booleans: quote the value";
  if (typeof v === "number") return "; quote the value to make it a string";
  if (typeof v === "string" && want === "bool") return "; write true or false without quotes";
  return "";
}

/** Go's base64.StdEncoding as encoding/json uses it for []byte: padded, line breaks ignored. */
function isGoBase64(s: string): boolean {
  const clean = s.replace(/[\r\n]/g, "");
  return clean.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(clean);
}

/** Checks `v` against `type`; `at` is the field path in messages. Returns the value to keep (null → undefined). */
function check(v: unknown, type: FieldType, at: string, fail: Fail): unknown {
  if (v === null || v === undefined) return undefined;
  const mismatch = (want: string, hintFor: string) =>
    fail(at, `must be ${want}, but it is ${jsonType(v)}${typeHint(v, hintFor)}`);
  if (typeof type === "object") {
    if ("list" in type) {
      if (!Array.isArray(v)) mismatch("a list", "list");
      return (v as unknown[]).map((x, i) => check(x, { object: type.list }, `${at}[${i}]`, fail) ?? {});
    }
    if (typeof v !== "object" || Array.isArray(v)) mismatch("a mapping", "object");
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) {
      const ft = type.object[k];
      if (ft === undefined) continue; // unknown fields are ignored, as kubectl does
      const kept = check(x, ft, at ? `${at}.${k}` : k, fail);
      if (kept !== undefined) set(out, k, kept);
    }
    return out;
  }
  switch (type) {
    case "any":
      return v;
    case "string":
      if (typeof v !== "string") mismatch(wanted.string!, "string");
      return v;
    case "bool":
      if (typeof v !== "boolean") mismatch(wanted.bool!, "bool");
      return v;
    case "bytes":
      if (typeof v !== "string") mismatch(wanted.bytes!, "bytes");
      if (!isGoBase64(v as string))
        fail(
          at,
          "is not valid base64 (padded standard base64 on one line, or with line breaks only); " +
            "paste the output of base64 -w0 FILE",
        );
      return v;
    case "strings":
      if (!Array.isArray(v)) mismatch(wanted.strings!, "strings");
      return (v as unknown[]).map((x, i) => check(x, "string", `${at}[${i}]`, fail) ?? "");
    case "stringMap":
    case "stringsMap": {
      if (typeof v !== "object" || Array.isArray(v)) mismatch(wanted[type]!, type);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as object)) {
        const kept = check(x, type === "stringMap" ? "string" : "strings", `${at}.${k}`, fail);
        if (kept !== undefined) set(out, k, kept);
      }
      return out;
    }
  }
}

/**
 * A kubeconfig file's bytes as text, read as go-yaml reads them: UTF-16 (little or big endian) when
 * the file starts with its byte order mark (Windows PowerShell 5.1 writes `kubectl config view >
 * file` so), else UTF-8 (a UTF-8 byte order mark is skipped). Bytes that are not valid in that
 * encoding are an error, as in kubectl, instead of being replaced by U+FFFD.
 */
export function decodeKubeconfigBytes(bytes: Uint8Array, file: string): string {
  let encoding = "utf-8";
  let body = bytes;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = "utf-16le";
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = "utf-16be";
  else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) body = bytes.subarray(3);
  let text: string;
  try {
    // The decoder drops the byte order mark.
    text = new TextDecoder(encoding, { fatal: true }).decode(body);
  } catch {
    const what =
      encoding === "utf-8" ? "UTF-8" : `${encoding.toUpperCase()} (it starts with that byte order mark)`;
    throw new KubeconfigError(
      `kubeconfig ${file} is not valid ${what} text, which kubectl refuses too; save it as UTF-8`,
      [file],
    );
  }
  if (text.includes("\0"))
    throw new KubeconfigError(
      `kubeconfig ${file} contains NUL bytes, which kubectl refuses; it looks like UTF-16 without a byte order mark: save it as UTF-8`,
      [file],
    );
  return text;
}

const listEntry = { clusters: "cluster", users: "user", contexts: "context" } as const;

/**
 * Parses one kubeconfig document as kubectl does (see the top of this module); `file` is used in
 * messages. Throws a KubeconfigError naming the file and the entry.
 */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { filename: file, schema: goYamlSchema, json: true });
  } catch (err) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not valid YAML (${describeYamlError(err)}); fix the file or point KUBECONFIG elsewhere`,
      [file],
    );
  }
  // Like go-yaml, only the first document counts.
  const doc = docs[0];
  // The entry a field path belongs to: `user "ann"` for users[0].user.token.
  const entryOf = (at: string): string => {
    const m = /^(clusters|users|contexts)\[(\d+)\]/.exec(at);
    if (!m) return at.split(/[.[]/)[0]!;
    const list = (doc as Record<string, unknown>)[m[1]!] as unknown[];
    const name = (list[Number(m[2])] as { name?: unknown } | null)?.name;
    const what = listEntry[m[1] as keyof typeof listEntry];
    return typeof name === "string" ? `${what} ${JSON.stringify(name)}` : `${m[1]}[${m[2]}]`;
  };
  const fail: Fail = (at, why) => {
    const entry = entryOf(at);
    const named = /^(cluster|user|context) "/.test(entry) ? `${entry}: ` : "";
    throw new KubeconfigError(`kubeconfig ${file}: ${named}${at} ${why}`, [file], entry);
  };
  const json = toJSONValue(doc, "", fail);
  if (json === undefined || json === null) return {};
  if (typeof json !== "object" || Array.isArray(json)) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not a YAML mapping; it should be a kind: Config document`,
      [file],
    );
  }
  const kc = check(json, { object: configFields }, "", fail) as Kubeconfig;

  if (kc.apiVersion && kc.apiVersion !== "v1")
    throw new KubeconfigError(
      `kubeconfig ${file} has apiVersion ${JSON.stringify(kc.apiVersion)}; kubeconfig files are apiVersion: v1`,
      [file],
      "apiVersion",
    );
  if (kc.kind && kc.kind !== "Config")
    throw new KubeconfigError(
      `kubeconfig ${file} has kind ${JSON.stringify(kc.kind)}; a kubeconfig is kind: Config (is this the right file?)`,
      [file],
      "kind",
    );
  for (const key of ["clusters", "users", "contexts"] as const) {
    const seen = new Map<string, number>();
    for (const [i, item] of ((kc[key] ?? []) as { name?: string }[]).entries()) {
      const what = listEntry[key];
      // Like kubectl, an entry without a name is the one named "": what an empty reference (no
      // current-context, a context without cluster or user) resolves to.
      if (item.name === undefined) set(item as Record<string, unknown>, "name", "");
      const name = item.name as string;
      const first = seen.get(name);
      if (first !== undefined) {
        const entry = name ? `${what} ${JSON.stringify(name)}` : `${key}[${i}]`;
        const both = `${key}[${first}] and ${key}[${i}]`;
        throw new KubeconfigError(
          name
            ? `kubeconfig ${file}: ${entry} is defined twice (${both}), which kubectl refuses; remove one or rename it`
            : `kubeconfig ${file}: ${both} both have no name (two ${what}s named ""), which kubectl refuses; give every ${what} a name`,
          [file],
          entry,
        );
      }
      seen.set(name, i);
    }
  }
  return kc;
}
