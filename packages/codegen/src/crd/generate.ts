// org-codegen crd: CRD manifests (or a cluster's CRDs) → spec → the same model and emitters as the
// built-in API → <package>/src/generated/, written to a temporary directory and swapped in whole.
import { statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Files } from "../emit/source.js";
import { writeFilesAtomically } from "../generate.js";
import { type ApiModel, buildModel } from "../model/model.js";
import { NameClashError, type NameOwner } from "../model/names.js";
import { type CrdEmitOptions, emitCrdPackage } from "./emit.js";
import { readClusterCrds, readCrdFiles } from "./read.js";
import { type CrdDocument, CrdError, type CrdSpec, crdsToSpec, kindTypeName, where } from "./spec.js";

/** What generateCrds reads and where it writes. */
export interface CrdGenerateOptions extends CrdEmitOptions {
  /** The user's package directory: the output is <out>/src/generated (replaced as a whole). */
  out: string;
  /** Files, directories, "-" (stdin); relative to `cwd`. */
  paths?: readonly string[];
  /** Read the CRDs of a live cluster instead (all, or those of `groups`). */
  cluster?: { kubeconfig?: string; groups?: readonly string[] };
  cwd?: string;
  stdin?: () => string;
}

/** What generateCrds wrote. */
export interface CrdGenerateResult {
  /** Where the files went: <out>/src/generated. */
  dir: string;
  /** The header's source line: the CRDs by name. */
  source: string;
  /** CRDs read. */
  crds: number;
  /** Group-versions (one per served version of each group). */
  groupVersions: number;
  /** Resources (one per served version of each CRD). */
  resources: number;
  /** Files written (README included). */
  files: number;
}

/** The header's source: the CRDs by name (the same for a file and a cluster holding the same CRDs). */
export function crdSource(docs: readonly CrdDocument[]): string {
  const names = [
    ...new Set(
      docs.map((d) => (d.object as { metadata?: { name?: unknown } })?.metadata?.name).filter(Boolean),
    ),
  ].sort() as string[];
  const shown = names.length > 2 ? `${names[0]} and ${names.length - 1} more` : names.join(", ");
  return `CustomResourceDefinitions ${shown || "(none)"}`;
}

/** The README.md of a CRD package's src/generated/. */
export function crdReadme(source: string): string {
  return (
    "# Generated code: do not edit\n\n" +
    `Written by @org/codegen (\`org-codegen crd\`) from ${source}:\n` +
    "`types/<group>/<version>.ts` (the kinds, their nested types and apply configurations),\n" +
    "`clientset/` (descriptors and interfaces per group-version, `index.ts` with `GeneratedClientset`\n" +
    "and `groupVersions`, `schema.ts` for the fake clientset), `resources.ts` (discovery entries for the\n" +
    "RESTMapper, printer columns, scale paths) and `informers.ts` (informer and lister types).\n\n" +
    "The generator replaces this directory as a whole on every run, so edits here are lost. Regenerate it\n" +
    "with `org-codegen crd <file|dir|->... --out <package>` or `org-codegen crd --from-cluster --out <package>`.\n"
  );
}

/**
 * A NameClashError in the CRDs' words: where each owner's CRD is (file, CRD, version), what would
 * have the one name in which generated module, and what to rename.
 */
function clashMessage(err: NameClashError, crds: CrdSpec): string {
  // The types emitter names a kind as the CRD spells it, the others by its type name (kindTypeName).
  const names = (kind: string) => [kind, kindTypeName(kind)];
  const place = (o: NameOwner): string | undefined => {
    const r = crds.resources.find(
      (x) =>
        x.group === o.group &&
        x.version === o.version &&
        (o.kind === undefined || [...names(x.kind), ...names(x.listKind)].includes(o.kind)),
    );
    const doc = r && crds.origins.get(r.crd);
    return doc ? where(doc, r.crd, r.version) : undefined;
  };
  const [a, b] = err.owners;
  const places = [place(a), place(b)];
  const rename =
    err.hint ??
    (a.group !== b.group
      ? "rename one of the groups (spec.group)"
      : a.version !== b.version
        ? "rename one of the versions (spec.versions[].name)"
        : a.kind !== undefined && b.kind !== undefined
          ? `rename one of the kinds (spec.names.kind${a.kind !== b.kind && a.kind.toLowerCase() === b.kind.toLowerCase() ? "; they differ only in case" : ""})`
          : `rename kind ${a.kind ?? b.kind} (spec.names.kind)`);
  const at =
    places[0] && places[1]
      ? places[0] === places[1]
        ? places[0]
        : `${places[0]} and ${places[1]}`
      : (places[0] ?? places[1] ?? crds.spec.source);
  return `${at}: ${a.what} and ${b.what} would both be named ${err.clash} (in ${err.module}); ${rename}`;
}

