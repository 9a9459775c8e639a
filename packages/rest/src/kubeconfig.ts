// Kubeconfig loading with the semantics of client-go's tools/clientcmd and kubectl:
// - loading rules: explicit path, else KUBECONFIG (a list; the first file to set a value or define a
//   named entry wins, entries are never field-merged; missing files are skipped), else ~/.kube/config;
// - file paths inside a kubeconfig are relative to the file that holds them;
// - overrides (context, cluster, user, namespace, server, ...) like kubectl's flags;
// - the namespace comes from the override, else the context, else "default";
// - an entry without a name is kubectl's unnamed entry: the context used when none is named, the
//   cluster or user of a context that names none;
// - the file is read as kubectl's decoder reads it (kubeconfig-decode.ts), and checked at load as
//   kubectl's ConfirmUsable and transport check it: a bare host:port server is plain http and gets no
//   credentials and no TLS settings; files the entries name must be readable regular files, PEM data
//   must parse.
// Errors are KubeconfigErrors that name the file(s) and the entry and say what to do; they never
// contain secret values (js-yaml's snippets are left out because they could show a token).

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import {
  authProviderProblem,
  type CredentialFields,
  credentialConflict,
  oidcKubeconfigProblem,
} from "./auth.js";
import {
  type AuthProviderConfig,
  type ExecConfig,
  type ImpersonationConfig,
  isCABundle,
  pemBlocks,
  type RestConfig,
  type TLSConfig,
  tlsConflict,
} from "./config.js";
import { ConfigError } from "./errors.js";
import { execConfigProblem } from "./exec.js";
import { type InClusterOptions, inClusterConfig } from "./incluster.js";
import { decodeKubeconfigBytes, KubeconfigError, parseKubeconfig } from "./kubeconfig-decode.js";

export { KubeconfigError, parseKubeconfig };

/** A kubeconfig cluster (clientcmd v1 Cluster); data fields hold base64. */
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

/** A kubeconfig user (clientcmd v1 AuthInfo); data fields hold base64. Holds secrets. */
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
    /** A value left out (or null) is "". */
    env?: { name: string; value?: string }[] | null;
    apiVersion: string;
    installHint?: string;
    provideClusterInfo?: boolean;
    interactiveMode?: "Never" | "IfAvailable" | "Always";
  };
}

/** A kubeconfig context: which cluster, user and namespace. */
export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** One kubeconfig file (clientcmd v1 Config), as decoded. */
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

/** Where loadKubeconfig looks, and kubectl's flags. */
export interface LoadKubeconfigOptions {
  /** An explicit file (client-go's ExplicitPath): must exist; KUBECONFIG and ~/.kube/config are ignored. */
  path?: string;
  overrides?: KubeconfigOverrides;
  /** Environment to read KUBECONFIG and HOME from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A resolved kubeconfig: the RestConfig and what it was made of. */
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
    // A set KUBECONFIG is the whole list, as in client-go: one that names no file (":", from
    // KUBECONFIG=$A:$B with both unset) loads nothing rather than falling back to ~/.kube/config.
    const files: string[] = [];
    for (const f of list.split(delimiter)) {
      if (!f) continue;
      const abs = resolve(f);
      if (!files.includes(abs)) files.push(abs);
    }
    return { files, explicit: false };
  }
  const home = env.HOME || env.USERPROFILE || homedir();
  return { files: [join(home, ".kube", "config")], explicit: false };
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

