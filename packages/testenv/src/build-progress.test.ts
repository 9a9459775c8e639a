// The cold build reports progress while it runs (step, elapsed time, modules downloaded, packages
// compiled) instead of going silent for minutes. Driven through scripts/build-binaries.sh with a
// stand-in `go` on PATH that downloads and compiles slowly, so the test takes seconds, not minutes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const script = join(import.meta.dirname, "..", "scripts", "build-binaries.sh");
const work = mkdtempSync(join(tmpdir(), "testenv-progress-"));
after(() => rmSync(work, { recursive: true, force: true }));

// `go` as the script calls it: env, mod download -json, get -tool (slow: 4 module zips over 1.4 s),
// build -v -o <file> (slow: one package line every 0.14 s), list -m.
const fakeGo = `#!/usr/bin/env bash
set -eu
MOD="$FAKE_ROOT/gomodcache"
case "$1" in
  env) case "$2" in GOVERSION) echo go1.26.0 ;; GOMODCACHE) echo "$MOD" ;; GOPROXY) echo off ;; esac ;;
  mod) mkdir -p "$FAKE_ROOT/k8s"; printf 'module k8s.io/kubernetes\\n\\ngo 1.26.0\\n' > "$FAKE_ROOT/k8s/go.mod"
       printf '{\\n\\t"GoMod": "%s",\\n}\\n' "$FAKE_ROOT/k8s/go.mod" ;;
  get) mkdir -p "$MOD/cache/download/m"; touch go.sum
       for i in 1 2 3 4; do sleep 0.35; touch "$MOD/cache/download/m/$RANDOM-$i.zip"; done ;;
  list) echo v3.6.8 ;;
  build) out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
         for i in $(seq 1 10); do sleep 0.14; echo "example.com/pkg$i" >&2; done
         printf '#!/bin/sh\\n' > "$out"; chmod +x "$out" ;;
  *) echo "fake go: unexpected $*" >&2; exit 1 ;;
esac
`;

describe("build-binaries.sh progress", () => {
  it("reports each step with elapsed time, modules downloaded and packages compiled", () => {
    const bin = join(work, "bin");
    rmSync(bin, { recursive: true, force: true });
    spawnSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "go"), fakeGo);
    chmodSync(join(bin, "go"), 0o755);
    const r = spawnSync("bash", [script, "v1.36.3"], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_ROOT: work,
        ORG_TESTENV_CACHE: join(work, "cache"),
        PROGRESS_SECONDS: "1",
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(work, "cache", "v1.36.3", "bin"));
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("[testenv]"));
    const report = (label: string, unit: string) =>
      lines.filter((l) => new RegExp(`^\\[testenv\\] ${label}: \\d+m\\d\\ds, \\d+ ${unit}$`).test(l));
    const downloads = report("downloading modules", "modules downloaded");
    assert.ok(downloads.length >= 1, lines.join("\n"));
    const counts = downloads.map((l) => Number(/, (\d+) modules/.exec(l)?.[1]));
    assert.ok(counts.every((n) => n >= 0 && n <= 4) && counts.some((n) => n > 0), downloads.join("\n"));
    for (const c of ["kube-apiserver", "kube-controller-manager", "etcd", "node-agent"]) {
      const built = report(`building ${c}`, "packages compiled");
      assert.ok(built.length >= 1, `progress of ${c}:\n${lines.join("\n")}`);
      assert.ok(lines.some((l) => new RegExp(`^\\[testenv\\] building ${c}: done in \\d+m\\d\\ds$`).test(l)));
    }
    assert.ok(lines.at(-1)?.startsWith("[testenv] binaries ready in"));
  });

  it("reports a failing step with its command and exit code", () => {
    const bin = join(work, "bin-fail");
    spawnSync("mkdir", ["-p", bin]);
    writeFileSync(
      join(bin, "go"),
      fakeGo.replace('  build) out=""', '  build) echo "compile error" >&2; exit 7; out=""'),
    );
    chmodSync(join(bin, "go"), 0o755);
    const r = spawnSync("bash", [script, "v1.36.3"], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_ROOT: work,
        ORG_TESTENV_CACHE: join(work, "cache-fail"),
      },
    });
    assert.equal(r.status, 7);
    assert.match(
      r.stderr,
      /\[testenv\] FAILED \(exit 7\): go build -v -trimpath .* k8s\.io\/kubernetes\/cmd\/kube-apiserver/,
    );
    assert.equal(r.stderr.match(/FAILED/g)?.length, 1, "reported once");
  });
});
