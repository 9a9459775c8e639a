// The CLI's logic, callable in-process: arguments in, exit code out (cli.ts is the process entry).
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generate, type Target } from "./generate.js";
import { defaultSpecInput, findRepoRoot, parseSpecArgument, type SpecInput } from "./load/read.js";

export const USAGE = `Usage: org-codegen <types|clientset|informers> --out <dir> [input]
       org-codegen crd <file|dir|->... --out <package dir>
       org-codegen crd --from-cluster [--kubeconfig <path>] [--group <group>]... --out <package dir>

Generates TypeScript from a Kubernetes OpenAPI spec:
  types       api-types: one module per group-version (core/v1.ts, meta/v1.ts ...), types only
  clientset   the generated part of @org/clientset: descriptors, interfaces, GeneratedClientset
  informers   the generated part of @org/informers: PodLister, PodNamespaceLister, PodInformer ...
  crd         a package's own CRD types and clients from CustomResourceDefinition manifests (YAML or
              JSON, multi-document, directories recursively; apiextensions.k8s.io/v1) or from a
              cluster's CRDs (--from-cluster, --group to choose groups): into <package>/src/generated

Input (default: $ORG_CODEGEN_SPEC, else the newest kubernetes-1.N.swagger.json in
$ORG_CODEGEN_SNAPSHOTS or <repo root>/../shared/openapi, else --k8s-version of @org/testenv's
pinned version):
  --spec <file|dir|url>    an OpenAPI v2 swagger.json, a directory of OpenAPI v3 documents
                           (as served at /openapi/v3/<path>), or an http(s) URL of either
                           (a /openapi/v3 index URL is followed)
  --from-cluster           read /openapi/v3 of a live cluster (its CRDs get typed clients too)
  --kubeconfig <path>      kubeconfig for --from-cluster (default $KUBECONFIG, ~/.kube/config)
  --k8s-version <x.y.z>    that Kubernetes version's own spec: @org/testenv builds its kube-apiserver
                           (Go modules), starts it with every API on, reads /openapi/v3; cached in
                           $ORG_CODEGEN_CACHE or ~/.cache/org-codegen/<version>

Options:
  --out <dir>              output directory; replaced as a whole, only when generation succeeds
  --expansions <dir>       clientset: handwritten expansions (default <out>/../expansions)
  --types-package <name>   clientset, informers: the types' package (default @org/api-types)
  --quiet                  no progress output (the default when not on a terminal or in CI)
  -h, --help               this text
`;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress lines only on a terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      spec: { type: "string" },
      "from-cluster": { type: "boolean" },
      kubeconfig: { type: "string" },
      "k8s-version": { type: "string" },
      expansions: { type: "string" },
      "types-package": { type: "string" },
      group: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/**
 * A relative path from the user: relative to the current directory, else (turbo runs the package's
 * script in the package directory: `npm run generate -- --spec ../shared/...` from the root) to the
 * directory npm was started in, else to the repository root.
 */
function userPath(p: string, io: CliIO): string {
  if (isAbsolute(p)) return p;
  const bases = [io.cwd, io.env.INIT_CWD, io.env.TURBO_INVOCATION_DIR, findRepoRoot(io.cwd)];
  for (const base of bases) if (base && existsSync(resolve(base, p))) return resolve(base, p);
  return resolve(io.cwd, p);
}

async function main(argv: string[], io: CliIO): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return;
  }
  const target = positionals[0];
  if (target === "crd") return crd(values, positionals.slice(1), io);
  if (target !== "types" && target !== "clientset" && target !== "informers")
    throw new UsageError('expected "types", "clientset", "informers" or "crd"');
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  if (!values.out) throw new UsageError("--out <dir> is required");
  const inputs = (["spec", "from-cluster", "k8s-version"] as const).filter((k) => values[k] !== undefined);
  if (inputs.length > 1) throw new UsageError(`use one of --${inputs.join(", --")}, not several`);
  let input: SpecInput;
  if (values["k8s-version"] !== undefined) {
    input = { kind: "k8s-version", version: values["k8s-version"] };
  } else if (values["from-cluster"]) {
    input = values.kubeconfig
      ? { kind: "cluster", kubeconfig: userPath(values.kubeconfig, io) }
      : { kind: "cluster" };
  } else if (values.spec) {
    const arg = parseSpecArgument(values.spec);
    input = arg.kind === "path" ? { kind: "path", path: userPath(arg.path, io) } : arg;
  } else {
    input = defaultSpecInput(io.cwd, io.env);
  }
  const verbose = !values.quiet && io.isTTY && !io.env.CI;
  const started = performance.now();
  const result = await generate({
    target: target as Target,
    out: resolve(io.cwd, values.out),
    input,
    ...(values.expansions ? { expansionsDir: resolve(io.cwd, values.expansions) } : {}),
    ...(values["types-package"] ? { typesPackage: values["types-package"] } : {}),
    ...(verbose ? { progress: (line: string) => io.stderr(`  ${line}\n`) } : {}),
    notice: (line: string) => io.stderr(`${line}\n`),
  });
  if (verbose) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    io.stderr(
      `org-codegen ${target}: ${result.files} files from ${result.source} into ${values.out} ` +
        `(${result.groupVersions} group-versions, ${result.resources} resources, ${result.subresources} subresources) in ${s} s\n`,
    );
  }
  if (target === "clientset") {
    for (const u of result.unmapped)
      io.stderr(`org-codegen: warning: no client method for subresource ${u}\n`);
  }
}

async function crd(values: ReturnType<typeof parse>["values"], paths: string[], io: CliIO): Promise<void> {
  if (!values.out) throw new UsageError("--out <package dir> is required");
  const fromCluster = values["from-cluster"] === true;
  if (fromCluster && paths.length) throw new UsageError("crd: give files or --from-cluster, not both");
  if (!fromCluster && paths.length === 0)
    throw new UsageError("crd: give CRD files, directories or -, or --from-cluster");
  if (values.group && !fromCluster) throw new UsageError("--group goes with --from-cluster");
  for (const k of ["spec", "k8s-version", "expansions"] as const)
    if (values[k] !== undefined) throw new UsageError(`--${k} does not apply to crd`);
  const started = performance.now();
  // loaded here: the built-in generation (every build) need not load @org/rest and the CRD reader
  const { generateCrds } = await import("./crd/generate.js");
  const result = await generateCrds({
    out: values.out,
    cwd: io.cwd,
    ...(fromCluster
      ? {
          cluster: {
            ...(values.kubeconfig ? { kubeconfig: userPath(values.kubeconfig, io) } : {}),
            ...(values.group ? { groups: values.group } : {}),
          },
        }
      : { paths, stdin: () => readFileSync(0, "utf8") }),
    ...(values["types-package"] ? { typesPackage: values["types-package"] } : {}),
  });
  if (!values.quiet && io.isTTY && !io.env.CI) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    io.stderr(
      `org-codegen crd: ${result.files} files from ${result.crds} CRDs into ${result.dir} ` +
        `(${result.groupVersions} group-versions, ${result.resources} resources) in ${s} s\n`,
    );
  }
}

/** Runs `org-codegen <argv>`; resolves to the exit code (errors are reported on stderr). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    await main(argv, io);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`org-codegen: ${message}${err instanceof UsageError ? `\n\n${USAGE}` : ""}\n`);
    return 1;
  }
}
