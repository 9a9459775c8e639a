// Small helpers shared by the example programs: Go-style flags, durations, sleeping and `panic`.
import { type ParseArgsConfig, parseArgs } from "node:util";

/** One flag: a string or a boolean, with an optional default. */
export interface FlagSpec {
  type: "string" | "boolean";
  default?: string | boolean;
}

/** The parsed values: booleans are always set; strings are set when they have a default. */
export type FlagValues<O extends Record<string, FlagSpec>> = {
  [K in keyof O]: O[K] extends { type: "boolean" }
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

/**
 * Parses flags the way Go's `flag` package accepts them: `--name value`, `--name=value`, and also
 * the single-dash long form `-name value` that client-go users type. Unknown flags end the program
 * with the usage text and exit code 2, as Go's flag package does.
 */
export function parseFlags<const O extends Record<string, FlagSpec>>(
  program: string,
  options: O,
  argv: readonly string[] = process.argv.slice(2),
  positionals = "",
): { values: FlagValues<O>; positionals: string[] } {
  const args = argv.map((a) => (/^-[a-zA-Z][\w-]+/.test(a) ? `-${a}` : a));
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } } as NonNullable<
        ParseArgsConfig["options"]
      >,
      strict: true,
      allowPositionals: positionals !== "",
    });
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) {
      console.log(usage(program, options, positionals));
      process.exit(0);
    }
    for (const [name, o] of Object.entries(options)) {
      if (o.type === "boolean" && values[name] === undefined) values[name] = false;
    }
    delete values.help;
    return { values: values as FlagValues<O>, positionals: parsed.positionals };
  } catch (err) {
    console.error(`${program}: ${(err as Error).message}`);
    console.error(usage(program, options, positionals));
    process.exit(2);
  }
}

function usage(program: string, options: Record<string, FlagSpec>, positionals: string): string {
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
