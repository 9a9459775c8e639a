// The I/O edge of CRD generation: CRD manifests from files, directories (recursively) or stdin, and
// the CRDs of a live cluster through the apiextensions API.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseYAMLDocuments, type RESTClient, YAMLError } from "@org/rest";
import { type CrdDocument, CrdError } from "./spec.js";

const MANIFEST = /\.(ya?ml|json)$/i;
/** Kustomize's own file sits next to CRDs in operator repositories (config/crd/): not a manifest. */
const KUSTOMIZATION = /^kustomization\.ya?ml$/i;

/**
 * The documents of one YAML or JSON text; a `kind: List` (or `*List`) contributes its items. Read as
 * kubectl reads a manifest (@org/rest's parseYAMLDocuments: YAML 1.1 as go-yaml v2 resolves it, so
 * `yes`/`on`/`y` are booleans and `0644` is octal; a key given twice keeps its last value).
 */
export function parseManifests(text: string, file: string): CrdDocument[] {
  const out: CrdDocument[] = [];
  parseDocuments(text, file).forEach((object, i) => {
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

/**
 * parseYAMLDocuments' documents, its YAMLError a CrdError. JSON is read as YAML too (kubectl reads
 * both with one decoder), but a JSON file that fails is not called invalid YAML: JSON.parse says why.
 */
function parseDocuments(text: string, file: string): unknown[] {
  try {
    return parseYAMLDocuments(text, file);
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    if (!/\.json$/i.test(file) && !text.trimStart().startsWith("{")) throw new CrdError(err.message);
    try {
      // JSON that YAML could not read: kubectl decodes a text that starts with "{" as JSON.
      return [JSON.parse(text)];
    } catch (jsonErr) {
      throw new CrdError(`${file} is not valid JSON: ${(jsonErr as Error).message}`);
    }
  }
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
