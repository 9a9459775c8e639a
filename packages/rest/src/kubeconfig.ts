// Kubeconfig loading with the semantics of client-go's tools/clientcmd and kubectl:
// - loading rules: explicit path, else KUBECONFIG (a list; the first file to set a value or define a
//   named entry wins, entries are never field-merged; missing files are skipped), else ~/.kube/config;
// - file paths inside a kubeconfig are relative to the file that holds them;
// - overrides (context, cluster, user, namespace, server, ...) like kubectl's flags;
// - the namespace comes from the override, else the context, else "default".
// Errors are KubeconfigErrors that name the file(s) and the entry and say what to do; they never
// contain secret values (js-yaml's snippets are left out because they could show a token).

import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import yaml from "js-yaml";
import { type CredentialFields, credentialConflict } from "./auth.js";
import type { AuthProviderConfig, ExecConfig, ImpersonationConfig, RestConfig, TLSConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { inClusterConfig } from "./incluster.js";

export interface KubeconfigCluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  extensions?: { name: string; extension: unknown }[];
}

export interface KubeconfigUser {
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  "as-uid"?: string;
  "as-groups"?: string[];
  "as-user-extra"?: Record<string, string[]>;
  username?: string;
  password?: string;
  "auth-provider"?: { name: string; config?: Record<string, string> };
  exec?: {
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    apiVersion: string;
    installHint?: string;
    provideClusterInfo?: boolean;
    interactiveMode?: "Never" | "IfAvailable" | "Always";
  };
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  "current-context"?: string;
  preferences?: Record<string, unknown>;
  clusters?: { name: string; cluster: KubeconfigCluster }[];
  users?: { name: string; user: KubeconfigUser }[];
  contexts?: { name: string; context: KubeconfigContext }[];
  extensions?: unknown[];
}

/** kubectl's global flags that change the resolved configuration. */
export interface KubeconfigOverrides {
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  tlsServerName?: string;
  insecureSkipTLSVerify?: boolean;
  certificateAuthority?: string;
  token?: string;
  impersonate?: string;
  impersonateUid?: string;
  impersonateGroups?: string[];
}

export interface LoadKubeconfigOptions {
  /** An explicit file (client-go's ExplicitPath): must exist; KUBECONFIG and ~/.kube/config are ignored. */
  path?: string;
  overrides?: KubeconfigOverrides;
  /** Environment to read KUBECONFIG and HOME from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedKubeconfig {
  config: RestConfig;
  /** The namespace: override, else the context's, else "default". */
  namespace: string;
  context: string;
  cluster: string;
  user: string;
  /** Files that were read, in precedence order. */
  files: string[];
  /** The merged kubeconfig (paths made absolute); holds secrets: do not log it. */
  kubeconfig: Kubeconfig;
}

/** A kubeconfig that cannot be used: says which file and entry, and what to do. */
export class KubeconfigError extends ConfigError {
  override name = "KubeconfigError";
  readonly files: string[];
  readonly entry?: string;
  constructor(message: string, files: string[], entry?: string) {
    super(message);
    this.files = files;
    if (entry !== undefined) this.entry = entry;
  }
}

interface Origin {
  file: string;
}
type Named<T> = Map<string, { value: T; origin: Origin }>;

interface Merged {
  currentContext?: { value: string; origin: Origin };
  clusters: Named<KubeconfigCluster>;
  users: Named<KubeconfigUser>;
  contexts: Named<KubeconfigContext>;
  files: string[];
}

/** The files the loading rules pick: [explicit] | KUBECONFIG list (deduplicated) | [~/.kube/config]. */
export function kubeconfigPaths(opts: { path?: string; env?: NodeJS.ProcessEnv } = {}): {
  files: string[];
  explicit: boolean;
} {
  if (opts.path) return { files: [resolve(opts.path)], explicit: true };
  const env = opts.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list) {
    const files: string[] = [];
    for (const f of list.split(delimiter)) {
      if (!f) continue;
      const abs = resolve(f);
      if (!files.includes(abs)) files.push(abs);
    }
    if (files.length) return { files, explicit: false };
  }
  const home = env.HOME || env.USERPROFILE || homedir();
  return { files: [join(home, ".kube", "config")], explicit: false };
}

