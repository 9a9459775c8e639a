// P12: CRD codegen at the size of the largest real CRDs. A generated CRD manifest of about 3 MB of
// YAML (three served versions with status and scale; deep objects with long descriptions, arrays of
// objects, list-map keys, enums, int-or-string, CEL rules, defaults, preserve-unknown-fields) goes
// through `org-codegen crd` (the built CLI, a fresh process, as a user runs it; target ≤ 2 s), then
// the generated package is type-checked under strict by tsc (a fresh process; target ≤ 5 s).
// Baselines: reading and parsing the YAML; tsc on an empty strict project. The fixture is written by
// `crdFixture` below (never a copy of a real CRD); the same seed gives the same bytes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { run } from "./codegen.js";
import { rng } from "./fixtures.js";
import type { MeasureFn } from "./footprint.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");

const WORDS =
  "the of a to is in for this field when set controller value default resource object name must be used by with will if not cluster namespace spec status selector template container port volume policy condition replicas reconcile".split(
    " ",
  );

/** One version's openAPIV3Schema, of about `bytes` bytes as JSON. */
function versionSchema(rand: () => number, bytes: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const text = (n: number) => {
    const w = Array.from({ length: n }, () => pick(WORDS));
    w[0] = w[0]!.charAt(0).toUpperCase() + w[0]!.slice(1);
    return `${w.join(" ")}.`;
  };
  let counter = 0;
  const name = () => `${pick(WORDS)}${pick(WORDS).replace(/^./, (c) => c.toUpperCase())}${counter++}`;
  const leaf = (): Record<string, unknown> => {
    const d = { description: text(12 + Math.floor(rand() * 30)) };
    switch (Math.floor(rand() * 7)) {
      case 0:
        return { ...d, type: "integer", format: "int32", minimum: 0, default: 1 };
      case 1:
        return { ...d, type: "string", enum: ["Always", "IfNotPresent", "Never"] };
      case 2:
        return { ...d, "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] };
      case 3:
        return { ...d, type: "boolean" };
      case 4:
        return { ...d, type: "object", additionalProperties: { type: "string" } };
      case 5:
        return { ...d, type: "array", items: { type: "string" } };
      default:
        return { ...d, type: "string", nullable: rand() < 0.2 };
    }
  };
  const object = (depth: number): Record<string, unknown> => {
    const properties: Record<string, unknown> = {};
    const n = 4 + Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (depth < 5 && r < 0.25) properties[name()] = object(depth + 1);
      else if (depth < 5 && r < 0.35) {
        const item = object(depth + 1);
        (item.properties as Record<string, unknown>).name = { type: "string" };
        item.required = ["name"];
        properties[name()] = {
          type: "array",
          description: text(20),
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: item,
        };
      } else properties[name()] = leaf();
    }
    const out: Record<string, unknown> = { type: "object", description: text(25), properties };
    if (rand() < 0.1)
      out["x-kubernetes-validations"] = [{ rule: "self.size() > 0", message: "must not be empty" }];
    if (rand() < 0.05) out["x-kubernetes-preserve-unknown-fields"] = true;
    return out;
  };
  const spec: Record<string, unknown> = { type: "object", description: text(30), properties: {} };
  const status = object(2);
  (status.properties as Record<string, unknown>).replicas = { type: "integer" };
  (status.properties as Record<string, unknown>).selector = { type: "string" };
  const props = spec.properties as Record<string, unknown>;
  props.replicas = { type: "integer", default: 1 };
  while (JSON.stringify(spec).length < bytes) props[name()] = object(1);
  return { type: "object", description: text(20), properties: { spec, status } };
}

/** A CRD manifest (YAML) of about `bytes` bytes: three served versions, status and scale. */
export function crdFixture(bytes = 3 * 1024 * 1024, seed = 12): string {
  const rand = rng(seed);
  const versions = ["v1", "v1beta1", "v1alpha1"].map((name, i) => ({
    name,
    served: true,
    storage: i === 0,
    subresources: {
      status: {},
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.replicas",
        labelSelectorPath: ".status.selector",
      },
    },
    additionalPrinterColumns: [{ name: "Replicas", type: "integer", jsonPath: ".spec.replicas" }],
    schema: { openAPIV3Schema: versionSchema(rand, bytes / 6.3) },
  }));
  return yaml.dump(
    {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "fleets.bench.example.com" },
      spec: {
        group: "bench.example.com",
        scope: "Namespaced",
        names: { plural: "fleets", singular: "fleet", kind: "Fleet", listKind: "FleetList" },
        versions,
      },
    },
    { lineWidth: -1, noRefs: true },
  );
}

