// Credentials: which Authorization header a request carries. Static ones (bearer token, basic auth,
// OIDC id-token) are known without I/O and go into buildRequest; token files and exec plugins are
// resolved per request by the Authenticator (token file re-read at least once a minute).

import { readFile } from "node:fs/promises";
import type { RestConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { type ExecCredential, getExecCredential } from "./exec.js";

/** Checks that the config's authentication settings can work together; throws ConfigError. */
export function validateAuth(config: RestConfig): void {
  const hasToken = !!(config.bearerToken || config.bearerTokenFile);
  const hasBasic = !!(config.username || config.password);
  if (hasToken && hasBasic) {
    throw new ConfigError("username/password and a bearer token are both set; keep only one of them");
  }
  if (config.exec && config.authProvider) {
    throw new ConfigError("both an exec plugin and an auth-provider are set; keep only the exec plugin");
  }
  if (authMode(config) === "auth-provider") providerToken(config.authProvider!);
}

function providerToken(p: NonNullable<RestConfig["authProvider"]>): string {
  if (p.name !== "oidc") {
    const hint = p.name === "gcp" ? " (gke-gcloud-auth-plugin)" : p.name === "azure" ? " (kubelogin)" : "";
    throw new ConfigError(
      `auth-provider ${JSON.stringify(p.name)} is unsupported (legacy auth providers were removed from client-go); ` +
        `use an exec credential plugin${hint} in the kubeconfig user instead`,
    );
  }
  const token = p.config?.["id-token"];
  if (!token) {
    throw new ConfigError(
      "auth-provider oidc has no id-token in its config; log in again to get one, or use an exec credential plugin (e.g. kubelogin)",
    );
  }
  return token;
}

export type AuthMode = "token-file" | "token" | "basic" | "exec" | "auth-provider" | "none";

/**
 * Which credential a config uses, in client-go's precedence: a bearer token (file first), basic auth,
 * then an exec plugin (ignored when a token, basic auth or a client certificate is set, as in
 * client-go), then an auth-provider.
 */
export function authMode(config: RestConfig): AuthMode {
  if (config.bearerTokenFile) return "token-file";
  if (config.bearerToken) return "token";
  if (config.username || config.password) return "basic";
  const t = config.tls;
  const hasCert = !!(t && (t.certData || t.certFile));
  if (config.exec && !hasCert) return "exec";
  if (config.authProvider && !config.exec) return "auth-provider";
  return "none";
}

/** The Authorization header value known without I/O, or undefined. */
export function staticAuthorization(config: RestConfig): string | undefined {
  switch (authMode(config)) {
    case "token":
      return `Bearer ${config.bearerToken}`;
    case "basic":
      return `Basic ${Buffer.from(`${config.username ?? ""}:${config.password ?? ""}`).toString("base64")}`;
    case "auth-provider":
      return `Bearer ${providerToken(config.authProvider!)}`;
    default:
      return undefined;
  }
}

export interface Credentials {
  authorization?: string;
  /** A client certificate from an exec plugin (PEM). */
  clientCert?: { cert: string; key: string };
  /** Opaque: handed back to `unauthorized` after a 401. */
  handle?: unknown;
}

const tokenFileTTL = 60_000;

/** Per-config credential source for what buildRequest cannot know. */
export class Authenticator {
  readonly #config: RestConfig;
  #file?: { token: string; readAt: number };

  constructor(config: RestConfig) {
    this.#config = config;
  }

  /** True when credentials need I/O (exec plugin, token file). */
  get dynamic(): boolean {
    const m = authMode(this.#config);
    return m === "exec" || m === "token-file";
  }

  async credentials(): Promise<Credentials> {
    const c = this.#config;
    const mode = authMode(c);
    if (mode === "exec") {
      const cred = await getExecCredential(c);
      return fromExec(cred);
    }
    if (mode === "token-file") {
      const token = await this.#readTokenFile(false);
      return { authorization: `Bearer ${token}`, handle: token };
    }
    return {};
  }

  /**
   * After a 401: refresh what can be refreshed. Resolves true when new credentials are available and
   * the request is worth one more try.
   */
  async unauthorized(used: Credentials): Promise<boolean> {
    const c = this.#config;
    const mode = authMode(c);
    if (mode === "exec") {
      const cred = await getExecCredential(c, used.handle as ExecCredential);
      return cred !== used.handle;
    }
    if (mode === "token-file") {
      const token = await this.#readTokenFile(true);
      return token !== used.handle;
    }
    return false;
  }

  async #readTokenFile(force: boolean): Promise<string> {
    const path = this.#config.bearerTokenFile!;
    const now = Date.now();
    if (!force && this.#file && now - this.#file.readAt < tokenFileTTL) return this.#file.token;
    try {
      const token = (await readFile(path, "utf8")).trim();
      if (!token) throw new ConfigError(`bearer token file ${path} is empty; write the token into it`);
      this.#file = { token, readAt: now };
      return token;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      // Keep using the last good token when a rotation briefly removes the file.
      if (this.#file) return this.#file.token;
      throw new ConfigError(
        `cannot read bearer token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; ` +
          "check the path (bearerTokenFile / the kubeconfig user's tokenFile)",
      );
    }
  }
}

function fromExec(cred: ExecCredential): Credentials {
  const out: Credentials = { handle: cred };
  if (cred.token) out.authorization = `Bearer ${cred.token}`;
  if (cred.clientCertificateData && cred.clientKeyData) {
    out.clientCert = { cert: cred.clientCertificateData, key: cred.clientKeyData };
  }
  return out;
}
