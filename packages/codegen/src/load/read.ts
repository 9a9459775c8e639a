// The I/O edge of the load stage: find and read a spec (file, directory, URL, live cluster) and hand
// the parsed documents to the pure normalizers.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { RESTClient } from "@org/rest";
import { fromDocument, fromV3, isV3Index } from "./normalize.js";
import { type Spec, SpecError } from "./spec.js";

export type SpecInput =
  | { kind: "path"; path: string }
  | { kind: "url"; url: string }
  | {
      kind: "cluster";
      /** An explicit kubeconfig file (kubectl's --kubeconfig); without it, kubectl's loading rules. */
      kubeconfig?: string;
      /** The KUBECONFIG path list those rules load (default: this process's KUBECONFIG). */
      kubeconfigList?: string;
    };

/** The directory of the repository root (the package.json with "workspaces") above `from`. */
export function findRepoRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ("workspaces" in JSON.parse(readFileSync(pkg, "utf8"))) return dir;
      } catch {
        // not JSON: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The newest `kubernetes-1.N.swagger.json` in `dir`, or undefined. */
export function newestSnapshot(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  const versions = files
    .map((f) => /^kubernetes-(\d+)\.(\d+)\.swagger\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]));
  return versions[0] ? join(dir, versions[0][0]) : undefined;
}

/**
 * Where `npm run generate -- --spec …|--from-cluster …` records the chosen input (a SpecInput as
 * JSON, git-ignored, part of turbo's hash), so that later builds generate from the same input.
 */
export const SAVED_SPEC_FILE = ".codegen-spec";

function savedSpecInput(root: string): SpecInput | undefined {
  const file = join(root, SAVED_SPEC_FILE);
  if (!existsSync(file)) return undefined;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    saved = undefined;
  }
  const kind = (saved as { kind?: unknown } | undefined)?.kind;
  if (kind !== "path" && kind !== "url" && kind !== "cluster") {
    throw new SpecError(`${file} is not a saved spec choice; delete it or run \`npm run generate\` again`);
  }
  return saved as SpecInput;
}

/**
 * The default input: $ORG_CODEGEN_SPEC, else the input saved by the last `npm run generate -- …`
 * (<repo root>/.codegen-spec), else the newest snapshot in <repo root>/../shared/openapi.
 */
export function defaultSpecInput(cwd = process.cwd(), env = process.env): SpecInput {
  const fromEnv = env.ORG_CODEGEN_SPEC;
  if (fromEnv) return parseSpecArgument(fromEnv);
  const root = findRepoRoot(cwd) ?? findRepoRoot(import.meta.dirname);
  const saved = root ? savedSpecInput(root) : undefined;
  if (saved) return saved;
  const dir = root ? join(root, "..", "shared", "openapi") : undefined;
  const file = dir ? newestSnapshot(dir) : undefined;
  if (!file) {
    throw new SpecError(
      `no spec given and no kubernetes-1.N.swagger.json found in ${dir ?? "../shared/openapi"}; ` +
        "pass --spec <file|dir|url>, --from-cluster, or set ORG_CODEGEN_SPEC",
    );
  }
  return { kind: "path", path: file };
}

export function parseSpecArgument(arg: string): SpecInput {
  if (/^https?:\/\//i.test(arg)) return { kind: "url", url: arg };
  return { kind: "path", path: arg };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SpecError(
      `${source} is not valid JSON (${(err as Error).message}); expected an OpenAPI document`,
    );
  }
}

function jsonFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) jsonFiles(p, out);
    else if (e.endsWith(".json")) out.push(p);
  }
  return out;
}

function readPath(path: string): Spec {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new SpecError(
      `spec not found: ${path} (pass an existing swagger.json, a directory of OpenAPI v3 documents, or a URL)`,
    );
  }
  if (st.isDirectory()) {
    const files = jsonFiles(path);
    if (files.length === 0) throw new SpecError(`no .json OpenAPI v3 documents in directory ${path}`);
    const source = `${basename(resolve(path))}/`;
    return fromV3(
      files.map((f) => parseJson(readFileSync(f, "utf8"), f)),
      source,
    );
  }
  return fromDocument(parseJson(readFileSync(path, "utf8"), path), basename(path));
}

async function fetchJson(url: string, fetchImpl: typeof fetch): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { accept: "application/json" } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SpecError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok) throw new SpecError(`GET ${url} answered ${res.status} ${res.statusText}`);
  return parseJson(await res.text(), url);
}

async function readUrl(url: string, fetchImpl: typeof fetch): Promise<Spec> {
  const doc = await fetchJson(url, fetchImpl);
  if (isV3Index(doc)) {
    const paths = Object.keys(doc.paths).sort();
    const docs = await Promise.all(
      paths.map((p) => fetchJson(new URL(doc.paths[p]!.serverRelativeURL, url).toString(), fetchImpl)),
    );
    return fromV3(docs, url);
  }
  return fromDocument(doc, url);
}

async function readCluster(input: Extract<SpecInput, { kind: "cluster" }>): Promise<Spec> {
  // Loaded only here: generating from a file or URL never loads the HTTP client.
  const rest = await import("@org/rest");
  let client: RESTClient;
  let host: string;
  try {
    // @org/rest's loader: an explicit file, else every file of the KUBECONFIG list merged by
    // kubectl's rules (the platform's path-list separator), else ~/.kube/config.
    const { config } = await rest.loadKubeconfig(
      input.kubeconfig !== undefined
        ? { path: input.kubeconfig }
        : input.kubeconfigList !== undefined
          ? { env: { ...process.env, KUBECONFIG: input.kubeconfigList } }
          : {},
    );
    host = config.host;
    // One burst of discovery-like reads: allow it, as kubectl does for discovery.
    client = rest.RESTClient.forConfig({ ...config, qps: 50, burst: 100 });
  } catch (err) {
    throw new SpecError(`cannot load the kubeconfig for --from-cluster: ${(err as Error).message}`);
  }
  const get = async (url: string): Promise<unknown> => {
    const u = new URL(url, "http://cluster");
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    try {
      return await client.request<unknown>({ method: "GET", path: u.pathname, query });
    } catch (err) {
      throw new SpecError(`GET ${host}${u.pathname} failed: ${(err as Error).message}`);
    }
  };
  const index = await get("/openapi/v3");
  if (!isV3Index(index)) throw new SpecError(`${host}/openapi/v3 did not answer with an OpenAPI v3 index`);
  const paths = Object.keys(index.paths).sort();
  const docs: unknown[] = new Array(paths.length);
  // A few requests at a time; each document is fetched once (like kubectl's discovery burst).
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++)
      docs[i] = await get(index.paths[paths[i]!]!.serverRelativeURL);
  };
  await Promise.all(Array.from({ length: Math.min(6, paths.length) }, worker));
  return fromV3(docs, `cluster ${host}/openapi/v3`);
}

export async function readSpec(input: SpecInput, fetchImpl: typeof fetch = fetch): Promise<Spec> {
  switch (input.kind) {
    case "path":
      return readPath(input.path);
    case "url":
      return readUrl(input.url, fetchImpl);
    case "cluster":
      return readCluster(input);
  }
}
