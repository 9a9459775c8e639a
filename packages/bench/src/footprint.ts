// P6 (footprint) and P7 (type-check) on a minimal "list pods" app written three ways:
// on raw undici (the baseline: nothing but the transport), on our client (installed from
// `npm pack` tarballs of @org/clientset and its @org dependencies), and on client-node.
import { execFile } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Contender } from "./main.js";
import type { Row } from "./report.js";
import { MB, median } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);

/** The runner's `measure`: samples `fn` and records one row of results. */
export type MeasureFn = (
  base: Omit<Row, "median" | "samples" | "ratio">,
  fn: () => Promise<{ samples: number[]; n?: number }>,
) => Promise<Row>;

/** What the runner (main.ts) gives a scenario module; each module's context picks what it uses. */
export interface RunnerContext {
  reps: number;
  tmp: string;
  only: Set<string>;
  measure: MeasureFn;
  interleaved(
    base: Omit<Row, "median" | "samples" | "ratio" | "client">,
    contenders: Contender[],
  ): Promise<void>;
  setRatios(scenario: string, caseName: string, baselineClient: string): void;
  target(
    scenario: string,
    caseName: string,
    text: string,
    checks: ((ours: number) => boolean | undefined)[],
  ): void;
  med(scenario: string, caseName: string, client: string): number | undefined;
  find(scenario: string, caseName: string, client: string): Row | undefined;
  log(s: string): void;
}

export interface FootprintCtx
  extends Pick<RunnerContext, "reps" | "measure" | "setRatios" | "target" | "med" | "log" | "tmp" | "only"> {}

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}
async function shOk(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await sh(cmd, args, cwd);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout)
      .trim()
      .split("\n")
      .filter((l) => l.trim() !== "");
    const err = tail.find((l) => /Error|ERR!|error/.test(l)) ?? tail.at(-1) ?? "";
    throw new Error(`${err.trim()} (${cmd} ${args[0] ?? ""} in ${cwd} exited ${r.code})`);
  }
  return r.stdout;
}

/** Apparent size in bytes of every file under dir (symlinks not followed). */
function dirBytes(dir: string): { bytes: number; packages: number } {
  let bytes = 0;
  let packages = 0;
  const walk = (d: string, depthInNodeModules: boolean): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) {
        if (
          depthInNodeModules &&
          ent.name !== ".bin" &&
          !ent.name.startsWith("@") &&
          !ent.name.startsWith(".")
        )
          packages++;
        const isScope = depthInNodeModules && ent.name.startsWith("@");
        walk(p, ent.name === "node_modules" || isScope);
      } else bytes += lstatSync(p).size;
    }
  };
  walk(dir, true);
  return { bytes, packages };
}

const APP_OURS = `import { buildConfigFromFlags } from "@org/rest";
import { Clientset } from "@org/clientset";

const config = await buildConfigFromFlags("", process.env.KUBECONFIG ?? "");
const clientset = Clientset.forConfig(config);
const pods = await clientset.coreV1().pods("default").list();
for (const pod of pods.items) console.log(pod.metadata?.name, pod.status?.phase);
`;
const APP_CLIENT_NODE = `import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const pods = await core.listNamespacedPod({ namespace: "default" });
for (const pod of pods.items) console.log(pod.metadata?.name, pod.status?.phase);
`;
const APP_UNDICI = `import { readFileSync } from "node:fs";
import { Agent, request } from "undici";

interface PodList { items: { metadata?: { name?: string }; status?: { phase?: string } }[] }
const dispatcher = new Agent({ connect: { ca: readFileSync(process.env.K8S_CA_FILE ?? "") } });
const res = await request(\`\${process.env.K8S_URL}/api/v1/namespaces/default/pods\`, {
  dispatcher,
  headers: { authorization: \`Bearer \${process.env.K8S_TOKEN}\`, accept: "application/json" },
});
const pods = (await res.body.json()) as PodList;
for (const pod of pods.items) console.log(pod.metadata?.name, pod.status?.phase);
`;

interface App {
  client: string;
  dir: string;
  deps: Record<string, string>;
  source: string;
  imports: string[];
}

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ["app.ts"],
};