/** A base64 field's bytes (checked when the file was decoded: Go's padded standard base64). */
function decodeData(value: string): Buffer {
  return Buffer.from(value.replace(/[\r\n]/g, ""), "base64");
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
  // With no context named, kubectl uses the unnamed context when the file has one.
  if (name || m.contexts.has("")) {
    const e = m.contexts.get(name);
    if (!e) {
      throw new KubeconfigError(
        `context ${JSON.stringify(name)} not found in ${where(files)} (contexts: ${names(m.contexts)}); ` +
          (overrides.context
            ? "pick one of those contexts"
            : "fix current-context (kubectl config use-context NAME) or pick a context explicitly"),
        files,
        `context ${JSON.stringify(name)}`,
      );
    }
    return {
      name,
      context: e.value,
      file: e.origin.file,
      label: `${name ? `context ${JSON.stringify(name)}` : "the unnamed context"} (in ${e.origin.file})`,
    };
  }
  if (overrides.cluster || overrides.server)
    return { name, context: {}, file: files[0] ?? "", label: "the overrides" };
  if (files.length === 0) {
    throw new KubeconfigError(
      "no configuration found in any kubeconfig; set KUBECONFIG or pass a kubeconfig path (or use inClusterConfig() inside a pod)",
      files,
    );
  }
  if (m.clusters.size === 0 && m.contexts.size === 0) {
    throw new KubeconfigError(
      `${where(files)} has no clusters and no contexts (an empty kubeconfig); ` +
        "add them (kubectl config set-cluster / set-context) or name the kubeconfig of your cluster",
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
    replaced: boolean,
  ): { value: T; file: string } => {
    // No name: the unnamed entry when the files have one (as in kubectl), else none.
    if (!name && !entries.has("")) return { value: {} as T, file: ctx.file };
    const e = entries.get(name);
    // A context's cluster (or user) that is not defined is an empty one for kubectl: with a server
    // (or token) override that is all it needs. Only a name given as an override must exist.
    if (!e && replaced && !overridden) return { value: {} as T, file: ctx.file };
    if (!e) {
      throw new KubeconfigError(
        `${what} ${JSON.stringify(name)}, used by ${overridden ? `the ${what} override` : ctx.label}, ` +
          `is not defined in ${where(m.files)} (${what}s: ${names(entries)}); add it or use another ${what}`,
        m.files,
        `${what} ${JSON.stringify(name)}`,
      );
    }
    return { value: { ...e.value }, file: e.origin.file };
  };
  const clusterName = overrides.cluster || ctx.context.cluster || "";
  const userName = overrides.user || ctx.context.user || "";
  return {
    cluster: {
      name: clusterName,
      ...lookup("cluster", clusterName, m.clusters, !!overrides.cluster, !!overrides.server),
      label: clusterName
        ? `cluster ${JSON.stringify(clusterName)}`
        : m.clusters.has("")
          ? "the unnamed cluster"
          : "the cluster",
    },
    user: {
      name: userName,
      ...lookup("user", userName, m.users, !!overrides.user, !!overrides.token),
      label: userName || !m.users.has("") ? `user ${JSON.stringify(userName)}` : "the unnamed user",
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

/** The server as kubectl reaches it: its URL, and whether TLS (and so any credential) is used. */
interface Server {
  host: string;
  https: boolean;
}

/** A URL for messages: user info (user:password@) left out. */
function shown(url: string): string {
  return JSON.stringify(url.replace(/\/\/[^/?#]*@/, "//…@"));
}

/**
 * Step 4: the server URL, as kubectl makes it. A bare `host:port` gets http: kubectl decides the
 * scheme before it looks at any TLS setting, so such a server never gets credentials or TLS.
 */
function serverOf(cluster: Entry<KubeconfigCluster>, files: string[]): Server {
  const s = cluster.value.server;
  const place = `${cluster.label} in ${cluster.label === "the cluster" ? where(files) : cluster.file}`;
  if (!s) {
    throw new KubeconfigError(
      `${place} has no server; set clusters[].cluster.server ` +
        "(kubectl config set-cluster NAME --server=https://HOST:PORT) or pass a server override",
      files,
      cluster.label,
    );
  }
  const bad = (why: string): never => {
    throw new KubeconfigError(
      `${place} has server ${shown(s)}, which ${why}; set it to https://HOST:PORT`,
      [cluster.file],
      cluster.label,
    );
  };
  // Go's url.Parse finds a scheme and a host only in scheme://host...; anything else is a bare host.
  const explicit = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/.test(s);
  const candidate = explicit ? s : `http://${s}`;
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return bad("is not a URL or a host:port pair");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    bad(`has the scheme ${u.protocol} (kubectl speaks https and http)`);
  if (!explicit && u.pathname !== "/")
    bad("is a host with a path but no scheme (kubectl: host must be a URL or a host:port pair)");
  // WHATWG URLs rewrite some hosts Go keeps as names ("6443" becomes 0.0.25.11): refuse those.
  let raw = /^[^:]+:\/\/([^/?#]*)/.exec(candidate)![1]!;
  raw = raw.slice(raw.lastIndexOf("@") + 1).toLowerCase();
  raw = raw.startsWith("[") ? raw.slice(0, raw.indexOf("]") + 1) : raw.replace(/:\d*$/, "");
  if (raw !== u.hostname && !isIP(raw.replace(/^\[|\]$/g, "")))
    bad(
      `has the host ${JSON.stringify(raw)}, which is not a host name or an IP address kubectl would use as written`,
    );
  return { host: candidate, https: u.protocol === "https:" };
}

/** Why a file could not be read, as the rest of a sentence about it. */
function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES") return "is not readable (permission denied)";
  if (code === "EISDIR") return "is a directory, not a kubeconfig file";
  return `cannot be read (${code ?? (err as Error).message})`;
}

/** What a path is when it is not a regular file. */
function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO), which could block forever";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * A file an entry names (CA, client certificate or key, token file), read without blocking: its type
 * is checked first, so a FIFO or a device is refused instead of read.
 */
async function readEntryFile(path: string, field: string, entry: Entry<unknown>): Promise<Buffer> {
  const inline = field === "tokenFile" ? "token" : `${field}-data`;
  const fail = (what: string): never => {
    throw new KubeconfigError(
      `kubeconfig ${entry.file}: ${entry.label} has ${field} ${path}, which ${what}; ` +
        `fix the path (a relative path is relative to the kubeconfig file) or use ${inline}`,
      [entry.file],
      entry.label,
    );
  };
  try {
    const st = await stat(path);
    if (!st.isFile()) fail(`is ${fileKind(st)}`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    return fail(whyUnreadable(err));
  }
}

/**
 * Go's tls.X509KeyPair: the first certificate, the first private key, and that they belong together;
 * `certFrom` / `keyFrom` say where each came from ("client-certificate /path", "client-key-data").
 */
function keyPairProblem(cert: Buffer, key: Buffer, certFrom: string, keyFrom: string): string | undefined {
  const c = pemBlocks(cert).find((b) => b.type === "CERTIFICATE");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(c?.text ?? "");
  } catch {
    return `has ${certFrom} that is not a PEM certificate (no -----BEGIN CERTIFICATE----- block that parses)`;
  }
  const k = pemBlocks(key).find((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(k?.text ?? "");
  } catch {
    return `has ${keyFrom} that is not an unencrypted PEM private key (no -----BEGIN ... PRIVATE KEY----- block that parses)`;
  }
  if (!x509.checkPrivateKey(privateKey))
    return `has ${keyFrom} that does not belong to ${certFrom} (their public keys differ)`;
  return undefined;
}

/** Step 5: the cluster's proxy, CA and TLS settings, checked as kubectl checks them. */
async function clusterConfig(cluster: Entry<KubeconfigCluster>, server: Server): Promise<RestConfig> {
  const c = cluster.value;
  const at = `kubeconfig ${cluster.file}: ${cluster.label} (server ${shown(server.host)})`;
  const fail = (what: string): never => {
    throw new KubeconfigError(`${at} ${what}`, [cluster.file], cluster.label);
  };
  const config: RestConfig = { host: server.host };
  const proxy = c["proxy-url"];
  if (proxy) {
    let scheme = "";
    try {
      scheme = new URL(proxy).protocol;
    } catch {
      fail(
        `has a proxy-url that is not a URL; use http://HOST:PORT, https://HOST:PORT or socks5://HOST:PORT`,
      );
    }
    if (!["http:", "https:", "socks5:"].includes(scheme))
      fail(
        `has proxy-url ${shown(proxy)} with the scheme ${scheme}, which kubectl refuses; use http://, https:// or socks5://`,
      );
    config.proxyURL = proxy;
  }
  const caData = c["certificate-authority-data"];
  const caFile = c["certificate-authority"];
  if (caData && caFile)
    fail("sets both certificate-authority-data and certificate-authority, which kubectl refuses; keep one");
  const caBytes = caFile
    ? await readEntryFile(caFile, "certificate-authority", cluster)
    : caData
      ? decodeData(caData)
      : undefined;
  if (c["disable-compression"]) config.disableCompression = true;
  // Like kubectl, the TLS settings only count for an https server.
  if (!server.https) return config;
  const tls: TLSConfig = {};
  if (caData) tls.caData = caBytes!;
  else if (caFile) tls.caFile = caFile;
  if (c["insecure-skip-tls-verify"]) tls.insecure = true;
  if (c["tls-server-name"]) tls.serverName = c["tls-server-name"];
  const conflict = tlsConflict(tls);
  if (conflict) fail(conflict);
  if (caBytes && !isCABundle(caBytes)) {
    fail(
      `has ${caFile ? `certificate-authority ${caFile}` : "certificate-authority-data"} that is not a PEM CA certificate ` +
        "(no -----BEGIN CERTIFICATE----- block that parses); use the CA's PEM file" +
        (caFile ? "" : " (certificate-authority-data is its base64: base64 -w0 ca.crt)"),
    );
  }
  if (Object.keys(tls).length) config.tls = tls;
  return config;
}

/** The user's exec section as an ExecConfig; the cluster's exec extension goes to the plugin. */
function execConfig(
  x: NonNullable<KubeconfigUser["exec"]>,
  cluster: KubeconfigCluster,
  user: Entry<KubeconfigUser>,
): ExecConfig {
  const exec: ExecConfig = { command: x.command, apiVersion: x.apiVersion };
  if (x.args) exec.args = x.args;
  // Go's EnvVar.Value is a plain string: an entry without a value (or value: null) sets the variable
  // to "", as kubectl does, instead of leaving it out.
  if (x.env) exec.env = x.env.map((e) => ({ name: e.name, value: e.value ?? "" }));
  if (x.installHint) exec.installHint = x.installHint;
  if (x.provideClusterInfo) exec.provideClusterInfo = true;
  // kubeconfig v1 defaults v1beta1 plugins to IfAvailable; v1 ones must say.
  if (x.interactiveMode) exec.interactiveMode = x.interactiveMode;
  else if (x.apiVersion === "client.authentication.k8s.io/v1beta1") exec.interactiveMode = "IfAvailable";
  const ext = cluster.extensions?.find((e) => e.name === "client.authentication.k8s.io/exec");
  if (ext) exec.clusterConfig = ext.extension;
  exec.workingDir = dirname(user.file);
  exec.origin = `${user.label} in kubeconfig ${user.file}`;
  return exec;
}

/**
 * Step 6: the user's credentials, checked as kubectl checks them (the one credential validation, the
 * exec section, the client certificate and its key, impersonation). Impersonation is always sent;
 * credentials and the client certificate only go to https servers, as in kubectl.
 */
async function userCredentials(
  config: RestConfig,
  user: Entry<KubeconfigUser>,
  cluster: KubeconfigCluster,
  server: Server,
): Promise<void> {
  const u = user.value;
  const fail = (what: string): never => {
    throw new KubeconfigError(`kubeconfig ${user.file}: ${user.label} ${what}`, [user.file], user.label);
  };
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
  if (u.exec) creds.exec = execConfig(u.exec, cluster, user);
  const conflict = credentialConflict(creds);
  if (conflict) fail(conflict);
  const execProblem = creds.exec && execConfigProblem(creds.exec);
  if (execProblem) fail(`has an exec section that ${execProblem}`);

  // A client key without a certificate is ignored, as in kubectl.
  const certData = u["client-certificate-data"];
  const certFile = u["client-certificate"];
  const keyData = u["client-key-data"];
  const keyFile = u["client-key"];
  let pair: { cert: Buffer; key: Buffer } | undefined;
  if (certData || certFile) {
    if (certData && certFile)
      fail("sets both client-certificate-data and client-certificate, which kubectl refuses; keep one");
    if (keyData && keyFile) fail("sets both client-key-data and client-key, which kubectl refuses; keep one");
    if (!keyData && !keyFile)
      fail(
        "has a client certificate without its key; set client-key or client-key-data (or remove the certificate)",
      );
    pair = {
      cert: certFile ? await readEntryFile(certFile, "client-certificate", user) : decodeData(certData!),
      key: keyFile ? await readEntryFile(keyFile, "client-key", user) : decodeData(keyData!),
    };
  }
  // Empty lists and mappings count as unset, as in kubectl (`as-user-extra: {}` is fine without as).
  const extra = u["as-user-extra"] && Object.keys(u["as-user-extra"]).length ? u["as-user-extra"] : undefined;
  if ((u["as-uid"] || u["as-groups"]?.length || extra) && !u.as)
    fail("sets as-uid, as-groups or as-user-extra without as; impersonating needs a user name (as)");
  if (u.as) {
    const imp: ImpersonationConfig = { user: u.as };
    if (u["as-uid"]) imp.uid = u["as-uid"];
    if (u["as-groups"]?.length) imp.groups = u["as-groups"];
    if (extra) imp.extra = extra;
    config.impersonate = imp;
  }
  if (!server.https) return;

  // kubectl sends basic auth only with a username. A password alone is ignored when something else
  // identifies the user; with nothing else, kubectl asks for the username on the terminal.
  if (u.password && !u.username) {
    delete creds.password;
    if (!creds.bearerTokenFile && !pair && !creds.exec && !creds.authProvider)
      fail(
        "has a password but no username, so there is no basic auth to send (kubectl would ask for the " +
          "username on the terminal); set username (kubectl config set-credentials NAME --username=USER) " +
          "or remove the password",
      );
  }
  if (creds.authProvider && !creds.exec) {
    // A token, a token file or basic auth sets the Authorization header first, and kubectl's provider
    // passes such a request on: its id-token is not used then (and need not be valid), but kubectl
    // still makes the provider, so an unsupported one or one without its settings is refused.
    const p = creds.authProvider;
    const superseded = !!(creds.bearerToken || creds.bearerTokenFile || creds.username);
    const problem =
      superseded && p.name === "oidc"
        ? oidcKubeconfigProblem(p, Date.now(), false)
        : (authProviderProblem(p) ?? oidcKubeconfigProblem(p));
    if (problem) fail(`cannot be used: its ${problem}`);
  }
  if (u.tokenFile && !u.token) await readEntryFile(u.tokenFile, "tokenFile", user);
  if (pair) {
    const problem = keyPairProblem(
      pair.cert,
      pair.key,
      certFile ? `client-certificate ${certFile}` : "client-certificate-data",
      keyFile ? `client-key ${keyFile}` : "client-key-data",
    );
    if (problem) fail(problem);
    const tls: TLSConfig = {};
    if (certFile) tls.certFile = certFile;
    else tls.certData = pair.cert;
    if (keyFile) tls.keyFile = keyFile;
    else tls.keyData = pair.key;
    config.tls = { ...config.tls, ...tls };
  }
  Object.assign(config, creds);
}

/**
 * Resolves a merged kubeconfig + overrides into a RestConfig (client-go's DirectClientConfig): select
 * the context → look up its cluster and user → apply the overrides → the server → the cluster's TLS →
 * the user's credentials.
 */
async function resolveConfig(m: Merged, overrides: KubeconfigOverrides = {}): Promise<LoadedKubeconfig> {
  const ctx = selectContext(m, overrides);
  const { cluster, user } = lookUpEntries(m, ctx, overrides);
  applyOverrides(cluster.value, user.value, overrides);
  const server = serverOf(cluster, m.files);
  const config = await clusterConfig(cluster, server);
  await userCredentials(config, user, cluster.value, server);
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
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !mustExist) return undefined;
    throw new KubeconfigError(
      `kubeconfig ${file} ${whyUnreadable(err)}; check the path you passed (or KUBECONFIG)`,
      [file],
    );
  }
  return resolveKubeconfigPaths(parseKubeconfig(decodeKubeconfigBytes(bytes, file), file), dirname(file));
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
    const looked = files.length
      ? `looked for ${files.join(", ")}`
      : `KUBECONFIG is ${JSON.stringify((opts.env ?? process.env).KUBECONFIG)}, which names no file`;
    throw new KubeconfigError(
      `no kubeconfig found (${looked}); set KUBECONFIG or pass a kubeconfig path ` +
        "(or use inClusterConfig() inside a pod)",
      files,
    );
  }
  return resolveConfig(merge(docs), opts.overrides);
}

/**
 * Resolves kubeconfig YAML text (e.g. a test user's): relative paths against `baseDir` (default cwd),
 * `name` in messages. Asynchronous because the files it names are checked, as loadKubeconfig does.
 */
export async function configFromKubeconfigText(
  text: string,
  opts: { overrides?: KubeconfigOverrides; baseDir?: string; name?: string } = {},
): Promise<LoadedKubeconfig> {
  const file = opts.name ?? "<kubeconfig text>";
  const kc = resolveKubeconfigPaths(parseKubeconfig(text, file), opts.baseDir ?? process.cwd());
  return resolveConfig(merge([{ kc, file }]), opts.overrides);
}

let warned = false;

/**
 * client-go's clientcmd.BuildConfigFromFlags. With a kubeconfig path: that file (plus `masterUrl` as
 * a server override). With only `masterUrl`: a bare config for that server. With neither: a warning,
 * then the in-cluster config (`inCluster` points it elsewhere, for tests); when that fails, a
 * ConfigError: as in client-go, KUBECONFIG and ~/.kube/config are not read (use loadKubeconfig()).
 */
export async function buildConfigFromFlags(
  masterUrl: string,
  kubeconfigPath: string,
  inCluster?: InClusterOptions,
): Promise<RestConfig> {
  if (!masterUrl && !kubeconfigPath) {
    if (!warned) {
      warned = true;
      process.stderr.write(
        "Warning: neither a kubeconfig path nor a master URL was given; using the in-cluster config. This might not work.\n",
      );
    }
    try {
      return await inClusterConfig(inCluster);
    } catch (err) {
      // client-go then loads an explicit path of "" (nothing) and finds no configuration at all.
      throw new ConfigError(
        `no configuration has been provided: buildConfigFromFlags got neither a kubeconfig path nor a master URL, ` +
          `and the in-cluster config is unavailable (${(err as Error).message}); pass a kubeconfig path ` +
          "(e.g. ~/.kube/config) or a master URL, or use loadKubeconfig() for KUBECONFIG / ~/.kube/config",
        { cause: err },
      );
    }
  }
  if (!kubeconfigPath) {
    // client-go: an empty explicit path loads nothing; only the server is set.
    return { host: masterUrl, namespace: "default" };
  }
  const overrides: KubeconfigOverrides = {};
  if (masterUrl) overrides.server = masterUrl;
  return (await loadKubeconfig({ path: kubeconfigPath, overrides })).config;
}
