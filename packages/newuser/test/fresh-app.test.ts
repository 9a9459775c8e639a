// A new user's path, from the tarballs `npm pack` makes: install them (and nothing else) into a fresh
// app, type-check it strictly (skipLibCheck: false, no @types of its own) with module nodenext, node16
// and bundler, run it against the control plane (ESM, require(esm) from a .cts, import() from a .cts,
// --conditions=source), bundle it with the README's esbuild recipe and run the bundle from a directory
// without node_modules, and lint the tarballs with publint and arethetypeswrong.
import assert from "node:assert/strict";
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";

const repo = resolve(import.meta.dirname, "..", "..", "..");
const bin = (p: string) => join(repo, "node_modules", p);
const tsc = bin("typescript/bin/tsc");
const esbuild = bin("esbuild/bin/esbuild");
/** The packages a user installs, by directory under packages/. */
const published = ["api-types", "rest", "clientset", "informers", "controller"];
/** Published too, but tools rather than what an app installs: packed and linted, not installed. */
const tools = ["testenv", "codegen"];
const packages = [...published, ...tools];

/** Runs a command; fails the test with its output when it exits non-zero. */
function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${out}`);
  return String(r.stdout);
}

/** The last line of stdout, parsed: each app entry prints one JSON line. */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "") as Record<string, unknown>;
}

/** The README's one-line esbuild recipe for an ESM bundle (the sh line that says --format=esm). */
export function esbuildRecipe(readme: string): string {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/\\\n\s*/g, ""));
  const line = blocks.flatMap((b) => b.split("\n")).find((l) => l.includes("--format=esm"));
  assert.ok(line, "README.md has an esbuild --format=esm line in a sh block");
  return line.replace(/\s+#.*$/, "");
}

let work: string;
let app: string;
let tarballs: Map<string, string>;
before(() => {
  work = mkdtempSync(join(tmpdir(), "newuser-"));
  app = join(work, "app");
  mkdirSync(join(work, "tarballs"));
  for (const p of packages) {
    assert.ok(existsSync(join(repo, "packages", p, "dist")), `packages/${p}/dist missing: run npm run build`);
  }
  const packed = JSON.parse(
    run(
      "npm",
      [
        "pack",
        "--json",
        "--pack-destination",
        join(work, "tarballs"),
        ...packages.flatMap((p) => ["-w", `packages/${p}`]),
      ],
      {
        cwd: repo,
      },
    ),
  ) as { name: string; filename: string }[];
  tarballs = new Map(packed.map((p) => [p.name, join(work, "tarballs", p.filename)]));
  cpSync(join(import.meta.dirname, "..", "app"), app, { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "fresh-app", private: true, type: "module" })}\n`,
  );
  // The tarballs only: their dependencies (undici, js-yaml, @types/node) come from the registry (or npm's cache).
  const install = published.map((p) => tarballs.get(`@org/${p}`)!);
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...install], { cwd: app });
  // Every tarball's content, as npm would unpack it.
  for (const p of packages) {
    const dir = join(work, "unpacked", p);
    mkdirSync(dir, { recursive: true });
    run("tar", ["-xzf", tarballs.get(`@org/${p}`)!, "-C", dir, "--strip-components=1"]);
  }
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A strict tsconfig as `tsc --init` (TypeScript 5.9) writes it, with skipLibCheck off. */
function tsconfig(name: string, compilerOptions: Record<string, unknown>, files: string[]): string {
  const file = join(app, `tsconfig.${name}.json`);
  const options = {
    target: "es2022",
    lib: ["es2023"],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: "force",
    skipLibCheck: false,
    noEmit: true,
    ...compilerOptions,
  };
  writeFileSync(file, JSON.stringify({ compilerOptions: options, files }, null, 2));
  return file;
}
const esm = ["main.ts", "main-cjs.ts", "tutorial.ts", "toolkit.ts"];

