// RestConfig, the counterpart of client-go's rest.Config: everything needed to talk to one API server.

import { X509Certificate } from "node:crypto";
import type { RateLimiter } from "./ratelimit.js";

export interface TLSConfig {
  /** PEM of the CA bundle that signs the server certificate (replaces the system roots). */
  caData?: string | Uint8Array;
  caFile?: string;
  /** PEM of the client certificate and key. */
  certData?: string | Uint8Array;
  certFile?: string;
  keyData?: string | Uint8Array;
  keyFile?: string;
  /** Skip server certificate verification. Only when set explicitly; never a default. */
  insecure?: boolean;
  /** Server name for SNI and certificate verification, when it differs from the host. */
  serverName?: string;
}

/** An exec credential plugin (client.authentication.k8s.io v1 / v1beta1), as in a kubeconfig user. */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  /** "client.authentication.k8s.io/v1" or "client.authentication.k8s.io/v1beta1". */
  apiVersion: string;
  installHint?: string;
  /** Send the cluster (server, CA, ...) to the plugin in KUBERNETES_EXEC_INFO. */
  provideClusterInfo?: boolean;
  /** "Never" | "IfAvailable" | "Always": whether the plugin may use the terminal's stdin. */
  interactiveMode?: "Never" | "IfAvailable" | "Always";
  /** The cluster's `extensions["client.authentication.k8s.io/exec"]`, passed on as spec.cluster.config. */
  clusterConfig?: unknown;
  /** Directory the command was resolved against (the kubeconfig file's); informational. */
  workingDir?: string;
  /** Where the exec section comes from, for messages: `user "ann" in kubeconfig /home/me/.kube/config`. */
  origin?: string;
  /**
   * How long one run of the plugin may take before it is stopped and the request fails with an
   * ExecPluginError; default 60 000 (one minute), 0 for no limit. Not part of a kubeconfig: set it on
   * the loaded config (`config.exec.timeoutMs`), e.g. for a plugin that waits for a login in a browser.
   */
  timeoutMs?: number;
}

/**
 * The TLS settings that cannot work together, as the rest of a sentence about a config or a kubeconfig
 * cluster ("sets ..."); undefined when fine. client-go's transport refuses the same.
 */
export function tlsConflict(t: TLSConfig | undefined): string | undefined {
  if (t?.insecure && (t.caData?.length || t.caFile))
    return (
      "sets insecure-skip-tls-verify together with a certificate authority, which kubectl refuses " +
      '("specifying a root certificates file with the insecure flag is not allowed"); keep the certificate authority and drop insecure-skip-tls-verify'
    );
  return undefined;
}

/** The PEM blocks of `bytes` (type and whole text). */
export function pemBlocks(bytes: Buffer): { type: string; text: string }[] {
  const out: { type: string; text: string }[] = [];
  for (const m of bytes.toString("latin1").matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g))
    out.push({ type: m[1]!, text: m[0] });
  return out;
}

/** Go's CertPool.AppendCertsFromPEM: at least one CERTIFICATE block that parses. */
export function isCABundle(bytes: Buffer): boolean {
  return pemBlocks(bytes).some((b) => {
    if (b.type !== "CERTIFICATE") return false;
    try {
      new X509Certificate(b.text);
      return true;
    } catch {
      return false;
    }
  });
}

/** A legacy kubeconfig auth-provider. Only "oidc" (its id-token) is supported; use exec plugins. */
export interface AuthProviderConfig {
  name: string;
  config?: Record<string, string>;
}

export interface ImpersonationConfig {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface RestConfig {
  /** "https://127.0.0.1:6443"; a bare host:port means https when TLS is configured, else http. */
  host: string;
  /** Prefix of the core group's path; default "/api". Groups always use "/apis". */
  apiPath?: string;
  tls?: TLSConfig;
  bearerToken?: string;
  /**
   * Re-read at least once a minute (bound service-account tokens rotate); wins over bearerToken, which
   * (as in client-go) is used while the file cannot be read or is empty and no earlier read succeeded.
   */
  bearerTokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  authProvider?: AuthProviderConfig;
  impersonate?: ImpersonationConfig;
  /**
   * client-go's DisableCompression (a kubeconfig cluster's disable-compression). This client never
   * asks for compressed responses, so the setting only reaches exec plugins, in KUBERNETES_EXEC_INFO's
   * spec.cluster, as client-go passes it.
   */
  disableCompression?: boolean;
  /** http(s):// proxy; default: HTTPS_PROXY / HTTP_PROXY unless NO_PROXY matches (loopback never proxied). */
  proxyURL?: string;
  userAgent?: string;
  /** Requests per second of the client-side token bucket; default 5; <= 0 disables limiting. */
  qps?: number;
  /** Bucket size; default 10. */
  burst?: number;
  /** A limiter of your own, or null to disable limiting. */
  rateLimiter?: RateLimiter | null;
  /**
   * Per request, from the first byte (connect and TLS included, every attempt, wait and the body
   * read); for watches and streams only until the headers. Default 70 s (`defaultTimeoutMs`: above
   * the API server's own 60 s limit, so its Timeout answer comes first); 0: none.
   */
  timeoutMs?: number;
  /**
   * Watches and streams: end with a TransportError (code `IDLE_TIMEOUT`) after this long without a
   * byte. Default: a watch's is derived from its bookmarks and timeoutSeconds (`watchIdleTimeoutMs`),
   * a stream (logs) has none (a quiet container sends nothing); 0: none.
   */
  idleTimeoutMs?: number;
  /** Receives each `Warning` header of a response; default: each distinct message once on stderr. */
  warningHandler?: (message: string) => void;
  /** Namespace from the kubeconfig context or the in-cluster namespace file, else "default". */
  namespace?: string;
  /** Retries of 429/5xx-with-Retry-After responses and of GETs after a connection reset; default 10. */
  maxRetries?: number;
}