function describeYamlError(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number } };
  if (e.reason && e.mark)
    return `${e.reason} at line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1}`;
  return "it is not valid YAML";
}

/** Parses one kubeconfig document. `file` is used in messages and for relative paths. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not valid YAML (${describeYamlError(err)}); fix the file or point KUBECONFIG elsewhere`,
      [file],
    );
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new KubeconfigError(
      `kubeconfig ${file} is not a YAML mapping; it should be a kind: Config document`,
      [file],
    );
  }
  const kc = doc as Kubeconfig;
  for (const key of ["clusters", "users", "contexts"] as const) {
    const list = kc[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list))
      throw new KubeconfigError(`kubeconfig ${file}: "${key}" must be a list`, [file]);
    for (const [i, item] of list.entries()) {
      if (!item || typeof item !== "object" || typeof (item as { name?: unknown }).name !== "string") {
        throw new KubeconfigError(`kubeconfig ${file}: ${key}[${i}] has no name; give every entry a name`, [
          file,
        ]);
      }
    }
  }
  return kc;
}

function resolvePath(p: string | undefined, base: string): string | undefined {
  if (!p) return p;
  return isAbsolute(p) ? p : resolve(base, p);
}

/** Makes the file references of one kubeconfig absolute, relative to `dir` (clientcmd's ResolveLocalPaths). */
export function resolveKubeconfigPaths(kc: Kubeconfig, dir: string): Kubeconfig {
  for (const c of kc.clusters ?? []) {
    if (c.cluster?.["certificate-authority"])
      c.cluster["certificate-authority"] = resolvePath(c.cluster["certificate-authority"], dir);
  }
  for (const u of kc.users ?? []) {
    const user = u.user;
    if (!user) continue;
    if (user["client-certificate"]) user["client-certificate"] = resolvePath(user["client-certificate"], dir);
    if (user["client-key"]) user["client-key"] = resolvePath(user["client-key"], dir);
    if (user.tokenFile) user.tokenFile = resolvePath(user.tokenFile, dir);
    // A command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH.
    const cmd = user.exec?.command;
    if (cmd && !isAbsolute(cmd) && (cmd.includes(sep) || cmd.includes("/")))
      user.exec!.command = resolve(dir, cmd);
  }
  return kc;
}

function merge(docs: { kc: Kubeconfig; file: string }[]): Merged {
  const m: Merged = {
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    files: docs.map((d) => d.file),
  };
  for (const { kc, file } of docs) {
    const origin = { file };
    if (!m.currentContext && kc["current-context"])
      m.currentContext = { value: kc["current-context"], origin };
    for (const c of kc.clusters ?? [])
      if (!m.clusters.has(c.name)) m.clusters.set(c.name, { value: c.cluster ?? {}, origin });
    for (const u of kc.users ?? [])
      if (!m.users.has(u.name)) m.users.set(u.name, { value: u.user ?? {}, origin });
    for (const x of kc.contexts ?? [])
      if (!m.contexts.has(x.name)) m.contexts.set(x.name, { value: x.context ?? {}, origin });
  }
  return m;
}

function toKubeconfig(m: Merged): Kubeconfig {
  const kc: Kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [...m.clusters].map(([name, e]) => ({ name, cluster: e.value })),
    users: [...m.users].map(([name, e]) => ({ name, user: e.value })),
    contexts: [...m.contexts].map(([name, e]) => ({ name, context: e.value })),
  };
  if (m.currentContext) kc["current-context"] = m.currentContext.value;
  return kc;
}

function where(files: string[]): string {
  if (files.length === 0) return "the kubeconfig";
  return files.length === 1 ? `kubeconfig ${files[0]}` : `kubeconfig files ${files.join(", ")}`;
}

function names(map: Map<string, unknown>): string {
  return map.size ? [...map.keys()].map((n) => JSON.stringify(n)).join(", ") : "none";
}

function decodeData(value: string, file: string, entry: string, field: string): Buffer {
  const clean = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new KubeconfigError(
      `kubeconfig ${file}: ${entry} has a ${field} that is not valid base64; paste the base64 of the PEM file (base64 -w0 file)`,
      [file],
      entry,
    );
  }
  return Buffer.from(clean, "base64");
}

