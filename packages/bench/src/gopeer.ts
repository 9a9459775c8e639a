// The client-go peer: packages/bench/go, built once with the local Go toolchain into
// ~/.cache/org-bench/ (keyed by a hash of its sources) and run as a child process.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const goDir = join(dirname(fileURLToPath(import.meta.url)), "..", "go");

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, encoding: "buffer", maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`${cmd} ${args.join(" ")} failed: ${String(stderr).trim() || err.message}`));
        else resolve(stdout);
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
  });
}

/** Path of the built client-go program; builds it when its sources changed. Throws with the reason when Go is missing. */
export async function ensureGoBinary(log: (s: string) => void): Promise<string> {
  const h = createHash("sha256");
  for (const f of ["main.go", "go.mod", "go.sum"]) h.update(readFileSync(join(goDir, f)));
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "org-bench");
  const bin = join(cacheDir, `bench-go-${h.digest("hex").slice(0, 16)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  log(`building the client-go peer into ${bin} (first run only; a few minutes on 2 cores)`);
  await run("go", ["build", "-trimpath", "-o", bin, "."], {
    cwd: goDir,
    env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
  });
  return bin;
}

export interface GoResult {
  ms: number[];
  /** The Go process's user + system CPU time per repetition, ms. */
  cpuMs?: number[];
  n: number;
}

export async function runGo(bin: string, args: string[]): Promise<GoResult> {
  const out = await run(bin, args);
  return JSON.parse(out.toString("utf8")) as GoResult;
}

export async function goToProto(bin: string, listJSON: Buffer): Promise<Buffer> {
  return run(bin, ["toproto"], { input: listJSON });
}
