// The I/O edge of the load stage: find and read a spec (file, directory, URL, live cluster) and hand
// the parsed documents to the pure normalizers.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
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
    }
  | {
      /**
       * A Kubernetes version's own spec: its kube-apiserver, built by @org/testenv, started with every
       * API group and version on, read at /openapi/v3; cached by version (specCacheDir).
       */
      kind: "k8s-version";
      /** "v1.36.3" or "1.36.3"; default @org/testenv's pinned version ($K8S_VERSION, else its default). */
      version?: string;
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

/**
 * Where the snapshots `kubernetes-1.N.swagger.json` are looked for: $ORG_CODEGEN_SNAPSHOTS, else
 * <repo root>/../shared/openapi (which only this workspace has; a clone elsewhere has none).
 */
export function snapshotDir(root: string | undefined, env = process.env): string | undefined {
  if (env.ORG_CODEGEN_SNAPSHOTS) return resolve(env.ORG_CODEGEN_SNAPSHOTS);
  return root ? join(root, "..", "shared", "openapi") : undefined;
}

const SAVED_KINDS = new Set(["path", "url", "cluster", "k8s-version"]);

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
  if (typeof kind !== "string" || !SAVED_KINDS.has(kind)) {
    throw new SpecError(`${file} is not a saved spec choice; delete it or run \`npm run generate\` again`);
  }
  return saved as SpecInput;
}

/**
 * The default input: $ORG_CODEGEN_SPEC, else the input saved by the last `npm run generate -- …`
 * (<repo root>/.codegen-spec), else the newest snapshot in snapshotDir (../shared/openapi), else
 * the spec of @org/testenv's pinned Kubernetes version, read from its own kube-apiserver.
 */
export function defaultSpecInput(cwd = process.cwd(), env = process.env): SpecInput {
  const fromEnv = env.ORG_CODEGEN_SPEC;
  if (fromEnv) return parseSpecArgument(fromEnv);
  const root = findRepoRoot(cwd) ?? findRepoRoot(import.meta.dirname);
  const saved = root ? savedSpecInput(root) : undefined;
  if (saved) return saved;
  const dir = snapshotDir(root, env);
  const file = dir ? newestSnapshot(dir) : undefined;
  return file ? { kind: "path", path: file } : { kind: "k8s-version" };
}

/** Where --k8s-version caches a version's /openapi/v3 documents: $ORG_CODEGEN_CACHE/<version>/openapi-v3. */
export function specCacheDir(version: string, env = process.env): string {
  const root = env.ORG_CODEGEN_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "org-codegen");
  return join(resolve(root), version, "openapi-v3");
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
  if (!res.ok) {
    const message = `GET ${url} answered ${res.status} ${res.statusText}`;
    throw res.status === 404 ? new NotServedError(message) : new SpecError(message);
  }
  return parseJson(await res.text(), url);
}

/** A 404 for a document: one listed in an /openapi/v3 index may go before it is read. */
class NotServedError extends SpecError {}

/**
 * The documents of an /openapi/v3 index, a few requests at a time (like kubectl's discovery burst),
 * with their index paths. One that is no longer served (its CRD or APIService went after the index
 * was read) is left out and said so, as the cluster no longer has it.
 */
async function indexDocuments(
  index: { paths: Record<string, { serverRelativeURL: string }> },
  where: string,
  get: (serverRelativeURL: string) => Promise<unknown>,
  log: (line: string) => void,
): Promise<{ paths: string[]; docs: unknown[] }> {
  const listed = Object.keys(index.paths).sort();
  const docs: unknown[] = new Array(listed.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < listed.length; i = next++) {
      try {
        docs[i] = await get(index.paths[listed[i]!]!.serverRelativeURL);
      } catch (err) {
        if (!(err instanceof NotServedError)) throw err;
        log(`org-codegen: ${where}/${listed[i]} was removed while the spec was read; left out`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, listed.length) }, worker));
  const kept = listed.flatMap((_path, i) => (docs[i] === undefined ? [] : [i]));
  return { paths: kept.map((i) => listed[i]!), docs: kept.map((i) => docs[i]) };
}

async function readUrl(url: string, fetchImpl: typeof fetch, log: (line: string) => void): Promise<Spec> {
  const doc = await fetchJson(url, fetchImpl);
  if (isV3Index(doc)) {
    const { docs } = await indexDocuments(
      doc,
      url.replace(/\/+$/, ""),
      (rel) => fetchJson(new URL(rel, url).toString(), fetchImpl),
      log,
    );
    return fromV3(docs, url);
  }
  return fromDocument(doc, url);
}