/** The context a configuration is resolved from, and where it is defined. */
interface SelectedContext {
  /** "" when no context is used (a cluster or server override stands in). */
  name: string;
  context: KubeconfigContext;
  /** Paths in entries without a file of their own are relative to this one. */
  file: string;
  /** How messages name it: `context "prod" (in /path)` or "the overrides". */
  label: string;
}

/** A named cluster or user: a copy of its entry (overrides change the copy), its file and its name in messages. */
interface Entry<T> {
  name: string;
  value: T;
  file: string;
  label: string;
}

/** Step 1: the context override, else current-context; none only when a cluster or server override is given. */
function selectContext(m: Merged, overrides: KubeconfigOverrides): SelectedContext {
  const files = m.files;
  const name = overrides.context || m.currentContext?.value || "";
  if (name) {
    const e = m.contexts.get(name);
    if (!e) {
      throw new KubeconfigError(
        `context ${JSON.stringify(name)} not found in ${where(files)} (contexts: ${names(m.contexts)}); ` +
          (overrides.context
            ? "pick one of those contexts"
            : "fix current-context (kubectl config use-context NAME) or pick a context explicitly"),
        files,
        `context ${name}`,
      );
    }
    return {
      name,
      context: e.value,
      file: e.origin.file,
      label: `context ${JSON.stringify(name)} (in ${e.origin.file})`,
    };
  }
  if (overrides.cluster || overrides.server)
    return { name, context: {}, file: files[0] ?? "", label: "the overrides" };
  if (files.length === 0 || (m.clusters.size === 0 && m.contexts.size === 0)) {
    throw new KubeconfigError(
      `no configuration found in ${files.length ? where(files) : "any kubeconfig"}; ` +
        "set KUBECONFIG or pass a kubeconfig path (or use inClusterConfig() inside a pod)",
      files,
    );
  }
  throw new KubeconfigError(
    `${where(files)} has no current-context (contexts: ${names(m.contexts)}); ` +
      "set one with kubectl config use-context NAME or pick a context explicitly",
    files,
  );
}

/** Step 2: the cluster and user the overrides or the context name; an unnamed one is empty. */
function lookUpEntries(
  m: Merged,
  ctx: SelectedContext,
  overrides: KubeconfigOverrides,
): { cluster: Entry<KubeconfigCluster>; user: Entry<KubeconfigUser> } {
  const lookup = <T extends object>(
    what: "cluster" | "user",
    name: string,
    entries: Named<T>,
    overridden: boolean,
  ): { value: T; file: string } => {
    if (!name) return { value: {} as T, file: ctx.file };
    const e = entries.get(name);
    if (!e) {
      throw new KubeconfigError(
        `${what} ${JSON.stringify(name)}, used by ${overridden ? `the ${what} override` : ctx.label}, ` +
          `is not defined in ${where(m.files)} (${what}s: ${names(entries)}); add it or use another ${what}`,
        m.files,
        `${what} ${name}`,
      );
    }
    return { value: { ...e.value }, file: e.origin.file };
  };
  const clusterName = overrides.cluster || ctx.context.cluster || "";
  const userName = overrides.user || ctx.context.user || "";
  return {
    cluster: {
      name: clusterName,
      ...lookup("cluster", clusterName, m.clusters, !!overrides.cluster),
      label: clusterName ? `cluster ${JSON.stringify(clusterName)}` : "the cluster",
    },
    user: {
      name: userName,
      ...lookup("user", userName, m.users, !!overrides.user),
      label: `user ${JSON.stringify(userName)}`,
    },
  };
}

/** Step 3: kubectl's flags, as client-go's getCluster and getAuthInfo apply them. */
function applyOverrides(
  cluster: KubeconfigCluster,
  user: KubeconfigUser,
  overrides: KubeconfigOverrides,
): void {
  if (overrides.server) cluster.server = overrides.server;
  if (overrides.insecureSkipTLSVerify || overrides.certificateAuthority) {
    cluster["insecure-skip-tls-verify"] = !!overrides.insecureSkipTLSVerify;
    cluster["certificate-authority"] = overrides.certificateAuthority;
    delete cluster["certificate-authority-data"];
  }
  if (overrides.tlsServerName || overrides.server) cluster["tls-server-name"] = overrides.tlsServerName;
  if (overrides.token) user.token = overrides.token;
  if (overrides.impersonate) user.as = overrides.impersonate;
  if (overrides.impersonateUid) user["as-uid"] = overrides.impersonateUid;
  if (overrides.impersonateGroups?.length) user["as-groups"] = overrides.impersonateGroups;
}

