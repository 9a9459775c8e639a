#!/usr/bin/env node
// testenv up | down | status | env — a local control plane that outlives the command, for kubectl,
// examples and test runs (`eval "$(testenv env)"` makes the test harness reuse it).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { resolveVersion } from "./binaries.js";
import {
  type ControlPlaneState,
  controlPlaneFromState,
  readState,
  startControlPlane,
  stateAlive,
} from "./controlplane.js";
import { kubeconfigYaml } from "./kubeconfig.js";
import { isAlive } from "./proc.js";

const USAGE = `Usage: testenv <command> [options]

Commands:
  up       start a local control plane (etcd, kube-apiserver, kube-controller-manager) in the background,
           write the admin kubeconfig and print "export KUBECONFIG=..."; reuses a running one
  down     stop it and remove its files (nothing running: does nothing)
  status   show whether it runs, its URL, version, processes and kubeconfigs (exit 1 when not running)
  env      print the export lines for a running control plane: eval "$(testenv env)"

Options:
  --dir <path>         state directory (default: <repo root>/.testenv, the repo root being the nearest
                       parent with .git, else the current directory)
  --kubeconfig <path>  where "up" writes the kubeconfig (default: <dir>/kubeconfig)
  --version <v1.X.Y>   Kubernetes version for "up" (default: $K8S_VERSION, else v1.36.3)
  -q, --quiet          no progress lines on stderr
  -h, --help           this text
`;

function repoRoot(from: string): string {
  for (let d = resolve(from); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return resolve(from);
  }
}

interface CliState {
  state: ControlPlaneState;
  statePath: string; // the run dir's state file
  kubeconfig: string; // the kubeconfig "up" wrote
}

function readCli(dir: string): CliState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as CliState;
  } catch {
    return undefined;
  }
}

function running(cli: CliState | undefined): cli is CliState {
  return cli !== undefined && stateAlive(cli.state);
}

const exportLines = (cli: CliState) =>
  `export KUBECONFIG=${shellQuote(cli.kubeconfig)}\nexport ORG_TESTENV_STATE=${shellQuote(cli.statePath)}\n`;

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

async function stopCli(dir: string, cli: CliState, say: (s: string) => void): Promise<void> {
  await controlPlaneFromState(cli.state, cli.statePath).stop();
  rmSync(join(dir, "state.json"), { force: true });
  // the kubeconfig "up" wrote (only when it is still ours)
  try {
    if (readFileSync(cli.kubeconfig, "utf8").includes(cli.state.apiServerURL))
      rmSync(cli.kubeconfig, { force: true });
  } catch {
    // already gone
  }
  say(`[testenv] stopped the control plane at ${cli.state.apiServerURL}`);
}

/** A lock so that two concurrent "up" commands do not start two control planes. */
function lock(dir: string): () => void {
  const path = join(dir, "up.lock");
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(path, "wx");
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (isAlive(holder)) throw new Error(`another "testenv up" is running (pid ${holder}); wait for it`);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: "string" },
      kubeconfig: { type: "string" },
      version: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = resolve(values.dir ?? join(repoRoot(process.cwd()), ".testenv"));
  const say = (s: string) => {
    if (!values.quiet) process.stderr.write(`${s}\n`);
  };
  const cli = readCli(dir);

  switch (cmd) {
    case "up": {
      const version = resolveVersion(values.version);
      mkdirSync(dir, { recursive: true });
      const unlock = lock(dir);
      try {
        const current = readCli(dir);
        if (running(current) && current.state.version === version) {
          say(
            `[testenv] reusing the control plane ${current.state.version} at ${current.state.apiServerURL}`,
          );
          if (values.kubeconfig && resolve(values.kubeconfig) !== current.kubeconfig) {
            writeKubeconfig(resolve(values.kubeconfig), current.state);
            current.kubeconfig = resolve(values.kubeconfig);
            writeFileSync(join(dir, "state.json"), JSON.stringify(current, null, 2), { mode: 0o600 });
          }
          process.stdout.write(exportLines(current));
          return 0;
        }
        if (current) {
          say(
            running(current)
              ? `[testenv] replacing the running ${current.state.version} control plane by ${version}`
              : "[testenv] cleaning up a control plane that is no longer running",
          );
          await stopCli(dir, current, say);
        }
        const started = Date.now();
        // Ctrl-C while starting: startControlPlane's own handler kills what it started and removes its run
        // dir; this one then releases the lock and exits.
        const onSignal = (sig: NodeJS.Signals) =>
          setImmediate(() => {
            unlock();
            say(`[testenv] interrupted by ${sig}; nothing left running`);
            process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGHUP" ? 1 : 15));
          });
        const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
        for (const s of signals) process.on(s, onSignal);
        const cp = await startControlPlane({ version, detached: true, onProgress: say }).finally(() => {
          for (const s of signals) process.removeListener(s, onSignal);
        });
        const state = readState(cp.statePath)!;
        const kubeconfig = resolve(values.kubeconfig ?? join(dir, "kubeconfig"));
        writeKubeconfig(kubeconfig, state);
        const out: CliState = { state, statePath: cp.statePath, kubeconfig };
        writeFileSync(join(dir, "state.json"), JSON.stringify(out, null, 2), { mode: 0o600 });
        if (!existsSync(join(dir, ".gitignore"))) writeFileSync(join(dir, ".gitignore"), "*\n");
        say(
          `[testenv] up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${state.apiServerURL}` +
            ` (contexts testenv-admin, testenv-alice [cert user], testenv-bob [token user])`,
        );
        process.stdout.write(exportLines(out));
        return 0;
      } finally {
        unlock();
      }
    }
    case "down": {
      if (!cli) {
        say("[testenv] nothing is running");
        return 0;
      }
      await stopCli(dir, cli, say);
      return 0;
    }
    case "status": {
      if (!running(cli)) {
        process.stdout.write(cli ? "stopped (stale state; `testenv down` cleans up)\n" : "not running\n");
        return 1;
      }
      const s = cli.state;
      const lines = [
        "running",
        `  server:     ${s.apiServerURL}`,
        `  version:    ${s.version}`,
        `  kubeconfig: ${cli.kubeconfig} (contexts testenv-admin, testenv-alice, testenv-bob)`,
        ...Object.values(s.users).map((u) => `  user ${u.name.padEnd(6)} ${u.kubeconfigPath}`),
        ...s.processes.map((p) => `  ${p.name.padEnd(24)} pid ${p.pid}  log ${p.logPath}`),
        `  etcd:       ${s.etcdURL}`,
        `  run dir:    ${s.runDir}`,
        `  started:    ${s.startedAt}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    }
    case "env": {
      if (!running(cli)) {
        process.stderr.write(
          "no control plane is running: start one with `testenv up` (npm run cluster:up)\n",
        );
        return 1;
      }
      process.stdout.write(exportLines(cli));
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

/** One kubeconfig with a context per user; the admin context is current. */
function writeKubeconfig(path: string, s: ControlPlaneState): void {
  const { admin, certUser, tokenUser } = s.users;
  const text = kubeconfigYaml({
    clusterName: "testenv",
    server: s.apiServerURL,
    caPem: s.caData,
    users: [admin, certUser, tokenUser].map((u) => ({
      name: u.name,
      clientCertificate: u.clientCertificate,
      clientKey: u.clientKey,
      token: u.token,
    })),
    contextNames: ["testenv-admin", "testenv-alice", "testenv-bob"],
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`testenv: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
