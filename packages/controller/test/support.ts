// Child processes that print JSON lines, for the multi-process integration tests.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/** One JSON line a child printed. */
export interface Line {
  ev: string;
  t: number;
  [key: string]: unknown;
}

/** A TypeScript program run in its own Node process, with its JSON stdout lines collected. */
export class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: Line[] = [];
  stderr = "";
  #waiters: (() => void)[] = [];
  exited = false;
  /** Exit code or signal name once exited. */
  exitStatus = "";

  constructor(script: string, env: Record<string, string>) {
    this.proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
      env: { ...process.env, ...env },
    });
    let buf = "";
    this.proc.stdout.on("data", (c: Buffer) => {
      buf += c.toString();
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (l.startsWith("{")) this.lines.push(JSON.parse(l) as Line);
        i = buf.indexOf("\n");
      }
      this.#wake();
    });
    this.proc.stderr.on("data", (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-20_000);
    });
    this.proc.on("exit", (code, sig) => {
      this.exitStatus = sig ?? String(code);
      this.exited = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The first line matching `pred` (waiting for it); rejects after `timeoutMs` or if the child exits. */
  async waitFor(pred: (l: Line) => boolean, timeoutMs = 60_000, what = "a line"): Promise<Line> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (this.exited)
        throw new Error(`child exited (${this.exitStatus}) before ${what}\nstderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\nstderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Resolves when the process has exited. */
  exit(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => this.proc.once("exit", () => r()));
  }

  /** Sends a signal if still running (by PID of the process this object started). */
  signal(sig: NodeJS.Signals): void {
    if (!this.exited) this.proc.kill(sig);
  }

  /** Kills the process (SIGKILL) and waits for it, e.g. in t.after. */
  async kill(): Promise<void> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    await this.exit();
  }
}
