// Reads a kubeconfig file the way kubectl's decoder does (clientcmd.Load): the YAML becomes JSON as
// sigs.k8s.io/yaml makes it (yaml.ts: go-yaml v2's YAML 1.1 rules, merge keys, dates as strings), and
// the JSON is decoded into the typed v1 Config, case-sensitively, ignoring unknown fields. So, as in
// kubectl:
// - a value of the wrong JSON type is an error ("false" for a boolean, `args: [y]`, `server: 6443`),
//   null leaves a field unset;
// - base64 fields are Go's standard encoding (padded; only line breaks are ignored);
// - the same cluster, user or context name twice in one file is an error.
// - a file is UTF-8, or UTF-16 when it starts with a byte order mark (decodeKubeconfigBytes); other
//   bytes are an error, not U+FFFD.
// Messages name the file, the entry and the field, never a value (a value may be a secret).

import { ConfigError } from "./errors.js";
import type { Kubeconfig } from "./kubeconfig.js";
import { describeYamlError, type Fail, loadYAMLDocuments, setOwn, toJSONValue } from "./yaml.js";

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
      if (kept !== undefined) setOwn(out, k, kept);
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
        if (kept !== undefined) setOwn(out, k, kept);
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
    docs = loadYAMLDocuments(text, file);
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
      if (item.name === undefined) setOwn(item as Record<string, unknown>, "name", "");
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