/** Step 4: the server and how to trust it (CA, insecure, server name) and reach it (proxy). */
function clusterConfig(cluster: Entry<KubeconfigCluster>, files: string[]): RestConfig {
  const c = cluster.value;
  if (!c.server) {
    throw new KubeconfigError(
      `${cluster.label} in ${cluster.name ? cluster.file : where(files)} has no server; set clusters[].cluster.server ` +
        "(kubectl config set-cluster NAME --server=https://HOST:PORT) or pass a server override",
      files,
      cluster.label,
    );
  }
  const config: RestConfig = { host: c.server };
  const tls: TLSConfig = {};
  if (c["certificate-authority-data"]) {
    tls.caData = decodeData(
      c["certificate-authority-data"],
      cluster.file,
      cluster.label,
      "certificate-authority-data",
    );
  } else if (c["certificate-authority"]) tls.caFile = c["certificate-authority"];
  if (c["insecure-skip-tls-verify"]) tls.insecure = true;
  if (c["tls-server-name"]) tls.serverName = c["tls-server-name"];
  if (Object.keys(tls).length) config.tls = tls;
  if (c["proxy-url"]) config.proxyURL = c["proxy-url"];
  return config;
}

/** The user's exec section as an ExecConfig; the cluster's exec extension goes to the plugin. */
function execConfig(
  x: NonNullable<KubeconfigUser["exec"]>,
  cluster: KubeconfigCluster,
  userFile: string,
): ExecConfig {
  const exec: ExecConfig = { command: x.command, apiVersion: x.apiVersion };
  if (x.args) exec.args = x.args;
  if (x.env) exec.env = x.env;
  if (x.installHint) exec.installHint = x.installHint;
  if (x.provideClusterInfo) exec.provideClusterInfo = true;
  if (x.interactiveMode) exec.interactiveMode = x.interactiveMode;
  const ext = cluster.extensions?.find((e) => e.name === "client.authentication.k8s.io/exec");
  if (ext) exec.clusterConfig = ext.extension;
  exec.workingDir = dirname(userFile);
  return exec;
}

/**
 * Step 5: the user's credentials (checked by the one credential validation), client certificate and
 * impersonation. Like client-go, they only go to TLS servers.
 */
function userCredentials(config: RestConfig, user: Entry<KubeconfigUser>, cluster: KubeconfigCluster): void {
  const u = user.value;
  const creds: CredentialFields = {};
  if (u.token) creds.bearerToken = u.token;
  if (u.tokenFile) creds.bearerTokenFile = u.tokenFile;
  if (u.username) creds.username = u.username;
  if (u.password) creds.password = u.password;
  if (u["auth-provider"]) {
    const ap: AuthProviderConfig = { name: u["auth-provider"].name };
    if (u["auth-provider"].config) ap.config = u["auth-provider"].config;
    creds.authProvider = ap;
  }
  if (u.exec) creds.exec = execConfig(u.exec, cluster, user.file);
  const conflict = credentialConflict(creds);
  if (conflict)
    throw new KubeconfigError(`kubeconfig ${user.file}: ${user.label} ${conflict}`, [user.file], user.label);

  if (/^http:\/\//i.test(config.host)) return;
  const tls: TLSConfig = {};
  if (u["client-certificate-data"]) {
    tls.certData = decodeData(u["client-certificate-data"], user.file, user.label, "client-certificate-data");
  } else if (u["client-certificate"]) tls.certFile = u["client-certificate"];
  if (u["client-key-data"])
    tls.keyData = decodeData(u["client-key-data"], user.file, user.label, "client-key-data");
  else if (u["client-key"]) tls.keyFile = u["client-key"];
  if (Object.keys(tls).length) config.tls = { ...config.tls, ...tls };
  Object.assign(config, creds);
  if (u.as || u["as-uid"] || u["as-groups"]?.length || u["as-user-extra"]) {
    const imp: ImpersonationConfig = {};
    if (u.as) imp.user = u.as;
    if (u["as-uid"]) imp.uid = u["as-uid"];
    if (u["as-groups"]?.length) imp.groups = u["as-groups"];
    if (u["as-user-extra"]) imp.extra = u["as-user-extra"];
    config.impersonate = imp;
  }
}

/**
 * Resolves a merged kubeconfig + overrides into a RestConfig (client-go's DirectClientConfig):
 * select the context → look up its cluster and user → apply the overrides → cluster TLS → user credentials.
 */
function resolveConfig(m: Merged, overrides: KubeconfigOverrides = {}): LoadedKubeconfig {
  const ctx = selectContext(m, overrides);
  const { cluster, user } = lookUpEntries(m, ctx, overrides);
  applyOverrides(cluster.value, user.value, overrides);
  const config = clusterConfig(cluster, m.files);
  userCredentials(config, user, cluster.value);
  const namespace = overrides.namespace || ctx.context.namespace || "default";
  config.namespace = namespace;
  return {
    config,
    namespace,
    context: ctx.name,
    cluster: cluster.name,
    user: user.name,
    files: m.files,
    kubeconfig: toKubeconfig(m),
  };
}

async function readKubeconfigFile(file: string, mustExist: boolean): Promise<Kubeconfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !mustExist) return undefined;
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "is not readable (permission denied)"
          : `cannot be read (${code ?? (err as Error).message})`;
    throw new KubeconfigError(`kubeconfig ${file} ${why}; check the path you passed (or KUBECONFIG)`, [file]);
  }
  return resolveKubeconfigPaths(parseKubeconfig(text, file), dirname(file));
}

