// In-cluster configuration, like client-go's rest.InClusterConfig: the API server from
// KUBERNETES_SERVICE_HOST/PORT, the service account's token (re-read at least once a minute, since
// bound tokens rotate), CA and namespace from the service-account directory.

import { access, readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import type { RestConfig } from "./config.js";
import { ConfigError } from "./errors.js";

export const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

export class NotInClusterError extends ConfigError {
  override name = "NotInClusterError";
}

export interface InClusterOptions {
  /** Where token, ca.crt and namespace live; default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /** Environment to read KUBERNETES_SERVICE_HOST/PORT and POD_NAMESPACE from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function inClusterConfig(opts: InClusterOptions = {}): Promise<RestConfig> {
  const env = opts.env ?? process.env;
  const dir = opts.serviceAccountDir ?? defaultServiceAccountDir;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new NotInClusterError(
      "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set; " +
        "outside a pod use a kubeconfig (buildConfigFromFlags / loadKubeconfig)",
    );
  }
  const tokenFile = join(dir, "token");
  try {
    await access(tokenFile);
  } catch {
    throw new NotInClusterError(
      `not running in a cluster with a service account: cannot read ${tokenFile}; ` +
        "mount a service account token (automountServiceAccountToken) or use a kubeconfig",
    );
  }
  const config: RestConfig = {
    host: `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    bearerTokenFile: tokenFile,
  };
  const caFile = join(dir, "ca.crt");
  try {
    await access(caFile);
    config.tls = { caFile };
  } catch {
    // client-go logs and continues with the system roots.
    process.stderr.write(`Warning: expected the cluster CA at ${caFile}; using the system roots\n`);
  }
  let namespace = env.POD_NAMESPACE || "";
  if (!namespace) {
    try {
      namespace = (await readFile(join(dir, "namespace"), "utf8")).trim();
    } catch {
      namespace = "";
    }
  }
  config.namespace = namespace || "default";
  return config;
}
