// Credentials as an ordered list of sources, in client-go's precedence. The first source that applies
// to a config is picked once per client; a new authentication method is one new source. A source's
// credential either knows its Authorization header without I/O (token, basic, OIDC id-token: the
// request builder puts it in) or is refreshed before each attempt (token file, exec plugin).

import { readFile } from "node:fs/promises";
import type { AuthProviderConfig, RestConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { type ExecCredential, getExecCredential } from "./exec.js";

/** What one attempt carries: an Authorization header and/or a client certificate. */
export interface Credentials {
  authorization?: string;
  /** A client certificate from an exec plugin (PEM). */
  clientCert?: { cert: string; key: string };
  /** Opaque: handed back to `onUnauthorized` after a 401. */
  handle?: unknown;
}

/** The credential of one client, made by its source. */
export interface Credential {
  /** The Authorization header when it is known without I/O; the request builder adds it. */
  readonly header?: string;
  /** Sources that need I/O: the credentials for the next attempt (re-read or re-run when stale). */
  refresh?(): Promise<Credentials>;
  /** After a 401 answered to `used`: resolves true when a newer credential is worth one more try. */
  onUnauthorized?(used: Credentials): Promise<boolean>;
}

/** One way to authenticate. */
export interface CredentialSource {
  /** "token-file", "token", "basic", "exec", "auth-provider". */
  readonly name: string;
  /** Whether a config authenticates this way (when no earlier source of the list applies). */
  applies(config: RestConfig): boolean;
  /** The credential of one client; throws ConfigError when the source's settings cannot work. */
  create(config: RestConfig): Credential;
}

/** The credential fields of a config (a kubeconfig user maps to these). */
export type CredentialFields = Pick<
  RestConfig,
  "bearerToken" | "bearerTokenFile" | "username" | "password" | "exec" | "authProvider"
>;

/**
 * The one check of credential fields that cannot work together: what is wrong, as the rest of a
 * sentence about the config or kubeconfig user ("has ..."), never with a secret; undefined when fine.
 */
export function credentialConflict(c: CredentialFields): string | undefined {
  // kubectl's two checks: a token with a username or a password (its kubeconfig validation), a
  // token file with a username (its transport; a password alone is no basic auth there).
  if ((c.bearerToken && (c.username || c.password)) || (c.bearerTokenFile && c.username))
    return "has more than one authentication method (token, basic auth); keep only one";
  if (c.exec && c.authProvider)
    return "has both an exec plugin and an auth-provider; keep only the exec plugin";
  if (c.exec && !c.exec.command) return "has an exec section without a command; set exec.command";
  return undefined;
}

// client-go's cached file token source: a read is good for a minute less a 10 s leeway, so the file
// (a bound service-account token the kubelet rotates) is re-read once it is 50 s old.
const tokenFileTTL = 50_000;

const tokenFile: CredentialSource = {
  name: "token-file",
  applies: (c) => !!c.bearerTokenFile,
  create(config) {
    const path = config.bearerTokenFile!;
    let last: { token: string; readAt: number } | undefined;
    // client-go: a file that cannot be read or is empty leaves the last token read from it in use,
    // else the config's bearerToken (a kubeconfig user with both token and tokenFile); only with
    // neither does the request fail.
    const read = async (force: boolean): Promise<string> => {
      const now = Date.now();
      if (!force && last && now - last.readAt < tokenFileTTL) return last.token;
      let problem: string;
      try {
        const token = (await readFile(path, "utf8")).trim();
        if (token) {
          last = { token, readAt: now };
          return token;
        }
        problem = `bearer token file ${path} is empty; write the token into it`;
      } catch (err) {
        problem =
          `cannot read bearer token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; ` +
          "check the path (bearerTokenFile / the kubeconfig user's tokenFile)";
      }
      if (last) return last.token;
      if (config.bearerToken) return config.bearerToken;
      throw new ConfigError(problem);
    };
    return {
      async refresh() {
        const token = await read(false);
        return { authorization: `Bearer ${token}`, handle: token };
      },
      async onUnauthorized(used) {
        return (await read(true)) !== used.handle;
      },
    };
  },
};

const token: CredentialSource = {
  name: "token",
  applies: (c) => !!c.bearerToken,
  create: (c) => ({ header: `Bearer ${c.bearerToken}` }),
};

const basic: CredentialSource = {
  name: "basic",
  // client-go's HasBasicAuth: a password without a username is not basic auth.
  applies: (c) => !!c.username,
  create: (c) => ({
    header: `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}`,
  }),
};

function fromExec(cred: ExecCredential): Credentials {
  const out: Credentials = { handle: cred };
  if (cred.token) out.authorization = `Bearer ${cred.token}`;
  if (cred.clientCertificateData && cred.clientKeyData) {
    out.clientCert = { cert: cred.clientCertificateData, key: cred.clientKeyData };
  }
  return out;
}

const exec: CredentialSource = {
  name: "exec",
  // Ignored when a client certificate is configured, as in client-go.
  applies: (c) => !!c.exec && !(c.tls?.certData || c.tls?.certFile),
  create: (config) => ({
    refresh: async () => fromExec(await getExecCredential(config)),
    onUnauthorized: async (used) =>
      (await getExecCredential(config, used.handle as ExecCredential)) !== used.handle,
  }),
};

/**
 * Why an auth-provider cannot be used, as a sentence ("auth-provider ... "); undefined when it can.
 * Only oidc's id-token is supported (client-go removed the other providers).
 */
export function authProviderProblem(p: AuthProviderConfig): string | undefined {
  if (p.name !== "oidc") {
    const hint = p.name === "gcp" ? " (gke-gcloud-auth-plugin)" : p.name === "azure" ? " (kubelogin)" : "";
    return (
      `auth-provider ${JSON.stringify(p.name)} is unsupported (legacy auth providers were removed from client-go); ` +
      `use an exec credential plugin${hint} in the kubeconfig user instead`
    );
  }
  if (!p.config?.["id-token"])
    return "auth-provider oidc has no id-token in its config; log in again to get one, or use an exec credential plugin (e.g. kubelogin)";
  return undefined;
}

/**
 * When an OIDC id-token expires (ms since the epoch; 0 when it has no exp claim, which kubectl takes
 * as expired), or undefined when it is not a JWT whose payload is a JSON object.
 */
function oidcExpiry(idToken: string): number | undefined {
  const parts = idToken.split(".");
  // Go's base64.RawURLEncoding: no padding.
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) return undefined;
  // Go's json.Number: a number, or a string that holds one.
  const exp = (claims as { exp?: unknown }).exp ?? 0;
  if (typeof exp !== "number" && (typeof exp !== "string" || !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(exp)))
    return undefined;
  const seconds = Math.trunc(Number(exp));
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** kubectl's oidc provider takes an id-token as expired this long before its exp claim. */
const oidcExpiryLeeway = 10_000;

/**
 * What kubectl's oidc auth-provider refuses in a kubeconfig user, beyond authProviderProblem: no
 * idp-issuer-url or client-id, an id-token that is not a JWT, or one that has expired (kubectl would
 * refresh it with the refresh-token; this client does not). A sentence ("auth-provider oidc ..."),
 * never with a token; undefined when kubectl would send the id-token. With `checkIdToken` false only
 * the settings kubectl needs to make the provider are checked: when a token or basic auth comes first,
 * kubectl makes the provider but never asks it for its id-token.
 */
export function oidcKubeconfigProblem(
  p: AuthProviderConfig,
  now = Date.now(),
  checkIdToken = true,
): string | undefined {
  if (p.name !== "oidc") return undefined;
  const c = p.config ?? {};
  for (const key of ["idp-issuer-url", "client-id"]) {
    if (!c[key])
      return (
        `auth-provider oidc has no ${key} in its config, which kubectl refuses ("Must provide ${key}"); ` +
        `add it (kubectl config set-credentials NAME --auth-provider-arg=${key}=...) or use an exec credential plugin (e.g. kubelogin)`
      );
  }
  const idToken = c["id-token"];
  if (!idToken || !checkIdToken) return undefined; // authProviderProblem says so
  const expiresAt = oidcExpiry(idToken);
  if (expiresAt === undefined)
    return (
      "auth-provider oidc has an id-token that is not a JWT with a readable payload, which kubectl refuses " +
      '("ID Token is not a valid JWT"); log in again to get one, or use an exec credential plugin (e.g. kubelogin)'
    );
  if (now + oidcExpiryLeeway >= expiresAt) {
    const when = expiresAt
      ? `expired at ${new Date(expiresAt).toISOString()}`
      : "has no exp claim (so it counts as expired)";
    const fix = c["refresh-token"]
      ? "this client does not refresh it with the refresh-token: run any kubectl command with this kubeconfig (kubectl refreshes the token and saves it), log in again"
      : "there is no refresh-token to renew it (kubectl refuses it too): log in again";
    return `auth-provider oidc has an id-token that ${when}; ${fix}, or use an exec credential plugin (e.g. kubelogin)`;
  }
  return undefined;
}

/** The legacy auth-provider: only oidc's id-token (see authProviderProblem). */
const authProvider: CredentialSource = {
  name: "auth-provider",
  applies: (c) => !!c.authProvider && !c.exec,
  create(config) {
    const p = config.authProvider!;
    const problem = authProviderProblem(p);
    if (problem) throw new ConfigError(problem);
    return { header: `Bearer ${p.config!["id-token"]}` };
  },
};

/** Every credential source, in client-go's precedence: the first that applies is used. */
export const credentialSources: readonly CredentialSource[] = [tokenFile, token, basic, exec, authProvider];

/** The source a config uses, or undefined for none (anonymous, or a client certificate only). */
export function credentialSource(config: RestConfig): CredentialSource | undefined {
  return credentialSources.find((s) => s.applies(config));
}

/** The credential of one client of `config`: checked once, then made by the source that applies. */
export function credentialFor(config: RestConfig): Credential {
  const conflict = credentialConflict(config);
  if (conflict) throw new ConfigError(`the config ${conflict}`);
  return credentialSource(config)?.create(config) ?? {};
}
