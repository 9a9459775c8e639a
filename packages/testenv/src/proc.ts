// Processes, ports and logs of the control plane components.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `port` when it can be bound on 127.0.0.1 right now, else a free one. */
export function portOrFree(port: number | undefined): Promise<number> {
  if (!port) return freePort();
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(freePort()));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(port)));
  });
}

/** The last `lines` lines of a log file ("" when it cannot be read). */
export function tailFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningComponent {
  name: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Resolves when the process exits. */
  exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit?: Exit;
}

/**
 * Starts `bin args...` with stdout and stderr appended to `logPath`. With `detached`, the process gets
 * its own session, so a Ctrl-C in the owner's terminal does not reach it (the CLI's `up` returns while
 * it runs).
 */
export function startComponent(
  name: string,
  bin: string,
  args: readonly string[],
  logPath: string,
  detached: boolean,
): RunningComponent {
  const fd = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ["ignore", fd, fd], detached });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${bin}): the process did not get a PID; see ${logPath}`);
  }
  const c: RunningComponent = {
    name,
    pid: child.pid,
    logPath,
    child,
    exited: new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        c.exit = { code, signal };
        resolve(c.exit);
      });
      child.once("error", () => {
        c.exit = { code: -1, signal: null };
        resolve(c.exit);
      });
    }),
  };
  // Never keep the owning process alive: without `detached` the owner's exit hook (and watchdog) stop it.
  child.unref();
  return c;
}

function procStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is a live process (not a zombie) and, when `marker` is given and /proc is available,
 * its command line contains `marker` — so a reused PID is never mistaken for a component.
 */
export function isAlive(pid: number, marker?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return process.platform !== "linux";
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X") return false;
  if (marker) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
    } catch {
      return false;
    }
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Kills synchronously (for exit hooks and signal handlers): SIGKILL to each live PID, then waits (at most
 * `waitMs`, blocking) until they are gone.
 */
export function killNow(pids: readonly number[], marker?: string, waitMs = 2000): void {
  const live = () => pids.filter((p) => isAlive(p, marker));
  for (const pid of live()) signal(pid, "SIGKILL");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + waitMs;
  while (live().length > 0 && Date.now() < deadline) Atomics.wait(pause, 0, 0, 10);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every PID is gone. */
export async function killAndWait(pids: readonly number[], marker?: string, graceMs = 5000): Promise<void> {
  const live = () => pids.filter((p) => isAlive(p, marker));
  for (const pid of live()) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (live().length > 0 && Date.now() < deadline) await sleep(50);
  for (const pid of live()) signal(pid, "SIGKILL");
  const hard = Date.now() + 5000;
  while (live().length > 0 && Date.now() < hard) await sleep(50);
  const left = live();
  if (left.length > 0) throw new Error(`processes ${left.join(", ")} did not exit after SIGKILL`);
}

/**
 * Starts a detached shell that waits for `ownerPid` to end and then kills the processes whose PIDs are in
 * `runDir/*.pid` (only if their command line mentions runDir) and removes runDir. It covers the cases
 * where the owner dies without running exit hooks (SIGKILL, a crash, an unhandled signal).
 */
export function startWatchdog(ownerPid: number, runDir: string): number | undefined {
  const script = `
owner=$1; dir=$2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
pids=""
for f in "$dir"/*.pid; do
  [ -f "$f" ] || continue
  p=$(cat "$f" 2>/dev/null)
  [ -n "$p" ] && tr '\\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$dir" && pids="$pids $p"
done
[ -n "$pids" ] && kill $pids 2>/dev/null && sleep 3 && kill -9 $pids 2>/dev/null
rm -rf -- "$dir"
`;
  const child = spawn("/bin/sh", ["-c", script, "org-testenv-watchdog", String(ownerPid), runDir], {
    detached: true,
    stdio: "ignore",
  });
  child.on("error", () => {});
  child.unref();
  return child.pid;
}
