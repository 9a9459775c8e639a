// The I/O edge of CRD generation: CRD manifests from files, directories (recursively) or stdin, and
// the CRDs of a live cluster through the apiextensions API.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { RESTClient } from "@org/rest";
import yaml from "js-yaml";
import { type CrdDocument, CrdError } from "./spec.js";

const MANIFEST = /\.(ya?ml|json)$/i;
/** Kustomize's own file sits next to CRDs in operator repositories (config/crd/): not a manifest. */
const KUSTOMIZATION = /^kustomization\.ya?ml$/i;

/** The documents of one YAML or JSON text; a `kind: List` (or `*List`) contributes its items. */
export function parseManifests(text: string, file: string): CrdDocument[] {
  let docs: unknown[];
  try {
    // Not `json: true`: that makes a key given twice override the first (JSON.parse's way); kubectl
    // and the API server refuse it (sigs.k8s.io/yaml), so the generator does too.
    docs = yaml.loadAll(text, undefined, { filename: file });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number; position: number } };
    const at = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "";
    if (e.reason === "duplicated mapping key" && e.mark) {
      const n = documentAt(text, e.mark.line);
      const key = keyAt(text, e.mark.position);
      throw new CrdError(
        `${file}${n > 1 ? ` (document ${n})` : ""}: the key ${key === undefined ? "" : `${JSON.stringify(key)} `}is given twice in one mapping (line ${e.mark.line + 1}, column ${e.mark.column + 1}); kubectl and the API server refuse duplicate keys`,
      );
    }
    throw new CrdError(`${file}: invalid YAML${at}: ${e.reason ?? (err as Error).message}`);
  }
  const out: CrdDocument[] = [];
  docs.forEach((object, i) => {
    if (object === null || object === undefined) return; // an empty document ("---" at the end)
    const o = object as { apiVersion?: unknown; kind?: unknown; items?: unknown };
    if (typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
      // The API server's own list (GET .../customresourcedefinitions, saved with curl or
      // `kubectl get --raw`) has items without apiVersion and kind: they are the list's.
      const typed = o.kind !== "List" && typeof o.apiVersion === "string";
      const itemKind = { apiVersion: o.apiVersion, kind: o.kind.slice(0, -"List".length) };
      o.items.forEach((item, j) => {
        const object =
          typed && isPlainObject(item) && item.apiVersion === undefined && item.kind === undefined
            ? { ...itemKind, ...item }
            : item;
        out.push({ file, document: i + 1, item: j + 1, object });
      });
    } else out.push({ file, document: i + 1, object });
  });
  return out;
}

/** The 1-based number of the YAML document that holds 0-based `line` (documents start with "---" after content). */
function documentAt(text: string, line: number): number {
  let n = 1;
  let content = false;
  for (const l of text.split("\n").slice(0, line)) {
    if (/^---(\s|$)/.test(l)) {
      if (content) n++;
      content = /^---\s+[^\s#]/.test(l);
    } else if (/^\.\.\.(\s|$)/.test(l)) {
      if (content) n++;
      content = false;
    } else if (!/^\s*(#.*)?$/.test(l) && !l.startsWith("%")) content = true;
  }
  return n;
}

/** The mapping key written at `position` ("kind"; "c" of 'c' or "c"), when it can be read there. */
function keyAt(text: string, position: number): string | undefined {
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s:,{}[\]][^:,{}[\]\n]*?))\s*:/.exec(
    text.slice(position),
  );
  if (!m) return undefined;
  if (m[1] !== undefined) {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return m[1];
    }
  }
  return m[2] !== undefined ? m[2].replaceAll("''", "'") : m[3];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (MANIFEST.test(e.name) && !KUSTOMIZATION.test(e.name)) out.push(p);
  }
}

/**
 * The CRD documents of files and directories ("-": stdin, given as `stdin`). Directories are read
 * recursively (*.yaml, *.yml, *.json, in name order, without kustomization.yaml); files are named
 * relative to `cwd` in messages.
 */
export function readCrdFiles(paths: readonly string[], cwd: string, stdin?: () => string): CrdDocument[] {
  const out: CrdDocument[] = [];
  for (const p of paths) {
    if (p === "-") {
      if (!stdin) throw new CrdError("-: no standard input");
      const docs = parseManifests(stdin(), "-");
      if (docs.length === 0) throw new CrdError("-: no documents on standard input");
      out.push(...docs);
      continue;
    }
    const abs = resolve(cwd, p);
    let files: string[];
    try {
      files = statSync(abs).isDirectory() ? [] : [abs];
      if (files.length === 0) walk(abs, files);
    } catch {
      throw new CrdError(`${p}: no such file or directory`);
    }
    if (files.length === 0) throw new CrdError(`${p}: no *.yaml, *.yml or *.json files in the directory`);
    const before = out.length;
    for (const f of files) {
      const name = relative(cwd, f) || f;
      out.push(...parseManifests(readFileSync(f, "utf8"), name.startsWith("..") ? f : name));
    }
    if (out.length === before)
      throw new CrdError(
        `${p}: no documents (${files.length === 1 && files[0] === abs ? "the file is empty, only comments or an empty List" : "its files are empty"}); give the files of the CustomResourceDefinitions`,
      );
  }
  return out;
}

/**
 * The CRDs of a live cluster (GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions through
 * @org/rest, with its kubeconfig loader), only those of `groups` when given, sorted by name.
 */
export async function readClusterCrds(
  kubeconfig: { path?: string } = {},
  groups: readonly string[] = [],
): Promise<{ host: string; docs: CrdDocument[] }> {
  const rest = await import("@org/rest");
  let client: RESTClient;
  let host: string;
  try {
    const { config } = await rest.loadKubeconfig(
      kubeconfig.path !== undefined ? { path: kubeconfig.path } : {},
    );
    host = config.host;
    client = rest.RESTClient.forConfig(config);
  } catch (err) {
    throw new CrdError(`cannot load the kubeconfig for --from-cluster: ${(err as Error).message}`);
  }
  const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  const items: {
    metadata?: { name?: string };
    spec?: { group?: string };
    status?: { conditions?: { type?: string; status?: string }[] };
  }[] = [];
  let cont: string | undefined;
  try {
    do {
      const list = await client.request<{ items: typeof items; metadata?: { continue?: string } }>({
        method: "GET",
        path,
        query: { limit: "500", ...(cont ? { continue: cont } : {}) },
      });
      items.push(...list.items);
      cont = list.metadata?.continue || undefined;
    } while (cont);
  } catch (err) {
    throw new CrdError(`GET ${host}${path} failed: ${(err as Error).message}`);
  }
  // A CRD whose names another CRD of its group already has (NamesAccepted False) is not served:
  // the cluster's API has no such resource, so neither has the generated package.
  const served = items.filter(
    (c) => !c.status?.conditions?.some((x) => x.type === "NamesAccepted" && x.status === "False"),
  );
  const wanted = served
    .filter((c) => groups.length === 0 || groups.includes(c.spec?.group ?? ""))
    .sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1));
  const missing = groups.filter((g) => !wanted.some((c) => c.spec?.group === g));
  if (missing.length)
    throw new CrdError(`cluster ${host}: no CustomResourceDefinition of group ${missing.join(", ")}`);
  if (wanted.length === 0) throw new CrdError(`cluster ${host}: no CustomResourceDefinitions`);
  // A listed item has no apiVersion and kind of its own: they are the list's.
  return {
    host,
    docs: wanted.map((object) => ({
      file: `cluster ${host}`,
      document: 1,
      object: { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...object },
    })),
  };
}
