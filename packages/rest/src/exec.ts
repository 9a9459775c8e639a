// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), like client-go's
// plugin/pkg/client/auth/exec: run the command with KUBERNETES_EXEC_INFO, read an ExecCredential from
// its stdout, cache it until its expirationTimestamp, refresh it single-flight, and run the plugin
// again after a 401. The cache is process-wide and keyed by the whole exec config plus the cluster.

import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { ExecConfig, RestConfig } from "./config.js";

export const execApiVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/** How long one plugin run may take by default (ExecConfig.timeoutMs): one minute. */
export const defaultExecTimeoutMs = 60_000;

const interactiveModes = ["Never", "IfAvailable", "Always"];

/**
 * What makes an exec section unusable, as the rest of a sentence about it ("has ..." / "needs ...");
 * undefined when fine. Checked when a kubeconfig is loaded and again before a plugin runs.
 */
export function execConfigProblem(exec: ExecConfig): string | undefined {
  if (!exec.command) return "has no command; set exec.command";
  if (!exec.apiVersion)
    return `has no apiVersion; set exec.apiVersion to one of ${execApiVersions.join(", ")}`;
  if (!execApiVersions.includes(exec.apiVersion)) {
    return (
      `has apiVersion ${JSON.stringify(exec.apiVersion)}, which is not supported; ` +
      `use one of ${execApiVersions.join(", ")} in the exec section`
    );
  }
  if (exec.interactiveMode === undefined && exec.apiVersion.endsWith("/v1")) {
    return (
      `needs interactiveMode for apiVersion ${exec.apiVersion} (interactiveMode must be set); ` +
      "add interactiveMode: Never (or IfAvailable / Always) to the exec section"
    );
  }
  if (exec.interactiveMode !== undefined && !interactiveModes.includes(exec.interactiveMode))
    return `has interactiveMode ${JSON.stringify(exec.interactiveMode)}; use one of ${interactiveModes.join(", ")}`;
  if (exec.env?.some((e) => !e.name)) return "has an env entry without a name; give every env entry a name";
  return undefined;
}

export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** ms since epoch; undefined = no expiry (valid until a 401). */
  expiresAt?: number;
}

/** An exec plugin failure: which command, what went wrong, what to do. Never contains credentials. */
export class ExecPluginError extends Error {
  override name = "ExecPluginError";
}

interface CacheEntry {
  credential?: ExecCredential;
  inflight?: Promise<ExecCredential>;
  /** Number of plugin runs, for tests and diagnostics. */
  runs: number;
}

const cache = new Map<string, CacheEntry>();

/** Stable JSON (sorted keys) so equal configs give equal cache keys. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString("base64"));
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The cluster as the plugin sees it in spec.cluster (client-go's ExecConfig → Cluster). */
export function execCluster(config: RestConfig): Record<string, unknown> {
  const t = config.tls ?? {};
  let ca: string | undefined;
  if (t.caData) ca = Buffer.from(t.caData).toString("base64");
  else if (t.caFile) {
    try {
      ca = readFileSync(t.caFile).toString("base64");
    } catch {
      ca = undefined;
    }
  }
  const cluster: Record<string, unknown> = { server: config.host };
  if (t.serverName) cluster["tls-server-name"] = t.serverName;
  if (t.insecure) cluster["insecure-skip-tls-verify"] = true;
  if (ca) cluster["certificate-authority-data"] = ca;
  if (config.proxyURL) cluster["proxy-url"] = config.proxyURL;
  if (config.disableCompression) cluster["disable-compression"] = true;
  // client-go always sends config, null without the cluster's exec extension.
  cluster.config = config.exec?.clusterConfig ?? null;
  return cluster;
}

export function execCacheKey(config: RestConfig): string {
  const { workingDir: _w, timeoutMs: _t, origin: _o, ...exec } = config.exec ?? ({} as ExecConfig);
  return stable({ exec, cluster: execCluster(config) });
}

/** How many times the plugin of this config has run in this process. */
export function execRuns(config: RestConfig): number {
  return cache.get(execCacheKey(config))?.runs ?? 0;
}

/** Forgets every cached exec credential (tests). */
export function clearExecCache(): void {
  cache.clear();
}