describe("a fresh app on the published tarballs", () => {
  it("declares no @types of its own: installing our packages brings what their types need", () => {
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), published.map((p) => `@org/${p}`).sort());
    assert.ok(
      existsSync(join(app, "node_modules", "@types", "node", "package.json")),
      "@types/node came with @org/rest",
    );
  });

  it("type-checks strictly (skipLibCheck false, types []) with module nodenext, node16 and bundler", () => {
    const configs = [
      tsconfig("nodenext", { module: "nodenext", noEmit: false, outDir: "out" }, [
        ...esm,
        "require.cts",
        "dynamic-import.cts",
      ]),
      tsconfig("node16", { module: "node16" }, [...esm, "dynamic-import.cts"]),
      tsconfig("bundler", { module: "preserve", moduleResolution: "bundler" }, esm),
    ];
    for (const c of configs) run(process.execPath, [tsc, "-p", c], { cwd: app });
  });

  it("under module node16 a .cts cannot require() the ESM-only packages (TS1471), which is why require.cts needs nodenext", () => {
    const c = tsconfig("node16-require", { module: "node16" }, ["require.cts"]);
    const r = spawnSync(process.execPath, [tsc, "-p", c], { cwd: app, encoding: "utf8" });
    assert.notEqual(r.status, 0);
    // TS1471 for each require() of an ES module; TS1541 for the type import without resolution-mode.
    const errors = [
      ...r.stdout.matchAll(/^require\.cts\(\d+,\d+\): error (TS\d+): .*?('@org\/\w+'|ECMAScript module)/gm),
    ];
    assert.deepEqual(
      errors.map((m) => `${m[1]} ${m[2]}`),
      ["TS1541 ECMAScript module", "TS1471 '@org/clientset'", "TS1471 '@org/rest'"],
      r.stdout,
    );
  });

  it("runs against the control plane: ESM with top-level await, require(esm) and import() from CommonJS", async (t) => {
    const cp = await getControlPlane();
    const ns = await createTestNamespace("newuser");
    t.after(ns.cleanup);
    const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
    const result = lastJson(run(process.execPath, [join(app, "out", "main.js"), ns.name], { cwd: app, env }));
    assert.deepEqual(result, {
      namespaces: result.namespaces,
      kubeSystem: true,
      notFound: true,
      deployments: 0,
      created: "world",
      pages: 3,
      paged: 5,
      watched: "ADDED world",
      toolkit: true,
    });
    assert.ok(Number(result.namespaces) >= 4);
    const viaRequire = lastJson(run(process.execPath, [join(app, "out", "require.cjs")], { cwd: app, env }));
    assert.equal(viaRequire.cjs, "require");
    assert.ok(Number(viaRequire.pods) >= 0);
    const viaImport = lastJson(
      run(process.execPath, [join(app, "out", "dynamic-import.cjs")], { cwd: app, env }),
    );
    assert.equal(viaImport.cjs, "import()");
  });

  it("runs from the shipped TypeScript sources with --conditions=source (tsx)", async (t) => {
    const cp = await getControlPlane();
    const ns = await createTestNamespace("newuser-src");
    t.after(ns.cleanup);
    for (const p of published) {
      const entry = join(app, "node_modules", "@org", p, "src", "index.ts");
      assert.ok(existsSync(entry), `${p}'s tarball ships src/index.ts, where its "source" condition points`);
    }
    const out = run(
      process.execPath,
      ["--conditions=source", "--import", bin("tsx/dist/esm/index.mjs"), "main.ts", ns.name],
      {
        cwd: app,
        env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
      },
    );
    assert.equal(lastJson(out).watched, "ADDED world");
  });

  it("bundles with the README's esbuild recipe (ESM) and out of the box as CommonJS; both bundles run without node_modules", async (t) => {
    const cp = await getControlPlane();
    const recipe = esbuildRecipe(readFileSync(join(repo, "README.md"), "utf8"));
    assert.match(
      recipe,
      /^npx esbuild main\.ts --bundle --platform=node --format=esm --outfile=dist\/main\.mjs /,
    );
    run("sh", ["-c", recipe.replace(/^npx esbuild/, esbuild)], { cwd: app });
    run(
      esbuild,
      [
        "main-cjs.ts",
        "--bundle",
        "--platform=node",
        "--format=cjs",
        "--outfile=dist/main.cjs",
        "--log-level=error",
      ],
      {
        cwd: app,
      },
    );
    // Top-level await cannot become CommonJS: esbuild says so, which is why main-cjs.ts has none.
    const tla = spawnSync(
      esbuild,
      ["main.ts", "--bundle", "--platform=node", "--format=cjs", "--outfile=dist/tla.cjs"],
      {
        cwd: app,
        encoding: "utf8",
      },
    );
    assert.notEqual(tla.status, 0);
    assert.match(tla.stderr, /Top-level await is currently not supported with the "cjs" output format/);
    // The examples' bundle script uses the same banner as the README.
    const banner = /--banner:js="([^"]+)"/.exec(recipe)?.[1];
    assert.ok(banner);
    assert.ok(
      readFileSync(join(repo, "packages", "examples", "scripts", "bundle.mjs"), "utf8").includes(
        banner.replaceAll("'", '"'),
      ),
    );
    const bare = join(work, "bare");
    mkdirSync(bare);
    copyFileSync(join(app, "dist", "main.mjs"), join(bare, "main.mjs"));
    copyFileSync(join(app, "dist", "main.cjs"), join(bare, "main.cjs"));
    const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
    for (const f of ["main.mjs", "main.cjs"]) {
      const ns = await createTestNamespace("newuser-bundle");
      t.after(ns.cleanup);
      const r = lastJson(run(process.execPath, [f, ns.name], { cwd: bare, env }));
      assert.deepEqual([r.notFound, r.paged, r.watched], [true, 5, "ADDED world"], f);
    }
  });

  it("org-codegen from its tarball (no @org/testenv) generates a CRD package that type-checks strictly and runs", async (t) => {
    // A second project, as a user generating a client for their own CRD: codegen as a dev tool.
    const crdApp = join(work, "crd-app");
    cpSync(join(import.meta.dirname, "..", "crd-app"), crdApp, { recursive: true });
    writeFileSync(
      join(crdApp, "package.json"),
      `${JSON.stringify({ name: "crd-app", private: true, type: "module" })}\n`,
    );
    const install = ["api-types", "rest", "clientset", "informers", "codegen"].map(
      (p) => tarballs.get(`@org/${p}`)!,
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...install], { cwd: crdApp });
    assert.ok(
      !existsSync(join(crdApp, "node_modules", "@org", "testenv")),
      "@org/testenv is an optional peer",
    );
    const cli = join(crdApp, "node_modules", ".bin", "org-codegen");
    run(cli, ["crd", "crds/gadget.yaml", "--out", "."], { cwd: crdApp });
    const config = join(crdApp, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          lib: ["es2023"],
          types: [],
          module: "nodenext",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          outDir: "out",
        },
        include: ["use.ts", "src"],
      }),
    );
    run(process.execPath, [tsc, "-p", config], { cwd: crdApp });
    // Installed as kubectl would, then used by the generated client and an informer beside the built-ins.
    const cp = await getControlPlane();
    const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
    const crd = join(crdApp, "crds", "gadget.yaml");
    run("kubectl", ["apply", "-f", crd], { env });
    t.after(() => spawnSync("kubectl", ["delete", "-f", crd, "--wait=false"], { env }));
    run("kubectl", ["wait", "--for=condition=Established", "-f", crd, "--timeout=60s"], { env });
    const ns = await createTestNamespace("newuser-crd");
    t.after(ns.cleanup);
    const out = run(process.execPath, [join(crdApp, "out", "use.js"), ns.name], { cwd: crdApp, env });
    assert.deepEqual(lastJson(out), { created: "toys.example.com/v1 Gadget", gadgets: 1, podsListed: true });
    // Without a spec snapshot the default input is a Kubernetes version's own, which needs @org/testenv: said so.
    const r = spawnSync(cli, ["types", "--out", "gen-types"], {
      cwd: crdApp,
      encoding: "utf8",
      env: { ...process.env, ORG_CODEGEN_SNAPSHOTS: join(crdApp, "no-snapshots") },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /needs @org\/testenv .*npm install --save-dev @org\/testenv/);
  });

  it("ships LICENSE, repository, the sources its maps point to, and no tests", () => {
    const license = readFileSync(join(repo, "LICENSE"), "utf8");
    for (const p of packages) {
      const dir = join(work, "unpacked", p);
      assert.equal(readFileSync(join(dir, "LICENSE"), "utf8"), license, `${p}/LICENSE is the repository's`);
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        repository?: { directory?: string };
      };
      assert.equal(pkg.repository?.directory, `packages/${p}`);
      // node10 resolvers (arethetypeswrong's default profile) find subpath exports only through typesVersions.
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        exports: Record<string, { types: string }>;
        typesVersions?: Record<string, Record<string, string[]>>;
      };
      for (const [sub, target] of Object.entries(manifest.exports)) {
        if (sub === "." || sub.includes("*")) continue;
        assert.deepEqual(
          manifest.typesVersions?.["*"]?.[sub.slice(2)],
          [target.types],
          `packages/${p}/package.json: add "typesVersions": { "*": { "${sub.slice(2)}": ["${target.types}"] } } for the ${sub} export`,
        );
      }
      const files = run("tar", ["-tzf", tarballs.get(`@org/${p}`)!])
        .trim()
        .split("\n");
      assert.deepEqual(
        files.filter((f) => /\.test\.|\/testing\//.test(f)),
        [],
        `${p} ships no tests`,
      );
      // Every .js.map and .d.ts.map names sources that are in the tarball.
      const maps = files.filter((f) => f.endsWith(".map"));
      assert.ok(maps.length > 0);
      for (const m of maps) {
        const file = join(dir, m.replace(/^package\//, ""));
        const map = JSON.parse(readFileSync(file, "utf8")) as { sources: string[] };
        for (const s of map.sources)
          assert.ok(existsSync(resolve(dirname(file), s)), `${m} → ${s} is shipped`);
      }
    }
  });

  it("passes publint (strict) and arethetypeswrong (every rule but ESM-only's cjs-resolves-to-esm)", () => {
    for (const p of packages) {
      const dir = join(work, "unpacked", p);
      const lint = run(process.execPath, [
        bin("publint/src/cli.js"),
        "run",
        dir,
        "--pack",
        "false",
        "--strict",
      ]);
      assert.match(lint, /All good!/, `${p}: ${lint}`);
      const entrypoints =
        p === "api-types" ? ["--entrypoints", ".", "./core/v1", "./meta/v1", "./apps/v1"] : [];
      run(process.execPath, [
        bin("@arethetypeswrong/cli/dist/index.js"),
        tarballs.get(`@org/${p}`)!,
        "--ignore-rules",
        "cjs-resolves-to-esm",
        "--format",
        "ascii",
        ...entrypoints,
      ]);
    }
  });
});