/** CRD documents → files (pure): spec, model, emit. */
export function crdFiles(
  docs: readonly CrdDocument[],
  options: CrdEmitOptions = {},
): { crds: CrdSpec; files: Files; groupVersions: number; resources: number } {
  const source = crdSource(docs);
  const crds = crdsToSpec(docs, source);
  let model: ApiModel;
  let files: Files;
  try {
    model = buildModel(crds.spec);
    files = emitCrdPackage(model, crds, options);
  } catch (err) {
    if (err instanceof NameClashError) throw new CrdError(clashMessage(err, crds));
    throw err;
  }
  files.set("README.md", crdReadme(source));
  const resources = model.groupVersions.reduce((n, gv) => n + gv.resources.length, 0);
  return { crds, files, groupVersions: model.groupVersions.length, resources };
}

/** The stat of `path`, undefined when nothing is there (a file on the way counts as nothing there). */
function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR on Node 20; Node 22 answers undefined itself
  }
}

/**
 * The package directory `--out` names, and its src/ and src/generated/ below, must be directories
 * where they exist, and so must the nearest part of the path that exists: a file there would fail the
 * write with a bare ENOTDIR. Checked before reading.
 */
function checkOut(out: string, cwd: string): void {
  const pkg = resolve(cwd, out);
  const fix = "give your package's directory (the output goes to <dir>/src/generated)";
  let dir = pkg;
  let stat = statOf(dir);
  while (stat === undefined && dirname(dir) !== dir) {
    dir = dirname(dir);
    stat = statOf(dir);
  }
  if (stat !== undefined && !stat.isDirectory()) {
    throw new CrdError(
      dir === pkg
        ? `--out ${out} is a file, not a directory; ${fix}`
        : `--out ${out}: a part of the path is a file, not a directory (${dir}); ${fix}`,
    );
  }
  if (dir !== pkg) return; // made below a directory that exists
  for (const sub of [join(pkg, "src"), join(pkg, "src", "generated")]) {
    const s = statOf(sub);
    if (s === undefined) return;
    if (!s.isDirectory())
      throw new CrdError(
        `--out ${out}: ${join(out, relative(pkg, sub))} is a file, not a directory; move it away or ${fix}`,
      );
  }
}

/**
 * `org-codegen crd`: reads the CRDs (files or a cluster), generates, and replaces
 * `<out>/src/generated` as a whole (written to a temporary directory first, so a failure leaves the
 * previous output untouched).
 */
export async function generateCrds(opts: CrdGenerateOptions): Promise<CrdGenerateResult> {
  const cwd = opts.cwd ?? process.cwd();
  checkOut(opts.out, cwd);
  const docs = opts.cluster
    ? (
        await readClusterCrds(
          { ...(opts.cluster.kubeconfig ? { path: opts.cluster.kubeconfig } : {}) },
          opts.cluster.groups,
        )
      ).docs
    : readCrdFiles(opts.paths ?? [], cwd, opts.stdin);
  const { crds, files, groupVersions, resources } = crdFiles(docs, opts);
  const dir = join(resolve(cwd, opts.out), "src", "generated");
  writeFilesAtomically(dir, files);
  return {
    dir,
    source: crds.spec.source,
    crds: new Set(crds.resources.map((r) => r.crd)).size,
    groupVersions,
    resources,
    files: files.size,
  };
}