/** A live cluster's /openapi/v3 documents, by index path ("api/v1", "apis/apps/v1" ...). */
async function clusterDocuments(
  input: Extract<SpecInput, { kind: "cluster" }>,
  log: (line: string) => void,
): Promise<{ host: string; paths: string[]; docs: unknown[] }> {
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
      try {
        return await client.request<unknown>({ method: "GET", path: u.pathname, query });
      } catch (err) {
        // A document that changed since the index was read (a CRD just installed or updated): the API
        // server redirects its old hash to the new one. Same document, same server: read it unhashed.
        const code = (err as { code?: unknown }).code;
        if (!(err instanceof rest.StatusError && typeof code === "number" && code >= 300 && code < 400))
          throw err;
        if (query.hash === undefined) throw err;
        delete query.hash;
        return await client.request<unknown>({ method: "GET", path: u.pathname, query });
      }
    } catch (err) {
      const message = `GET ${host}${u.pathname} failed: ${(err as Error).message}`;
      throw err instanceof rest.StatusError && err.code === 404
        ? new NotServedError(message)
        : new SpecError(message);
    }
  };
  const index = await get("/openapi/v3");
  if (!isV3Index(index)) throw new SpecError(`${host}/openapi/v3 did not answer with an OpenAPI v3 index`);
  return { host, ...(await indexDocuments(index, `${host}/openapi/v3`, get, log)) };
}

async function readCluster(
  input: Extract<SpecInput, { kind: "cluster" }>,
  log: (line: string) => void,
): Promise<Spec> {
  const { host, docs } = await clusterDocuments(input, log);
  return fromV3(docs, `cluster ${host}/openapi/v3`);
}

/** Written last into a cache directory: the documents before it are complete. */
const CACHE_COMPLETE = ".complete";

/** kube-apiserver flags that serve every API group and version the build has, alpha and beta too. */
export const ALL_APIS_FLAGS = ["--runtime-config=api/all=true", "--feature-gates=AllAlpha=true,AllBeta=true"];

async function readK8sVersion(
  input: Extract<SpecInput, { kind: "k8s-version" }>,
  log: (line: string) => void,
): Promise<Spec> {
  // Loaded only here: no other input needs a control plane, so @org/testenv is an optional peer.
  let testenv: typeof import("@org/testenv");
  try {
    testenv = await import("@org/testenv");
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("'@org/testenv'")) throw err;
    throw new SpecError(
      "--k8s-version (the default input when no spec snapshot is found) needs @org/testenv to build and " +
        "start that version's kube-apiserver: npm install --save-dev @org/testenv, or pass --spec <file|dir|url> " +
        "or --from-cluster",
    );
  }
  const wanted =
    input.version === undefined || input.version.startsWith("v") ? input.version : `v${input.version}`;
  let version: string;
  try {
    version = testenv.resolveVersion(wanted);
  } catch (err) {
    throw new SpecError(`--k8s-version: ${(err as Error).message}`);
  }
  const dir = specCacheDir(version);
  if (!existsSync(join(dir, CACHE_COMPLETE))) {
    log(
      `org-codegen: reading the ${version} spec from its own kube-apiserver (${ALL_APIS_FLAGS.join(" ")}); ` +
        `cached in ${dir}`,
    );
    const cp = await testenv.startControlPlane({ version, controllers: [], apiServerFlags: ALL_APIS_FLAGS });
    let fetched: Awaited<ReturnType<typeof clusterDocuments>>;
    try {
      fetched = await clusterDocuments({ kind: "cluster", kubeconfig: cp.kubeconfigPath }, log);
    } finally {
      await cp.stop();
    }
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = mkdtempSync(`${dir}.tmp-`);
    fetched.paths.forEach((p, i) => {
      const file = join(tmp, `${p.replace(/^\/+/, "")}.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(fetched.docs[i]));
    });
    writeFileSync(join(tmp, CACHE_COMPLETE), `${version}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  const files = jsonFiles(dir);
  return fromV3(
    files.map((f) => parseJson(readFileSync(f, "utf8"), f)),
    `kube-apiserver ${version} /openapi/v3`,
  );
}

/** Reads and normalizes a spec; `log` gets the one-line notices of slow inputs (a k8s-version's first read). */
export async function readSpec(
  input: SpecInput,
  fetchImpl: typeof fetch = fetch,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<Spec> {
  switch (input.kind) {
    case "path":
      return readPath(input.path);
    case "url":
      return readUrl(input.url, fetchImpl, log);
    case "cluster":
      return readCluster(input, log);
    case "k8s-version":
      return readK8sVersion(input, log);
  }
}
