// Faults of the binary build: Go missing, a failing build step, bad input.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BuildError, buildScript, ensureBinaries, resolveVersion } from "../src/binaries.js";
import { run } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "org-testenv-build-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs ensureBinaries in a child process with an empty cache and the given PATH. */
async function ensureIn(path: string, version = "v1.36.3") {
  const cache = mkdtempSync(join(tmp, "cache-"));
  const code = `import { ensureBinaries } from ${JSON.stringify(new URL("../src/binaries.ts", import.meta.url).href)};
    try { await ensureBinaries(${JSON.stringify(version)}, { onProgress: () => {} }); console.log("OK"); }
    catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`;
  const r = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    ...process.env,
    PATH: path,
    ORG_TESTENV_CACHE: cache,
    ORG_TESTENV_BIN_DIR: "",
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { name: string; message: string };
}

test("without Go the error names what to install", async () => {
  const bin = mkdtempSync(join(tmp, "bin-"));
  const e = await ensureIn(`${bin}:/usr/bin:/bin`.replace(/(^|:)\/usr\/local\/go\/bin/g, ""));
  assert.equal(e.name, "BuildError");
  assert.match(e.message, /Go is not installed .*install Go >= 1\.26/);
});

test("a failing build step reports the failing command and the tail of its output", async () => {
  // A fake `go`: resolving the module works, `go get` fails like a network or proxy failure would.
  const bin = mkdtempSync(join(tmp, "fakego-"));
  const gomod = join(bin, "k8s.go.mod");
  writeFileSync(gomod, "module k8s.io/kubernetes\n\ngo 1.26.0\n\nrequire (\n\tk8s.io/api v0.0.0\n)\n");
  writeFileSync(
    join(bin, "go"),
    `#!/bin/sh
case "$1 $2" in
  "env GOVERSION") echo go1.26.8 ;;
  "env GOPROXY") echo https://proxy.golang.org ;;
  "mod download") printf '{\\n\\t"GoMod": "%s"\\n}\\n' ${JSON.stringify(gomod)} ;;
  *) echo "go: k8s.io/kubernetes@v1.36.3: simulated proxy failure: 502 Bad Gateway" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, "go"), 0o755);
  const e = await ensureIn(`${bin}:/usr/bin:/bin`);
  assert.equal(e.name, "BuildError");
  assert.match(e.message, /building the Kubernetes v1\.36\.3 binaries failed \(exit 1\) in: go get -tool/);
  assert.match(e.message, /simulated proxy failure: 502 Bad Gateway/);
  assert.match(e.message, /full log: .*build\.log/);
});

test("an installed Go older than the version needs is reported as such", async () => {
  const bin = mkdtempSync(join(tmp, "oldgo-"));
  const gomod = join(bin, "k8s.go.mod");
  writeFileSync(gomod, "module k8s.io/kubernetes\n\ngo 1.26.0\n");
  writeFileSync(
    join(bin, "go"),
    `#!/bin/sh
case "$1 $2" in
  "env GOVERSION") echo go1.24.3 ;;
  "mod download") printf '{\\n\\t"GoMod": "%s"\\n}\\n' ${JSON.stringify(gomod)} ;;
  *) exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, "go"), 0o755);
  const e = await ensureIn(`${bin}:/usr/bin:/bin`);
  assert.match(e.message, /needs Go >= 1\.26\.0 but 'go' on PATH is 1\.24\.3/);
});

test("versions are validated", async () => {
  assert.equal(resolveVersion("1.35.2"), "v1.35.2");
  assert.throws(() => resolveVersion("latest"), /expected the form v1\.X\.Y/);
  const r = await run("bash", [buildScript, "v2"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid Kubernetes version 'v2'/);
});

test("binDir with missing binaries is refused", async () => {
  await assert.rejects(ensureBinaries("v1.36.3", { binDir: tmp }), (e: unknown) => {
    assert.ok(!(e instanceof BuildError));
    assert.match((e as Error).message, /lacks executable etcd, kube-apiserver, kube-controller-manager/);
    return true;
  });
});