function valid(c: ExecCredential | undefined, now: number): c is ExecCredential {
  return c !== undefined && (c.expiresAt === undefined || now < c.expiresAt);
}

/**
 * The credential for this config: the cached one while it is valid, else one run of the plugin shared
 * by every concurrent caller. `stale` (after a 401) forces a new run unless another caller already
 * replaced that credential.
 */
export function getExecCredential(config: RestConfig, stale?: ExecCredential): Promise<ExecCredential> {
  const key = execCacheKey(config);
  let entry = cache.get(key);
  if (!entry) {
    entry = { runs: 0 };
    cache.set(key, entry);
  }
  if (entry.inflight) return entry.inflight;
  const current = entry.credential;
  if (valid(current, Date.now()) && (stale === undefined || current !== stale))
    return Promise.resolve(current);
  const e = entry;
  e.runs++;
  const p = runPlugin(config).then(
    (cred) => {
      e.credential = cred;
      e.inflight = undefined;
      return cred;
    },
    (err: unknown) => {
      e.inflight = undefined;
      throw err;
    },
  );
  e.inflight = p;
  return p;
}

/**
 * Where a command without a path separator is found on this process's PATH, as Go's exec.LookPath
 * finds it for kubectl: before the plugin's `env` applies, so a PATH set there is the plugin's own,
 * not where its command is looked up (spawn would look in that PATH). "relative" when it is found
 * only in a relative PATH entry ("" or "."), which Go refuses; undefined when not found. Commands with
 * a separator, and every command on Windows, are left to spawn.
 */
export function lookPath(command: string, path = process.env.PATH ?? ""): string | "relative" | undefined {
  if (process.platform === "win32" || command.includes("/")) return command;
  for (const entry of path.split(delimiter)) {
    const file = join(entry || ".", command);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    return isAbsolute(file) ? file : "relative";
  }
  return undefined;
}

