// Locating (and on first use building) kube-apiserver, kube-controller-manager and etcd for a version.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, createWriteStream, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tailFile } from "./proc.js";

export const DEFAULT_K8S_VERSION = "v1.36.3";
export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager"] as const;

/** The Kubernetes version to use: the option, else $K8S_VERSION, else v1.36.3. */
export function resolveVersion(version?: string): string {
  const v = version ?? process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION;
  const norm = v.startsWith("v") ? v : `v${v}`;
  if (!/^v1\.\d+\.\d+$/.test(norm)) {
    throw new Error(
      `invalid Kubernetes version "${v}": expected the form v1.X.Y, e.g. ${DEFAULT_K8S_VERSION}`,
    );
  }
  return norm;
}

/** $ORG_TESTENV_CACHE, else $XDG_CACHE_HOME/org-testenv, else ~/.cache/org-testenv. */
export function cacheRoot(): string {
  return (
    process.env.ORG_TESTENV_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "org-testenv")
  );
}

export function binDirFor(version: string): string {
  return join(cacheRoot(), version, "bin");
}

export const buildScript = fileURLToPath(new URL("../scripts/build-binaries.sh", import.meta.url));

/** The node agent's Go sources (built by the build script into `<binDir>/node-agent`). */
export const agentSourceDir = fileURLToPath(new URL("../agent/", import.meta.url));

/**
 * True when `<binDir>/node-agent` exists and was built from the current agent sources (the build
 * script records their sha256, over the `*.go` files in name order, in node-agent.sha256).
 */
export function nodeAgentFresh(binDir: string): boolean {
  if (!executable(join(binDir, "node-agent"))) return false;
  const h = createHash("sha256");
  for (const f of readdirSync(agentSourceDir)
    .filter((n) => n.endsWith(".go"))
    .sort()) {
    h.update(readFileSync(join(agentSourceDir, f)));
  }
  try {
    return readFileSync(join(binDir, "node-agent.sha256"), "utf8").trim() === h.digest("hex");
  } catch {
    return false;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function missingBinaries(binDir: string): string[] {
  return BINARIES.filter((b) => !executable(join(binDir, b)));
}

/** Thrown when the binaries cannot be built. */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly logPath: string,
  ) {
    super(message);
    this.name = "BuildError";
  }
}

/**
 * Returns the directory holding the three binaries for `version`, building them from Go modules with
 * scripts/build-binaries.sh when they are missing (minutes on first use; progress goes to `onProgress`).
 * With `binDir` (or $ORG_TESTENV_BIN_DIR) prebuilt binaries are used and nothing is built.
 */
export async function ensureBinaries(
  version: string,
  opts: { binDir?: string; onProgress?: (line: string) => void } = {},
): Promise<string> {
  const given = opts.binDir ?? process.env.ORG_TESTENV_BIN_DIR;
  if (given) {
    const missing = missingBinaries(given);
    if (missing.length > 0) {
      throw new Error(`${given} (binDir / ORG_TESTENV_BIN_DIR) lacks executable ${missing.join(", ")}`);
    }
    return given;
  }
  const binDir = binDirFor(version);
  if (missingBinaries(binDir).length === 0 && nodeAgentFresh(binDir)) return binDir;

  const logDir = join(cacheRoot(), version);
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, "build.log");
  const log = createWriteStream(logPath, { flags: "w" });
  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  progress(
    `[testenv] building Kubernetes ${version} binaries from Go modules into ${binDir} (log: ${logPath})`,
  );
  const started = Date.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn("bash", [buildScript, version], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ORG_TESTENV_CACHE: cacheRoot() },
    });
    let partial = "";
    child.stderr.on("data", (chunk: Buffer) => {
      log.write(chunk);
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.startsWith("[testenv]")) progress(l);
    });
    child.stdout.on("data", (chunk: Buffer) => log.write(chunk));
    child.on("error", (e) =>
      reject(new BuildError(`could not run bash ${buildScript}: ${e.message}`, logPath)),
    );
    child.on("close", (c, sig) => resolve(c ?? (sig ? 128 : 1)));
  });
  await new Promise<void>((r) => log.end(r));
  if (code !== 0) {
    const tail = tailFile(logPath, 30);
    if (code === 3) throw new BuildError(tail.split("\n").filter(Boolean).pop() ?? "Go is missing", logPath);
    const failed = /\[testenv\] FAILED \(exit \d+\): (.*)$/m.exec(tail)?.[1];
    throw new BuildError(
      `building the Kubernetes ${version} binaries failed (exit ${code})` +
        (failed ? ` in: ${failed}` : "") +
        `\nfull log: ${logPath}\n--- last lines ---\n${tail}`,
      logPath,
    );
  }
  const missing = missingBinaries(binDir);
  if (missing.length > 0) {
    throw new BuildError(`the build finished but ${missing.join(", ")} is missing in ${binDir}`, logPath);
  }
  progress(`[testenv] built ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return binDir;
}
