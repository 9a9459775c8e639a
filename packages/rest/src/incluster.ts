// In-cluster configuration, like client-go's rest.InClusterConfig (and clientcmd's in-cluster
// namespace): the API server from KUBERNETES_SERVICE_HOST/PORT, the service account's token, CA and
// namespace from the service-account directory. The token is read once here (a missing or empty one
// is an error now, not at the first request) and kept as bearerToken; the file stays the source, re-read
// periodically by the token-file credential (auth.ts), since bound tokens rotate.

import { readFile, stat } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { isCABundle, type RestConfig } from "./config.js";
import { ConfigError } from "./errors.js";

export const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is unset or empty: client-go's ErrNotInCluster. */
export class NotInClusterError extends ConfigError {
  override name = "NotInClusterError";
}

export interface InClusterOptions {
  /** Where token, ca.crt and namespace live; default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /** Environment to read KUBERNETES_SERVICE_HOST/PORT and POD_NAMESPACE from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Receives the warning about an unusable ca.crt; default: stderr. */
  warn?: (message: string) => void;
}

/**
 * client-go's rest.InClusterConfig. Throws NotInClusterError when KUBERNETES_SERVICE_HOST or
 * KUBERNETES_SERVICE_PORT is unset or empty, a ConfigError naming the variable or the file when one
 * cannot be used (a port that is not a number, a missing or empty token file). A ca.crt that is missing
 * or holds no PEM certificate is a warning, and the system roots are used, as in client-go.
 */
export async function inClusterConfig(opts: InClusterOptions = {}): Promise<RestConfig> {
  const env = opts.env ?? process.env;
  const dir = opts.serviceAccountDir ?? defaultServiceAccountDir;
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "";
  if (!host || !port) {
    const unset = [host ? "" : "KUBERNETES_SERVICE_HOST", port ? "" : "KUBERNETES_SERVICE_PORT"].filter(
      Boolean,
    );
    throw new NotInClusterError(
      `unable to load in-cluster configuration: ${unset.join(" and ")} ${unset.length > 1 ? "are" : "is"} not set ` +
        "(the kubelet sets KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT in a pod); " +
        "outside a pod use a kubeconfig (buildConfigFromFlags / loadKubeconfig)",
    );
  }
  const config: RestConfig = { host: serviceURL(host, port) };
  const tokenFile = join(dir, "token");
  config.bearerToken = await readToken(tokenFile);
  config.bearerTokenFile = tokenFile;
  const caFile = join(dir, "ca.crt");
  const caProblem = await caFileProblem(caFile);
  if (caProblem) {
    // client-go logs and continues with the system roots.
    (opts.warn ?? ((m) => process.stderr.write(`Warning: ${m}\n`)))(
      `cannot use the cluster CA ${caFile}: ${caProblem}; using the system roots instead`,
    );
  } else {
    config.tls = { caFile };
  }
  config.namespace = await namespace(env, join(dir, "namespace"));
  return config;
}

/** "https://" + Go's net.JoinHostPort(host, port), with the values checked (client-go checks neither). */
function serviceURL(host: string, port: string): string {
  if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new ConfigError(
      `KUBERNETES_SERVICE_PORT is ${JSON.stringify(port)}, which is not a port number (1-65535); ` +
        "set it to the API server's port, as the kubelet does (e.g. 443)",
    );
  const bad = (why: string) =>
    new ConfigError(
      `KUBERNETES_SERVICE_HOST is ${JSON.stringify(host)}, ${why}; ` +
        "set it to the API server's IP address or DNS name, as the kubelet does (e.g. 10.96.0.1 or fd00::1)",
    );
  // JoinHostPort brackets any host with a colon: that must be an IPv6 address, given without brackets.
  if (host.includes(":")) {
    if (isIP(host) !== 6)
      throw bad("which is not an IPv6 address (give a bare address, without brackets or a port)");
    return `https://[${host}]:${port}`;
  }
  const url = `https://${host}:${port}`;
  if (/[\s/?#@[\]\\%]/.test(host) || !URL.canParse(url))
    throw bad("which is not a host name or an IP address");
  return url;
}

/** A regular file's bytes (a FIFO or a device would block; the kubelet writes regular files). */
async function readRegularFile(file: string): Promise<Buffer> {
  if (!(await stat(file)).isFile())
    throw Object.assign(new Error("not a regular file"), { code: "not a regular file" });
  return readFile(file);
}

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

async function readToken(file: string): Promise<string> {
  let token: string;
  try {
    token = (await readRegularFile(file)).toString("utf8").trim();
  } catch (err) {
    throw new ConfigError(
      `unable to load in-cluster configuration: cannot read the service account token ${file}: ${reason(err)}; ` +
        "mount the pod's service account token (automountServiceAccountToken must not be false on the pod " +
        "or its service account), or outside a pod use a kubeconfig",
    );
  }
  if (!token)
    throw new ConfigError(
      `unable to load in-cluster configuration: the service account token ${file} is empty; ` +
        "the kubelet writes the pod's token there: check the pod's projected service account token volume",
    );
  return token;
}

async function caFileProblem(file: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file);
  } catch (err) {
    return `cannot read it (${reason(err)})`;
  }
  return isCABundle(bytes)
    ? undefined
    : "it holds no PEM certificate (no -----BEGIN CERTIFICATE----- block that parses)";
}

/** clientcmd's in-cluster namespace: POD_NAMESPACE, else the namespace file (trimmed), else "default". */
async function namespace(env: NodeJS.ProcessEnv, file: string): Promise<string> {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return (await readFile(file, "utf8")).trim() || "default";
  } catch {
    return "default";
  }
}
