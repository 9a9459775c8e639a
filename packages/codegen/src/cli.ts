#!/usr/bin/env node
// org-codegen: generate @org/api-types or the typed part of @org/clientset from a Kubernetes spec.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generate, type Target } from "./generate.js";
import { defaultSpecInput, findRepoRoot, parseSpecArgument, type SpecInput } from "./load/read.js";

const USAGE = `Usage: org-codegen <types|clientset> --out <dir> [input]

Generates TypeScript from a Kubernetes OpenAPI spec:
  types       api-types: one module per group-version (core/v1.ts, meta/v1.ts ...), types only
  clientset   the generated part of @org/clientset: descriptors, interfaces, GeneratedClientset

Input (default: $ORG_CODEGEN_SPEC, else the newest kubernetes-1.N.swagger.json in
<repo root>/../shared/openapi):
  --spec <file|dir|url>    an OpenAPI v2 swagger.json, a directory of OpenAPI v3 documents
                           (as served at /openapi/v3/<path>), or an http(s) URL of either
                           (a /openapi/v3 index URL is followed)
  --from-cluster           read /openapi/v3 of a live cluster (its CRDs get typed clients too)
  --kubeconfig <path>      kubeconfig for --from-cluster (default $KUBECONFIG, ~/.kube/config)

Options:
  --out <dir>              output directory; replaced as a whole, only when generation succeeds
  --expansions <dir>       clientset: handwritten expansions (default <out>/../expansions)
  --types-package <name>   clientset: where the types are imported from (default @org/api-types)
  --quiet                  no progress output (the default when not on a terminal or in CI)
  -h, --help               this text
`;

function fail(message: string): never {
  process.stderr.write(`org-codegen: ${message}\n`);
  process.exit(1);
}

/**
 * A relative path from the user: relative to the current directory, else (turbo runs the package's
 * script in the package directory: `npm run generate -- --spec ../shared/...` from the root) to the
 * directory npm was started in, else to the repository root.
 */
function userPath(p: string): string {
  if (isAbsolute(p)) return p;
  const bases = [
    process.cwd(),
    process.env.INIT_CWD,
    process.env.TURBO_INVOCATION_DIR,
    findRepoRoot(process.cwd()),
  ];
  for (const base of bases) if (base && existsSync(resolve(base, p))) return resolve(base, p);
  return resolve(p);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const target = positionals[0];
  if (target !== "types" && target !== "clientset") fail(`expected "types" or "clientset"\n\n${USAGE}`);
  if (positionals.length > 1) fail(`unexpected argument ${positionals[1]}`);
  if (!values.out) fail("--out <dir> is required");
  if (values.spec && values["from-cluster"]) fail("use either --spec or --from-cluster, not both");
  let input: SpecInput;
  if (values["from-cluster"]) {
    input = values.kubeconfig
      ? { kind: "cluster", kubeconfig: userPath(values.kubeconfig) }
      : { kind: "cluster" };
  } else if (values.spec) {
    const arg = parseSpecArgument(values.spec);
    input = arg.kind === "path" ? { kind: "path", path: userPath(arg.path) } : arg;
  } else {
    input = defaultSpecInput(process.cwd());
  }
  const verbose = !values.quiet && process.stderr.isTTY === true && !process.env.CI;
  const started = performance.now();
  const result = await generate({
    target: target as Target,
    out: values.out,
    input,
    ...(values.expansions ? { expansionsDir: values.expansions } : {}),
    ...(values["types-package"] ? { typesPackage: values["types-package"] } : {}),
    ...(verbose ? { progress: (line: string) => process.stderr.write(`  ${line}\n`) } : {}),
  });
  if (verbose) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `org-codegen ${target}: ${result.files} files from ${result.source} into ${values.out} ` +
        `(${result.groupVersions} group-versions, ${result.resources} resources, ${result.subresources} subresources) in ${s} s\n`,
    );
  }
  for (const u of result.unmapped) {
    if (target === "clientset")
      process.stderr.write(`org-codegen: warning: no client method for subresource ${u}\n`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      spec: { type: "string" },
      "from-cluster": { type: "boolean" },
      kubeconfig: { type: "string" },
      expansions: { type: "string" },
      "types-package": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