/**
 * Loads the kubeconfig with client-go's loading rules and resolves it into a RestConfig.
 * Throws KubeconfigError.
 */
export async function loadKubeconfig(opts: LoadKubeconfigOptions = {}): Promise<LoadedKubeconfig> {
  const { files, explicit } = kubeconfigPaths(opts);
  const docs: { kc: Kubeconfig; file: string }[] = [];
  for (const file of files) {
    const kc = await readKubeconfigFile(file, explicit);
    if (kc) docs.push({ kc, file });
  }
  if (docs.length === 0 && !opts.overrides?.server) {
    throw new KubeconfigError(
      `no kubeconfig found (looked for ${files.join(", ")}); set KUBECONFIG or pass a kubeconfig path ` +
        "(or use inClusterConfig() inside a pod)",
      files,
    );
  }
  return resolveConfig(merge(docs), opts.overrides);
}

/** Resolves kubeconfig YAML text (e.g. a test user's) — relative paths against `baseDir` (default cwd). */
export function configFromKubeconfigText(
  text: string,
  opts: { overrides?: KubeconfigOverrides; baseDir?: string; name?: string } = {},
): LoadedKubeconfig {
  const file = opts.name ?? "<kubeconfig text>";
  const kc = resolveKubeconfigPaths(parseKubeconfig(text, file), opts.baseDir ?? process.cwd());
  return resolveConfig(merge([{ kc, file }]), opts.overrides);
}

let warned = false;

/**
 * client-go's clientcmd.BuildConfigFromFlags. With a kubeconfig path: that file (plus `masterUrl` as
 * a server override). With only `masterUrl`: a bare config for that server. With neither: a warning,
 * then the in-cluster config, else the default loading rules (KUBECONFIG, ~/.kube/config).
 */
export async function buildConfigFromFlags(masterUrl: string, kubeconfigPath: string): Promise<RestConfig> {
  if (!masterUrl && !kubeconfigPath) {
    if (!warned) {
      warned = true;
      process.stderr.write(
        "Warning: neither a kubeconfig path nor a master URL was given; using the in-cluster config. This might not work.\n",
      );
    }
    try {
      return await inClusterConfig();
    } catch (err) {
      process.stderr.write(
        `Warning: in-cluster config unavailable (${(err as Error).message}); falling back to the default kubeconfig.\n`,
      );
    }
    return (await loadKubeconfig()).config;
  }
  if (!kubeconfigPath) {
    // client-go: an empty explicit path loads nothing; only the server is set.
    return { host: masterUrl, namespace: "default" };
  }
  const overrides: KubeconfigOverrides = {};
  if (masterUrl) overrides.server = masterUrl;
  return (await loadKubeconfig({ path: kubeconfigPath, overrides })).config;
}
