import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { generate, writeFilesAtomically } from "./generate.js";
import { runCli } from "./run.js";

const fixtures = join(import.meta.dirname, "..", "fixtures");
const mini = join(fixtures, "mini.swagger.json");
const work = mkdtempSync(join(tmpdir(), "codegen-generate-"));
after(() => rmSync(work, { recursive: true, force: true }));

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out[relative(dir, join(d, e.name))] = readFileSync(join(d, e.name), "utf8");
    }
  };
  walk(dir);
  return out;
}

describe("writeFilesAtomically", () => {
  it("replaces the whole directory: stale files go, no temp directories stay", () => {
    const out = join(work, "atomic", "generated");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "stale.ts"), "old");
    writeFilesAtomically(out, new Map([["a/b.ts", "x\n"]]));
    assert.deepEqual(snapshot(out), { "a/b.ts": "x\n" });
    assert.deepEqual(readdirSync(join(work, "atomic")), ["generated"]);
  });
});

describe("generate", () => {
  it("writes types and clientset; twice gives identical bytes", async () => {
    const a = join(work, "a");
    const b = join(work, "b");
    for (const dir of [a, b]) {
      const types = await generate({
        target: "types",
        out: join(dir, "types"),
        input: { kind: "path", path: mini },
      });
      const cs = await generate({
        target: "clientset",
        out: join(dir, "cs"),
        input: { kind: "path", path: mini },
      });
      assert.deepEqual(
        [types.groupVersions, types.resources, types.subresources, types.files, cs.files],
        [2, 5, 7, 8, 5],
      );
    }
    assert.deepEqual(snapshot(join(a, "types")), snapshot(join(b, "types")));
    assert.deepEqual(snapshot(join(a, "cs")), snapshot(join(b, "cs")));
    const readme = readFileSync(join(a, "cs", "README.md"), "utf8");
    assert.match(readme, /^# Generated code: do not edit\n/);
    assert.match(readme, /from mini\.swagger\.json/);
    assert.match(readme, /replaces this directory as a whole on every run, so edits here are lost/);
    assert.match(readme, /`npm run build`/);
    assert.match(readFileSync(join(a, "types", "README.md"), "utf8"), /`org-codegen types --out/);
  });
  it("wires in an expansion that exists next to the output", async () => {
    const root = join(work, "exp");
    mkdirSync(join(root, "expansions", "core", "v1"), { recursive: true });
    writeFileSync(
      join(root, "expansions", "core", "v1", "pod.ts"),
      "export interface PodExpansion {}\nexport const podExpansion = {};\n",
    );
    await generate({
      target: "clientset",
      out: join(root, "generated"),
      input: { kind: "path", path: mini },
    });
    const core = readFileSync(join(root, "generated", "core", "v1.ts"), "utf8");
    assert.match(
      core,
      /import \{ type PodExpansion, podExpansion \} from "\.\.\/\.\.\/expansions\/core\/v1\/pod\.js";/,
    );
    assert.match(core, /expansion: podExpansion,\n\};/);
    assert.doesNotMatch(core, /NamespaceExpansion|namespaceExpansion/);
  });
});

describe("org-codegen CLI", () => {
  const run = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const status = await runCli(args, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      isTTY: false,
      env: {},
      cwd: work,
    });
    return { status, stdout, stderr };
  };

  it("prints usage with --help (also through the process entry)", async () => {
    const r = await run("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: org-codegen <types\|clientset\|informers> --out <dir>/);
    const p = spawnSync(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(import.meta.dirname, "cli.ts"), "--help"],
      { encoding: "utf8" },
    );
    assert.equal(p.status, 0);
    assert.equal(p.stdout, r.stdout);
    const cliPath = join(import.meta.dirname, "cli.ts");
    const args = ["types", "--out", join(work, "x"), "--spec", join(work, "nope.json")];
    const bad = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", cliPath, ...args], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^org-codegen: spec not found: /);
  });
  it("fails with a clear message and leaves the previous output untouched", async () => {
    const out = join(work, "cli", "generated");
    assert.equal((await run("types", "--out", out, "--spec", mini)).status, 0);
    const before = snapshot(out);
    assert.ok(Object.keys(before).length > 0);
    writeFileSync(join(work, "cli", "bad.json"), "{");
    writeFileSync(
      join(work, "cli", "pets.json"),
      JSON.stringify({ swagger: "2.0", paths: {}, definitions: {} }),
    );
    const cases: [string, RegExp][] = [
      [join(work, "cli", "missing.json"), /spec not found/],
      [join(work, "cli", "bad.json"), /is not valid JSON/],
      [join(work, "cli", "pets.json"), /is not a Kubernetes API spec/],
      ["http://127.0.0.1:9/swagger.json", /cannot reach http:\/\/127\.0\.0\.1:9\/swagger\.json/],
    ];
    for (const [spec, message] of cases) {
      const r = await run("types", "--out", out, "--spec", spec);
      assert.equal(r.status, 1, spec);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^org-codegen: /);
    }
    assert.deepEqual(snapshot(out), before);
    assert.equal(
      readdirSync(join(work, "cli")).some((e) => e.includes(".tmp-")),
      false,
    );
  });
  it("resolves relative paths against the working directory, and rejects bad usage", async () => {
    mkdirSync(join(work, "rel"), { recursive: true });
    writeFileSync(join(work, "rel", "spec.json"), readFileSync(mini));
    const ok = await run("clientset", "--out", "rel/out", "--spec", "rel/spec.json");
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(existsSync(join(work, "rel", "out", "index.ts")));
    const cases: [string[], RegExp][] = [
      [["nope", "--out", "x"], /expected "types", "clientset", "informers" or "crd"/],
      [["types"], /--out <dir> is required/],
      [["types", "--bogus"], /Unknown option '--bogus'/],
      [
        ["types", "--out", "x", "--spec", "a.json", "--from-cluster"],
        /use one of --spec, --from-cluster, not several/,
      ],
      [
        ["types", "--out", "x", "--from-cluster", "--k8s-version", "1.36.3"],
        /use one of --from-cluster, --k8s-version/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      assert.equal(r.status, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Usage: org-codegen/);
    }
  });
});
