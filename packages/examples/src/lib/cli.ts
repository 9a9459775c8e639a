// Small helpers shared by the example programs: Go-style flags, durations, sleeping and `panic`.
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses flags the way Go's `flag` package accepts them: `--name value`, `--name=value`, and also
 * the single-dash long form `-name value` that client-go users type. Unknown flags end the program
 * with the usage text and exit code 2, as Go's flag package does.
 */
export function parseFlags<O extends Options>(
  program: string,
  options: O,
  argv: readonly string[] = process.argv.slice(2),
  positionals = "",
) {
  const args = argv.map((a) => (/^-[a-zA-Z][\w-]+/.test(a) ? `-${a}` : a));
  const all = { ...options, help: { type: "boolean", short: "h" } } as O & {
    help: { type: "boolean"; short: "h" };
  };
  try {
    const parsed = parseArgs({ args, options: all, strict: true, allowPositionals: positionals !== "" });
    if (parsed.values.help) {
      console.log(usage(program, options, positionals));
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    console.error(`${program}: ${(err as Error).message}`);
    console.error(usage(program, options, positionals));
    process.exit(2);
  }
}

function usage(program: string, options: Options, positionals: string): string {
  const lines = [`Usage: ${program} [flags]${positionals ? ` ${positionals}` : ""}`];
  for (const [name, o] of Object.entries(options)) {
    const def = o.default === undefined ? "" : ` (default ${JSON.stringify(o.default)})`;
    lines.push(`  --${name}${o.type === "string" ? " value" : ""}${def}`);
  }
  return lines.join("\n");
}

/** Parses a Go-style duration ("10s", "500ms", "2m", "1h") or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}": use a number of seconds or e.g. 10s, 500ms, 2m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Go's `panic(err.Error())`, as the client-go examples end on errors they do not handle: message to stderr, exit 2. */
export function panic(err: unknown): never {
  console.error(`panic: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}

/** The default kubeconfig path, as the client-go examples compute it: ~/.kube/config. */
export function defaultKubeconfig(): string {
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  return home ? `${home}/.kube/config` : "";
}
