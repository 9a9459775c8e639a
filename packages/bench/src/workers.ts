// Long-lived measurement processes: one per client and case, warmed once, then asked for one
// repetition per round, so that rounds can interleave the clients without paying a process start,
// a module load and a warm-up per repetition.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { ChildResult, Task } from "./child.js";
import type { GoResult } from "./gopeer.js";

type Reply = { ok: true; result: ChildResult } | { ok: false; error: string };

/** A forked child.js in worker mode. */
export class NodeWorker {
  readonly #child: ChildProcess;
  #pending: { resolve(r: ChildResult): void; reject(e: Error): void } | undefined;
  #exited: Error | undefined;

  constructor(childJs: string, cwd: string, execArgv: string[] = []) {
    this.#child = fork(childJs, ["--worker"], {
      cwd,
      execArgv: ["--max-old-space-size=4096", ...execArgv],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    this.#child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.#child.on("message", (m: Reply) => {
      const p = this.#pending;
      this.#pending = undefined;
      if (!p) return;
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error((m.error.split("\n")[0] ?? "").replace(/^\w*Error: /, "")));
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`worker exited (${signal ?? code}): ${stderr.trim().split("\n")[0] ?? ""}`);
      this.#pending?.reject(this.#exited);
      this.#pending = undefined;
    });
  }

  run(task: Task): Promise<ChildResult> {
    if (this.#exited) return Promise.reject(this.#exited);
    if (this.#pending) return Promise.reject(new Error("worker busy"));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.send(task);
    });
  }

  close(): void {
    this.#child.kill();
  }
}

/** The client-go program in serve mode: one JSON array of arguments per line in, one result per line out. */
export class GoWorker {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  #stderr = "";

  constructor(bin: string) {
    this.#child = spawn(bin, ["serve"], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr?.on("data", (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-2000);
    });
    this.#lines = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream })[
      Symbol.asyncIterator
    ]();
  }

  async run(args: string[]): Promise<GoResult> {
    this.#child.stdin?.write(`${JSON.stringify(args)}\n`);
    const { value, done } = await this.#lines.next();
    if (done) {
      await new Promise((r) => setTimeout(r, 50));
      throw new Error(this.#stderr.trim().split("\n").pop() || "client-go worker exited");
    }
    return JSON.parse(value) as GoResult;
  }

  close(): void {
    this.#child.stdin?.end();
    this.#child.kill();
  }
}