const STRICT = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

export async function runP12(ctx: { reps: number; measure: MeasureFn; log(s: string): void }): Promise<void> {
  const cli = join(repoRoot, "packages", "codegen", "dist", "cli.js");
  const tsc = join(repoRoot, "node_modules", "typescript", "lib", "tsc.js");
  // Inside the repository, so the generated code's imports (@org/api-types, @org/clientset) resolve.
  mkdirSync(join(repoRoot, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, "node_modules", ".cache", "bench-p12-"));
  try {
    const fixture = join(dir, "fleet.yaml");
    const text = crdFixture();
    writeFileSync(fixture, text);
    const mb = (text.length / 1024 / 1024).toFixed(1);
    const pkg = join(dir, "pkg");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    const gen = `generate from a ${mb} MB CRD (3 served versions)`;
    const base = await ctx.measure(
      { scenario: "P12", case: gen, client: "baseline: read + YAML parse", unit: "s" },
      async () => {
        const samples: number[] = [];
        for (let i = 0; i < ctx.reps; i++) {
          const t0 = performance.now();
          yaml.load(readFileSync(fixture, "utf8"));
          samples.push((performance.now() - t0) / 1000);
        }
        return { samples };
      },
    );
    const row = await ctx.measure(
      {
        scenario: "P12",
        case: gen,
        client: "ours (org-codegen crd, CLI process)",
        unit: "s",
        target: "≤2 s",
      },
      async () => {
        const samples: number[] = [];
        for (let i = 0; i < ctx.reps; i++) {
          const t0 = performance.now();
          const r = await run([cli, "crd", fixture, "--out", pkg, "--quiet"], dir);
          if (r.code !== 0)
            throw new Error(`org-codegen crd failed: ${r.out.trim().split("\n").slice(-2).join(" / ")}`);
          samples.push((performance.now() - t0) / 1000);
        }
        return { samples };
      },
    );
    row.met = row.median !== null && row.median <= 2;
    if (base.median && row.median !== null) {
      base.ratio = 1;
      row.ratio = row.median / base.median;
    }

    // Type-check: the generated package under strict; baseline: tsc on one empty module.
    writeFileSync(join(dir, "empty.ts"), "export {};\n");
    writeFileSync(
      join(dir, "tsconfig.empty.json"),
      JSON.stringify({ compilerOptions: STRICT, files: ["empty.ts"] }),
    );
    writeFileSync(
      join(pkg, "tsconfig.json"),
      JSON.stringify({ compilerOptions: STRICT, include: ["src/generated/types/**/*.ts"] }),
    );
    const check = `type-check the generated types (${mb} MB CRD) under strict`;
    const tscRow = async (client: string, project: string) =>
      ctx.measure(
        {
          scenario: "P12",
          case: check,
          client,
          unit: "s",
          ...(client.startsWith("ours") ? { target: "≤5 s" } : {}),
        },
        async () => {
          const samples: number[] = [];
          for (let i = 0; i < ctx.reps; i++) {
            const t0 = performance.now();
            const r = await run([tsc, "-p", project], dir);
            if (r.code !== 0)
              throw new Error(`tsc failed: ${r.out.trim().split("\n").slice(0, 2).join(" / ")}`);
            samples.push((performance.now() - t0) / 1000);
          }
          return { samples };
        },
      );
    const empty = await tscRow("baseline: tsc on an empty module", join(dir, "tsconfig.empty.json"));
    const types = await tscRow("ours (tsc --noEmit, strict)", join(pkg, "tsconfig.json"));
    types.met = types.median !== null && types.median <= 5;
    if (empty.median && types.median !== null) {
      empty.ratio = 1;
      types.ratio = types.median / empty.median;
    }
    ctx.log(`  P12 fixture: ${text.length} bytes of YAML`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