function runPlugin(config: RestConfig): Promise<ExecCredential> {
  const exec = config.exec!;
  const name = pluginName(exec);
  const problem = execConfigProblem(exec);
  if (problem) return Promise.reject(new ExecPluginError(`exec plugin ${name} ${problem}`));
  const mode = exec.interactiveMode ?? "IfAvailable";
  const tty = !!process.stdin.isTTY;
  if (mode === "Always" && !tty) {
    return Promise.reject(
      new ExecPluginError(
        `exec plugin ${name} needs an interactive terminal (interactiveMode: Always) but standard input is not a terminal`,
      ),
    );
  }
  const interactive = mode !== "Never" && tty;
  const spec: Record<string, unknown> = { interactive };
  if (exec.provideClusterInfo) spec.cluster = execCluster(config);
  const info = JSON.stringify({ apiVersion: exec.apiVersion, kind: "ExecCredential", spec });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const { name: k, value } of exec.env ?? []) env[k] = value;
  env.KUBERNETES_EXEC_INFO = info;
  const hint = exec.installHint ? `\n${printable(exec.installHint)}` : "";
  const file = lookPath(exec.command);
  if (file === undefined)
    return Promise.reject(
      new ExecPluginError(`exec plugin ${name} was not found (is it installed and on PATH?)${hint}`),
    );
  if (file === "relative")
    return Promise.reject(
      new ExecPluginError(
        `exec plugin ${name} was found only in a relative PATH entry (the current directory), which kubectl refuses; ` +
          `use an absolute command path${hint}`,
      ),
    );

  return new Promise<ExecCredential>((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, exec.args ?? [], {
        argv0: exec.command,
        env,
        stdio: [interactive ? "inherit" : "ignore", "pipe", "inherit"],
      });
    } catch (err) {
      reject(
        new ExecPluginError(`exec plugin ${name} could not be started: ${(err as Error).message}${hint}`),
      );
      return;
    }
    const limit = exec.timeoutMs ?? defaultExecTimeoutMs;
    const timer =
      limit > 0
        ? setTimeout(() => {
            child.kill("SIGTERM");
            setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 2000).unref();
            reject(
              new ExecPluginError(
                `exec plugin ${name} did not finish within ${limit / 1000}s and was stopped; ` +
                  "if it waits for input (a prompt, a login in a browser), run it once by hand, " +
                  `or allow it longer with exec.timeoutMs on the config${hint}`,
              ),
            );
          }, limit)
        : undefined;
    const chunks: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => chunks.push(c));
    child.on("close", () => clearTimeout(timer));
    child.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const what =
        err.code === "ENOENT"
          ? "was not found (is it installed and on PATH?)"
          : `could not be started: ${err.message}`;
      reject(new ExecPluginError(`exec plugin ${name} ${what}${hint}`));
    });
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(
          new ExecPluginError(
            `exec plugin ${name} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); its stderr is above${hint}`,
          ),
        );
        return;
      }
      try {
        resolve(parseCredential(Buffer.concat(chunks).toString("utf8"), exec));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * A kubeconfig's installHint as client-go prints it: letters, marks, numbers, punctuation, symbols,
 * spaces and \t \n \v \f \r as they are, anything else (ESC of a terminal escape sequence, other
 * control characters) as U+001B, so a kubeconfig cannot drive the terminal through an error message.
 */
export function printable(text: string): string {
  return text.replace(
    /[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z}\t\n\v\f\r]/gu,
    (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

/** How messages name a plugin: its command, and the kubeconfig user it belongs to when known. */
function pluginName(exec: ExecConfig): string {
  return `${JSON.stringify(exec.command)}${exec.origin ? ` (${exec.origin})` : ""}`;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function parseCredential(out: string, exec: ExecConfig): ExecCredential {
  const name = pluginName(exec);
  let v: unknown;
  try {
    v = JSON.parse(out);
  } catch {
    throw new ExecPluginError(
      `exec plugin ${name} printed something that is not an ExecCredential JSON object`,
    );
  }
  const o = v as { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> };
  if (!o || typeof o !== "object" || Array.isArray(o)) {
    throw new ExecPluginError(`exec plugin ${name} printed JSON that is not an ExecCredential object`);
  }
  // Like client-go's decoder: the kind may be left out, but not be another one.
  if (o.kind !== undefined && o.kind !== "" && o.kind !== "ExecCredential") {
    throw new ExecPluginError(
      `exec plugin ${name} printed kind ${JSON.stringify(o.kind)}, not kind: ExecCredential`,
    );
  }
  if (o.apiVersion !== exec.apiVersion) {
    throw new ExecPluginError(
      `exec plugin ${name} returned apiVersion ${JSON.stringify(o.apiVersion)}, but the kubeconfig asks for ${exec.apiVersion}`,
    );
  }
  const s = o.status;
  if (!s || typeof s !== "object" || Array.isArray(s))
    throw new ExecPluginError(`exec plugin ${name} returned no status`);
  const str = (field: string): string | undefined => {
    const x = s[field];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== "string")
      throw new ExecPluginError(`exec plugin ${name} returned status.${field} that is not a string`);
    return x;
  };
  const cred: ExecCredential = {};
  const token = str("token");
  const cert = str("clientCertificateData");
  const key = str("clientKeyData");
  const expiration = str("expirationTimestamp");
  if (token) cred.token = token;
  if (cert) cred.clientCertificateData = cert;
  if (key) cred.clientKeyData = key;
  if (!!cred.clientCertificateData !== !!cred.clientKeyData) {
    throw new ExecPluginError(
      `exec plugin ${name} returned a client certificate without its key or the other way round`,
    );
  }
  if (!cred.token && !cred.clientCertificateData) {
    throw new ExecPluginError(`exec plugin ${name} returned neither a token nor a client certificate`);
  }
  if (expiration !== undefined) {
    // metav1.Time: RFC 3339 only (Go's time.RFC3339, fractional seconds allowed), as kubectl reads it.
    const t = rfc3339.test(expiration) ? Date.parse(expiration) : Number.NaN;
    if (Number.isNaN(t))
      throw new ExecPluginError(
        `exec plugin ${name} returned expirationTimestamp ${JSON.stringify(expiration.slice(0, 40))}, ` +
          "which is not an RFC 3339 time (like 2030-01-02T15:04:05Z); fix the plugin or leave the field out",
      );
    cred.expiresAt = t;
  }
  return cred;
}
