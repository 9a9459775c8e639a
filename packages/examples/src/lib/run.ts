// Runs an example program as a child process: the compiled JavaScript next to this module when it
// runs from dist/, or the TypeScript source through tsx when it runs from src/ (tests).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const fromSource = import.meta.url.endsWith(".ts");

/** The node arguments that start the program `name` ("out-of-cluster", ...). */
export function programArgs(name: string): string[] {
  const file = fileURLToPath(new URL(`../${name}.${fromSource ? "ts" : "js"}`, import.meta.url));
  return fromSource ? ["--conditions=source", "--import", "tsx", file] : [file];
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, collecting its output (and echoing it when `echo` is set). */
export function runProgram(
  name: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; echo?: boolean; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...programArgs(name), ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (opts.echo) process.stdout.write(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (opts.echo) process.stderr.write(c);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}
