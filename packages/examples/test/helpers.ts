// Helpers for the integration tests: run an example as a child process and talk to it.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { programArgs } from "../src/lib/run.js";

export { runProgram } from "../src/lib/run.js";

/** A short random suffix for cluster-scoped names that must not collide between test runs. */
export function suffix(): string {
  return randomBytes(3).toString("hex");
}

/** A running example whose output can be awaited line by line. */
export class Program {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  private waiters: (() => void)[] = [];
  private exited = false;

  constructor(name: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [...programArgs(name), ...args], {
      env: { ...process.env, ...env },
    });
    const wake = () => {
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout.on("data", (c: Buffer) => {
      this.stdout += c.toString();
      wake();
    });
    this.child.stderr.on("data", (c: Buffer) => {
      this.stderr += c.toString();
      wake();
    });
    this.child.on("exit", () => {
      this.exited = true;
      wake();
    });
  }

  /** Resolves when stdout (from `from` on) matches `pattern`; rejects if the program exits first. */
  async waitFor(pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    for (;;) {
      const m = pattern.exec(this.stdout.slice(from));
      if (m) return m;
      if (this.exited) {
        throw new Error(
          `program exited before printing ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await done;
  }
}
