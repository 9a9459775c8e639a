// load → model → emit, then the only write: into a temporary directory next to the output, swapped
// in when complete, so a failure leaves the previous output untouched.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type ClientsetEmitOptions, emitClientset } from "./emit/clientset.js";
import { emitInformers } from "./emit/informers.js";
import { emitSchemaTable, SCHEMA_MODULE } from "./emit/schema.js";
import type { Files } from "./emit/source.js";
import { emitTypes } from "./emit/types.js";
import { readSpec, type SpecInput } from "./load/read.js";
import type { Spec } from "./load/spec.js";
import { type ApiModel, buildModel } from "./model/model.js";

export type Target = "types" | "clientset" | "informers";

export interface GenerateOptions {
  target: Target;
  /** Output directory (replaced as a whole). */
  out: string;
  input: SpecInput;
  /** clientset: where expansions live; default <out>/../expansions. */
  expansionsDir?: string;
  /** clientset: import specifier prefix of the types; default "@org/api-types". */
  typesPackage?: string;
  progress?: (line: string) => void;
  /** Notices of slow inputs, shown even when quiet (a --k8s-version's first read); default stderr. */
  notice?: (line: string) => void;
}

export interface GenerateResult {
  source: string;
  /** TypeScript modules written (the directory also gets a README.md). */
  files: number;
  groupVersions: number;
  resources: number;
  subresources: number;
  typeModules: number;
  unmapped: string[];
}

/** Emits the files of one target from a model (pure). */
export function emit(
  model: ApiModel,
  target: Target,
  options: ClientsetEmitOptions = {},
  progress?: (line: string) => void,
): Files {
  if (target === "types") return emitTypes(model, (path) => progress?.(`types ${path}`));
  if (target === "informers") {
    const typesPackage = options.typesPackage ?? "@org/api-types";
    const text = emitInformers(model, {
      informersModule: "../index.js",
      typesModule: (m) => `${typesPackage}/${m}`,
    });
    return new Map([["listers.ts", text]]);
  }
  const files = emitClientset(model, options, (gv) =>
    progress?.(
      `clientset ${gv.group || "core"}/${gv.version} (${gv.resources.length} resource${gv.resources.length === 1 ? "" : "s"})`,
    ),
  );
  // The fake clientset's patch and apply data (merge keys, list types) as a table of its own.
  files.set(`${SCHEMA_MODULE}.ts`, emitSchemaTable(model));
  return files;
}

/** Replaces `out` with exactly `files`: written to a sibling temp directory first, then renamed. */
export function writeFilesAtomically(out: string, files: Files): void {
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.tmp-`));
  try {
    for (const [rel, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = join(tmp, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${tmp}-old`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Which expansions exist under `dir`: `<gv path>/<kind lowercased>.ts`. The generator imports that
 * module's `<Kind>Expansion` interface and its implementation `<kind>Expansion` (the compiler reports a
 * module that lacks either).
 */
export function expansionLookup(dir: string): (key: string, kind: string) => boolean {
  return (key) => existsSync(join(dir, `${key}.ts`));
}

/** The README.md the generator writes into every output directory. */
export function generatedReadme(target: Target, source: string): string {
  const what =
    target === "types"
      ? "the API types: one module per group-version (`core/v1.ts`, `apps/v1.ts` ...), types only."
      : target === "informers"
        ? "`listers.ts`: the named lister and informer interfaces (`PodLister`, `PodNamespaceLister`,\n" +
          "`PodInformer`, `CoreV1Informers`, `InformerGroups`) the typed factory is declared with."
        : "the typed part of the clientset: per group-version a module with every resource's descriptor\n" +
          "(data the runtime in `../runtime` builds clients from) and its named interface,\n" +
          "`subresource-methods.ts` (the rows of the subresource method table) and `index.ts`\n" +
          "(`GeneratedClientset`, `groupVersions`).";
  const change =
    target === "clientset"
      ? "the generator (`@org/codegen`), the runtime (`../runtime`) or an expansion\n" +
        "(`../expansions/<group>/<version>/<kind>.ts`)."
      : "the generator (`@org/codegen`).";
  return (
    "# Generated code: do not edit\n\n" +
    `Written by @org/codegen (\`org-codegen ${target}\`) from ${source.replace(/[\r\n]/g, " ")}:\n${what}\n\n` +
    "The generator replaces this directory as a whole on every run, so edits here are lost. It is a\n" +
    "build output: git-ignored, excluded from lint and formatting, marked generated in `.gitattributes`.\n\n" +
    "Regenerate it in this repository with `npm run build` (turbo runs the package's `generate` script\n" +
    "first) or `npm run generate -- --spec <file|dir|url>` for another spec; elsewhere with\n" +
    `\`org-codegen ${target} --out <this directory> [--spec <file|dir|url> | --from-cluster]\`.\n\n` +
    `To change what is here, change ${change}\n`
  );
}

export function summarize(spec: Spec, model: ApiModel, files: number): GenerateResult {
  const resources = model.groupVersions.flatMap((g) => g.resources);
  return {
    source: spec.source,
    files,
    groupVersions: model.groupVersions.length,
    resources: resources.length,
    subresources: resources.reduce((n, r) => n + r.subresources.length, 0),
    typeModules: model.typeModules.length,
    unmapped: model.unmapped,
  };
}

export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const spec = await readSpec(opts.input, fetch, opts.notice);
  const model = buildModel(spec);
  const expansionsDir = opts.expansionsDir ?? join(resolve(opts.out), "..", "expansions");
  const files = emit(
    model,
    opts.target,
    {
      hasExpansion: expansionLookup(expansionsDir),
      ...(opts.typesPackage ? { typesPackage: opts.typesPackage } : {}),
    },
    opts.progress,
  );
  writeFilesAtomically(
    opts.out,
    new Map([...files, ["README.md", generatedReadme(opts.target, spec.source)]]),
  );
  return summarize(spec, model, files.size);
}