export async function runFootprint(ctx: FootprintCtx): Promise<void> {
  const { measure, log, reps } = ctx;
  const root = join(ctx.tmp, "apps");
  const tarballs = join(root, "tarballs");
  mkdirSync(tarballs, { recursive: true });
  const undiciVersion =
    (
      JSON.parse(readFileSync(join(repoRoot, "packages", "rest", "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies.undici ?? "^7";
  const cnVersion = (
    JSON.parse(readFileSync(require.resolve("@kubernetes/client-node/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const CN = `client-node ${cnVersion}`;

  log("  npm pack @org/rest @org/api-types @org/clientset");
  const packOut = await shOk(
    "npm",
    [
      "pack",
      "-w",
      "@org/rest",
      "-w",
      "@org/api-types",
      "-w",
      "@org/clientset",
      "--pack-destination",
      tarballs,
      "--json",
    ],
    repoRoot,
  );
  const packed = JSON.parse(packOut) as {
    name: string;
    filename: string;
    size: number;
    unpackedSize: number;
  }[];
  const tgz = (name: string): string =>
    `file:${join(tarballs, packed.find((p) => p.name === name)?.filename ?? `${name}-missing.tgz`)}`;
  const apps: App[] = [
    {
      client: "baseline: raw undici",
      dir: join(root, "undici"),
      deps: { undici: undiciVersion },
      source: APP_UNDICI,
      imports: ["undici"],
    },
    {
      client: "ours",
      dir: join(root, "ours"),
      deps: {
        "@org/clientset": tgz("@org/clientset"),
        "@org/rest": tgz("@org/rest"),
        "@org/api-types": tgz("@org/api-types"),
      },
      source: APP_OURS,
      imports: ["@org/rest", "@org/clientset"],
    },
    {
      client: CN,
      dir: join(root, "client-node"),
      deps: { "@kubernetes/client-node": cnVersion },
      source: APP_CLIENT_NODE,
      imports: ["@kubernetes/client-node"],
    },
  ];
  const installed = new Set<string>();
  const installCase = "installed node_modules of a fresh app";
  for (const app of apps) {
    mkdirSync(app.dir, { recursive: true });
    writeFileSync(
      join(app.dir, "package.json"),
      `${JSON.stringify({ name: `bench-app-${app.dir.split("/").pop()}`, private: true, type: "module", dependencies: app.deps }, null, 2)}\n`,
    );
    writeFileSync(join(app.dir, "app.ts"), app.source);
    writeFileSync(join(app.dir, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    log(`  npm install (${app.client})`);
    // one install per app; size is deterministic, so the "repetitions" are the single figure
    const row = await measure(
      { scenario: "P6", case: installCase, client: app.client, unit: "MB" },
      async () => {
        await shOk(
          "npm",
          [
            "install",
            "--omit=dev",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
          ],
          app.dir,
        );
        installed.add(app.client);
        const { bytes, packages } = dirBytes(join(app.dir, "node_modules"));
        log(`    ${(bytes / MB).toFixed(2)} MB in ${packages} packages`);
        return { samples: [bytes / MB] };
      },
    );
    if (row.median !== null) row.note = `${dirBytes(join(app.dir, "node_modules")).packages} packages`;
  }
  ctx.setRatios("P6", installCase, "baseline: raw undici");
  ctx.target("P6", installCase, "≤ 1/5 of client-node's", [
    (m) => {
      const x = ctx.med("P6", installCase, CN);
      return x === undefined ? undefined : m <= x / 5;
    },
  ]);

  if (ctx.only.has("P6")) {
    const esbuild = await import("esbuild");
    for (const minify of [true, false]) {
      const c = `esbuild bundle of the app${minify ? ", minified" : ""}`;
      for (const app of apps) {
        await measure({ scenario: "P6", case: c, client: app.client, unit: "KB" }, async () => {
          if (!installed.has(app.client)) throw new Error("install failed");
          const r = await esbuild.build({
            entryPoints: [join(app.dir, "app.ts")],
            absWorkingDir: app.dir,
            bundle: true,
            platform: "node",
            format: "esm",
            target: "node20",
            minify,
            write: false,
            logLevel: "silent",
          });
          return { samples: [(r.outputFiles[0]?.contents.length ?? 0) / 1024] };
        });
      }
      ctx.setRatios("P6", c, "baseline: raw undici");
      ctx.target("P6", c, "≤0.4× client-node's", [
        (m) => {
          const x = ctx.med("P6", c, CN);
          return x === undefined ? undefined : m <= 0.4 * x;
        },
      ]);
    }
    // CPU time (user + system) of the imports, measured in the process: on a shared machine it is far
    // steadier than wall time, which is kept in the note. Rounds interleave the apps; round 0 warms the
    // file cache and is not counted.
    const ic = "import time (fresh process, CPU)";
    const imp = new Map<string, { cpu: number[]; wall: number[]; err?: unknown }>(
      apps.map((a) => [a.client, { cpu: [], wall: [] }]),
    );
    for (let round = 0; round <= reps; round++) {
      for (const app of apps) {
        const g = imp.get(app.client);
        if (!g || g.err !== undefined) continue;
        try {
          if (!installed.has(app.client)) throw new Error("install failed");
          const code = `const c=process.cpuUsage();const t=performance.now();${app.imports.map((m) => `await import(${JSON.stringify(m)});`).join("")}const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({w,cpu:(u.user+u.system)/1000}));`;
          const out = JSON.parse(
            await shOk(process.execPath, ["--input-type=module", "-e", code], app.dir),
          ) as { w: number; cpu: number };
          if (round > 0) {
            g.cpu.push(out.cpu);
            g.wall.push(out.w);
          }
        } catch (e) {
          g.err = e;
        }
      }
    }
    for (const app of apps) {
      const g = imp.get(app.client);
      const row = await measure({ scenario: "P6", case: ic, client: app.client, unit: "ms" }, async () => {
        if (g?.err !== undefined) throw g.err;
        return { samples: g?.cpu ?? [] };
      });
      if (row.median !== null && g) row.note = `wall ${median(g.wall).toFixed(0)} ms`;
    }
    ctx.setRatios("P6", ic, "baseline: raw undici");
    ctx.target("P6", ic, "≥2× faster than client-node", [
      (m) => {
        const x = ctx.med("P6", ic, CN);
        return x === undefined ? undefined : m * 2 <= x;
      },
    ]);
  }

  if (ctx.only.has("P7")) {
    const tsc = require.resolve("typescript/bin/tsc");
    const typesNode =
      (
        JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
          devDependencies: Record<string, string>;
        }
      ).devDependencies["@types/node"] ?? "^20";
    const c = "tsc --noEmit, skipLibCheck off";
    const errorsOf = new Map<string, number>();
    const typecheckable: App[] = [];
    const rows = new Map<string, Row>();
    for (const app of apps) {
      const row = await measure({ scenario: "P7", case: c, client: app.client, unit: "s CPU" }, async () => {
        if (!installed.has(app.client)) throw new Error("install failed");
        // @types/node (the repo's version) only for the type-check, after the install size was taken
        await shOk(
          "npm",
          [
            "install",
            "-D",
            `@types/node@${typesNode}`,
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
          ],
          app.dir,
        );
        return { samples: [] };
      });
      if (row.median !== null) typecheckable.push(app);
      rows.set(app.client, row);
    }
    // rounds interleave the apps; CPU time of the tsc process (user + system, from a preload that
    // reports process.cpuUsage() at exit) is the figure, wall time goes to the note
    const preload = join(ctx.tmp, "cpu-at-exit.cjs");
    writeFileSync(
      preload,
      'process.on("exit",()=>{const u=process.cpuUsage();require("fs").writeSync(2,"\\n__CPU__ "+((u.user+u.system)/1e6)+"\\n");});\n',
    );
    // the floor: the same compiler options on a file that imports nothing, in the undici app
    // (so @types/node only): what every app pays before any client's types
    const FLOOR = "floor: @types/node only, no client";
    const undiciApp = apps[0];
    const floorApp: App | undefined =
      undiciApp && typecheckable.includes(undiciApp)
        ? { ...undiciApp, client: FLOOR, source: "console.log(process.version);\n" }
        : undefined;
    if (floorApp) {
      writeFileSync(join(floorApp.dir, "floor.ts"), floorApp.source);
      writeFileSync(
        join(floorApp.dir, "tsconfig.floor.json"),
        `${JSON.stringify({ ...TSCONFIG, files: ["floor.ts"] }, null, 2)}\n`,
      );
    }
    const cpu = new Map<string, number[]>();
    const wall = new Map<string, number[]>();
    for (let round = 0; round < reps; round++) {
      for (const app of floorApp ? [floorApp, ...typecheckable] : typecheckable) {
        const t0 = performance.now();
        const config = app === floorApp ? "tsconfig.floor.json" : "tsconfig.json";
        const r = await sh(process.execPath, ["-r", preload, tsc, "-p", config], app.dir);
        const w = (performance.now() - t0) / 1000;
        const c = Number(/__CPU__ ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN);
        cpu.set(app.client, [...(cpu.get(app.client) ?? []), c]);
        wall.set(app.client, [...(wall.get(app.client) ?? []), w]);
        const errors = (r.stdout.match(/error TS\d+/g) ?? []).length;
        if (round === 0 && errors > 0)
          log(`    ${app.client}: ${r.stdout.trim().split("\n").slice(0, 2).join(" | ")}`);
        errorsOf.set(app.client, errors);
      }
    }
    if (floorApp) {
      await measure({ scenario: "P7", case: c, client: FLOOR, unit: "s CPU" }, async () => ({
        samples: cpu.get(FLOOR) ?? [],
      }));
    }
    for (const app of apps) {
      const row = rows.get(app.client);
      if (!row || row.median === null) continue;
      const samples = cpu.get(app.client) ?? [];
      const errors = errorsOf.get(app.client) ?? 0;
      row.samples = samples;
      row.median = median(samples);
      row.note = `${errors} type error${errors === 1 ? "" : "s"}; wall ${median(wall.get(app.client) ?? []).toFixed(2)} s`;
    }
    ctx.setRatios("P7", c, "baseline: raw undici");
    ctx.target("P7", c, "≤½ client-node's time, 0 errors", [
      (m) => {
        const x = ctx.med("P7", c, CN);
        return x === undefined ? undefined : m <= x / 2;
      },
      () => errorsOf.get("ours") === 0,
    ]);
  }
}
