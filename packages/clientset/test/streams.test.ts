// exec, attach, port-forward, cp and logs through the real API server to testenv's node agent (the
// kubelet's own streaming server code), with kubectl run on the same pods as the oracle: both must
// give the same bytes and exit codes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isForbidden, type RestConfig, StatusError } from "@org/rest";
import { makePodRunning, nodeAgentProcesses, registerNode } from "@org/testenv";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { PortForwardError } from "../src/streaming/portforward.js";
import { RemoteCommandError } from "../src/streaming/remotecommand.js";
import {
  adminConfig,
  type ControlPlane,
  commandStderr,
  env,
  freePort,
  kubectl,
  type Proc,
  tokenConfig,
} from "./support.js";

/** Writes `data` to `d` and resolves with what comes back once as many bytes have (an echo's answer). */
function echoed(d: Duplex, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    d.on("data", (b: Buffer) => {
      got.push(b);
      n += b.length;
      if (n >= data.length) resolve(Buffer.concat(got));
    });
    d.on("error", reject);
    d.write(data);
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let cp: ControlPlane;
let cs: Clientset;
let ns: { name: string; cleanup(): Promise<void> };
let nodeName: string;
let echoPort: number;
const pods = () => cs.coreV1().pods(ns.name);

before(async () => {
  const e = await env();
  cp = e.cp;
  cs = new Clientset(e.rest);
  ns = await createTestNamespace("streams");
  nodeName = uniqueNamespaceName("streams-node");
  await registerNode(cp, nodeName);
  echoPort = await freePort();
  const echo = `require("net").createServer((s) => s.pipe(s)).listen(${echoPort}, "127.0.0.1", () => console.log("listening"))`;
  const specs = [
    { name: "box", containers: [{ name: "main", image: "busybox" }] },
    { name: "echo", containers: [{ name: "echo", image: "node", command: [process.execPath, "-e", echo] }] },
    {
      name: "talker",
      containers: [
        {
          name: "talk",
          image: "busybox",
          stdin: true,
          command: ["sh", "-c", 'while read line; do echo "got $line"; echo "err $line" >&2; done'],
        },
      ],
    },
  ];
  for (const s of specs) {
    await pods().create({ metadata: { name: s.name }, spec: { nodeName, containers: s.containers } });
    await makePodRunning(cp, ns.name, s.name, nodeName);
  }
  // the echo server is up once its log says so
  for (let i = 0; !(await pods().getLogs("echo")).includes("listening"); i++) {
    if (i > 100) throw new Error("the echo server did not start");
    await sleep(50);
  }
});

after(async () => {
  await cs
    .coreV1()
    .nodes()
    .delete(nodeName)
    .catch(() => {});
  await ns.cleanup();
});

describe("exec", () => {
  test("stdout and stderr apart, exit codes 0, 3 and 137 as numbers; kubectl gives the same", async () => {
    for (const [script, code] of [
      ["printf out; printf err >&2", 0],
      ["printf out; printf err >&2; exit 3", 3],
      ["printf out; printf err >&2; kill -9 $$", 137],
    ] as const) {
      const ours = await pods().run("box", ["sh", "-c", script]);
      assert.equal(ours.stdout.toString(), "out", script);
      assert.equal(ours.stderr.toString(), "err", script);
      assert.equal(ours.exitCode, code, script);
      const theirs = await kubectl(cp, ["exec", "-n", ns.name, "box", "--", "sh", "-c", script]);
      assert.equal(theirs.code, code, `kubectl: ${theirs.stderr}`);
      assert.deepEqual(theirs.stdout, ours.stdout);
      assert.ok(commandStderr(theirs).startsWith("err"), theirs.stderr);
    }
  });

  test("stdin echoed by cat, and 50 MB of output intact, as kubectl sees them", async () => {
    const input = randomBytes(3 << 20);
    const echoed = await pods().run("box", ["cat"], { input });
    assert.equal(echoed.exitCode, 0);
    assert.ok(echoed.stdout.equals(input), "cat echoed every byte");
    const k = await kubectl(cp, ["exec", "-i", "-n", ns.name, "box", "--", "cat"], input);
    assert.equal(k.code, 0, k.stderr);
    assert.ok(k.stdout.equals(input), "kubectl's cat echoed every byte");

    const script = "yes 0123456789abcdef | head -c 52428800";
    const big = await pods().run("box", ["sh", "-c", script]);
    assert.equal(big.stdout.length, 52428800);
    const expected = Buffer.alloc(52428800, "0123456789abcdef\n");
    assert.equal(sha(big.stdout), sha(expected));
    const kbig = await kubectl(cp, ["exec", "-n", ns.name, "box", "--", "sh", "-c", script]);
    assert.equal(kbig.code, 0, kbig.stderr);
    assert.equal(sha(kbig.stdout), sha(big.stdout));
  });

  test("closeStdin ends cat (v5), with its output and exit code 0", async () => {
    const s = await pods().exec("box", { command: ["cat"], stdin: true });
    assert.equal(s.protocol, "v5.channel.k8s.io");
    const chunks: Buffer[] = [];
    s.stdout!.on("data", (b: Buffer) => chunks.push(b));
    s.stdin!.write("first\n");
    s.stdin!.write("second\n");
    await sleep(100);
    s.closeStdin();
    const st = await s.status;
    assert.equal(st.exitCode, 0);
    assert.equal(Buffer.concat(chunks).toString(), "first\nsecond\n");
  });

  test("a stream nobody reads does not stall the one being read, nor the command (as kubectl with 2>/dev/null)", async () => {
    // 1 MB on stderr, never read: the shared connection must not pause for it
    const s = await pods().exec("box", { command: ["sh", "-c", "head -c 1000000 /dev/zero >&2; echo out"] });
    const out: Buffer[] = [];
    s.stdout!.on("data", (b: Buffer) => out.push(b));
    const st = await s.status;
    assert.equal(st.exitCode, 0);
    assert.equal(Buffer.concat(out).toString(), "out\n");
    assert.equal(s.stderr!.readableLength, 1_000_000, "stderr kept its bytes for a later reader");
    // and awaiting only the status, with 1 MB of stdout nobody reads
    const quiet = await pods().exec("box", { command: ["sh", "-c", "head -c 1000000 /dev/zero"] });
    assert.equal((await quiet.status).exitCode, 0);
  });

  test("a TTY: resize is what stty size shows", async () => {
    const s = await pods().exec("box", {
      command: ["sh", "-c", "read x; stty size"],
      stdin: true,
      tty: true,
    });
    assert.equal(s.stderr, null, "a TTY has no separate stderr");
    const chunks: Buffer[] = [];
    s.stdout!.on("data", (b: Buffer) => chunks.push(b));
    s.resize(123, 45);
    await sleep(200);
    s.stdin!.write("\n");
    assert.equal((await s.status).exitCode, 0);
    assert.match(Buffer.concat(chunks).toString(), /45 123\r\n$/);
    // kubectl takes the size of its own terminal (a pseudo-terminal from script(1), sized by stty)
    // and sends it once the stream is up, so the command waits a moment, as ours waited above
    const k = await new Promise<Proc>((resolve, reject) => {
      const cmd = `stty cols 123 rows 45; kubectl --kubeconfig ${cp.kubeconfigPath} exec -it -n ${ns.name} box -- sh -c 'sleep 1; stty size'`;
      const p = spawn("script", ["-qec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      p.stdout.on("data", (b: Buffer) => out.push(b));
      p.on("error", reject);
      p.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: "" }));
      setTimeout(() => p.stdin.end(), 3000);
    });
    assert.equal(k.code, 0);
    assert.match(k.stdout.toString(), /45 123\r\n/);
  });

  test("aborting the session kills the command in the node agent", async () => {
    const ac = new AbortController();
    const marker = `sleep 987${Math.floor(Math.random() * 1000)}`;
    const s = await pods().exec("box", { command: ["sh", "-c", marker], signal: ac.signal });
    let running: { pid: number }[] = [];
    for (let i = 0; running.length === 0 && i < 100; i++) {
      running = (await nodeAgentProcesses(cp)).filter((p) => p.kind === "exec" && p.command.includes(marker));
      if (running.length === 0) await sleep(20);
    }
    assert.equal(running.length, 1, "the agent runs the command");
    ac.abort(new Error("stop it"));
    await assert.rejects(s.status, /stop it/);
    let left = running;
    for (let i = 0; left.length > 0 && i < 100; i++) {
      await sleep(50);
      left = (await nodeAgentProcesses(cp)).filter((p) => p.command.includes(marker));
    }
    assert.deepEqual(left, [], "the agent shows the command gone");
    await assert.rejects(lstat(`/proc/${running[0]!.pid}`), "the process is gone");

    // the same when kubectl exec is killed
    const kmarker = `sleep 986${Math.floor(Math.random() * 1000)}`;
    const k = spawn("kubectl", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "exec",
      "-n",
      ns.name,
      "box",
      "--",
      "sh",
      "-c",
      kmarker,
    ]);
    let kRunning: { pid: number }[] = [];
    for (let i = 0; kRunning.length === 0 && i < 200; i++) {
      kRunning = (await nodeAgentProcesses(cp)).filter((p) => p.command.includes(kmarker));
      if (kRunning.length === 0) await sleep(20);
    }
    assert.equal(kRunning.length, 1, "the agent runs kubectl's command");
    k.kill("SIGKILL");
    for (let i = 0; kRunning.length > 0 && i < 100; i++) {
      await sleep(50);
      kRunning = (await nodeAgentProcesses(cp)).filter((p) => p.command.includes(kmarker));
    }
    assert.deepEqual(kRunning, [], "gone after kubectl was killed");
  });

  test("v4.channel.k8s.io when v5 is not on offer: same streams and exit code, no closeStdin", async () => {
    const s = await pods().exec("box", {
      command: ["sh", "-c", "printf a; printf b >&2; exit 7"],
      protocols: ["v4.channel.k8s.io"],
    });
    assert.equal(s.protocol, "v4.channel.k8s.io");
    const { collect } = await import("../src/streaming/remotecommand.js");
    const r = await collect(s);
    assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.exitCode], ["a", "b", 7]);
    const cat = await pods().exec("box", { command: ["cat"], stdin: true, protocols: ["v4.channel.k8s.io"] });
    assert.throws(() => cat.closeStdin(), RemoteCommandError);
    cat.close();
    await assert.rejects(cat.status, RemoteCommandError);
  });

  test("a missing container is a typed error", async () => {
    await assert.rejects(pods().run("box", ["true"], { container: "nope" }), (e: unknown) => {
      assert.ok(e instanceof StatusError, String(e));
      assert.match(e.message, /container nope is not valid/);
      return true;
    });
  });
});

describe("attach and logs", () => {
  test("attach reaches the main process's stdin, stdout and stderr; kubectl attach too", async () => {
    const s = await pods().attach("talker", { stdin: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    s.stdout!.on("data", (b: Buffer) => out.push(b));
    s.stderr!.on("data", (b: Buffer) => err.push(b));
    s.stdin!.write("one\n");
    for (let i = 0; !Buffer.concat(err).toString().includes("err one") && i < 100; i++) await sleep(20);
    s.close();
    await s.status.catch(() => {});
    assert.equal(Buffer.concat(out).toString(), "got one\n");
    assert.equal(Buffer.concat(err).toString(), "err one\n");

    const k = spawn("kubectl", ["--kubeconfig", cp.kubeconfigPath, "attach", "-i", "-n", ns.name, "talker"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let kout = "";
    k.stdout.on("data", (b: Buffer) => {
      kout += b.toString();
    });
    await sleep(1000);
    k.stdin.write("two\n");
    for (let i = 0; !kout.includes("got two") && i < 200; i++) await sleep(20);
    k.kill();
    assert.equal(kout, "got two\n");
  });

  test("logs: getLogs gives the bytes kubectl logs gives; streamLogs follows", async () => {
    const theirs = await kubectl(cp, ["logs", "-n", ns.name, "talker"]);
    assert.equal(theirs.code, 0, theirs.stderr);
    const ours = await pods().getLogs("talker");
    assert.equal(ours, theirs.stdout.toString());
    assert.ok(ours.includes("got one\n") && ours.includes("err one\n"), ours);
    const tail = await pods().getLogs("talker", { tailLines: 1, timestamps: true });
    const ktail = await kubectl(cp, ["logs", "-n", ns.name, "talker", "--tail=1", "--timestamps"]);
    assert.equal(tail, ktail.stdout.toString());

    const lines = pods().streamLogs("talker")[Symbol.asyncIterator]();
    const a = await pods().attach("talker", { stdin: true, stdout: false, stderr: false });
    a.stdin!.write("three\n");
    const seen: string[] = [];
    while (!seen.includes("got three")) seen.push((await lines.next()).value as string);
    await lines.return?.();
    a.close();
    const kf = spawn("kubectl", ["--kubeconfig", cp.kubeconfigPath, "logs", "-f", "-n", ns.name, "talker"]);
    let kfo = "";
    kf.stdout.on("data", (b: Buffer) => {
      kfo += b.toString();
    });
    for (let i = 0; !kfo.includes("got three") && i < 200; i++) await sleep(20);
    kf.kill();
    assert.ok(kfo.startsWith(seen.join("\n").split("got three")[0]!), "kubectl logs -f shows the same lines");
  });
});

describe("port-forward", () => {
  test("100 concurrent connections, 1 MB each way, intact", async () => {
    const fwd = await pods().forwardPorts("echo", [echoPort]);
    try {
      const local = fwd.ports[0]!.local;
      const one = async () => {
        const data = randomBytes(1 << 20);
        const sock = connect(local, "127.0.0.1");
        const got = await echoed(sock, data);
        sock.destroy();
        return got.equals(data);
      };
      const results = await Promise.all(Array.from({ length: 100 }, one));
      assert.equal(results.filter(Boolean).length, 100);
    } finally {
      await fwd.close();
    }
  });

  test("a stream per port; kubectl port-forward echoes the same bytes", async () => {
    const f = await pods().portForward("echo", [echoPort]);
    const d = f.streams.get(echoPort)!;
    const data = randomBytes(256 * 1024);
    const got = await echoed(d, data);
    f.close();
    assert.ok(got.equals(data));

    const k = spawn("kubectl", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "port-forward",
      "-n",
      ns.name,
      "pod/echo",
      `:${echoPort}`,
    ]);
    try {
      let text = "";
      const local = await new Promise<number>((resolve, reject) => {
        k.stdout.on("data", (b: Buffer) => {
          text += b.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
          if (m) resolve(Number(m[1]));
        });
        k.on("close", () => reject(new Error(`kubectl port-forward ended: ${text}`)));
      });
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const sock = connect(local, "127.0.0.1");
        const parts: Buffer[] = [];
        let m = 0;
        sock.on("data", (b: Buffer) => {
          parts.push(b);
          m += b.length;
          if (m >= data.length) {
            sock.destroy();
            resolve(Buffer.concat(parts));
          }
        });
        sock.on("error", reject);
        sock.write(data);
      });
      assert.ok(echoed.equals(data));
    } finally {
      k.kill();
    }
  });

  test("the SPDY tunnel: half-close reaches the pod, more connections share one WebSocket", async () => {
    const f = await pods().portForward("echo", [echoPort]);
    assert.equal(f.protocol, "SPDY/3.1+portforward.k8s.io");
    const echoed = async (d: import("node:stream").Duplex, text: string) => {
      let got = "";
      d.on("data", (b: Buffer) => {
        got += b.toString();
      });
      d.end(text); // half-close: the echo server sees EOF, ends its side, and the stream ends
      await new Promise((r) => d.on("end", r));
      return got;
    };
    assert.equal(await echoed(f.streams.get(echoPort)!, "first\n"), "first\n");
    const more = await Promise.all([1, 2, 3].map(() => f.connect(echoPort)));
    assert.deepEqual(await Promise.all(more.map((d, i) => echoed(d, `more ${i}\n`))), [
      "more 0\n",
      "more 1\n",
      "more 2\n",
    ]);
    assert.ok(f.open, "one WebSocket carried them all");
    f.close();
  });

  test("v4 channels when the SPDY tunnel is not on offer: echo, and the pod's error", async () => {
    const f = await pods().portForward("echo", [echoPort], { protocols: ["v4.channel.k8s.io"] });
    assert.equal(f.protocol, "v4.channel.k8s.io");
    const d = f.streams.get(echoPort)!;
    const data = randomBytes(100_000);
    assert.ok((await echoed(d, data)).equals(data));
    f.close();
    const closed = await freePort();
    const bad = await pods().portForward("echo", [closed], { protocols: ["v4.channel.k8s.io"] });
    const s = bad.streams.get(closed)!;
    s.resume();
    const err = await new Promise<Error>((resolve) => s.on("error", resolve));
    assert.ok(err instanceof PortForwardError);
    assert.match(err.message, /connection refused/);
    bad.close();
  });

  test("a port nobody listens on: a PortForwardError saying so (kubectl reports the same)", async () => {
    const closed = await freePort();
    const f = await pods().portForward("echo", [closed]);
    const d = f.streams.get(closed)!;
    d.resume();
    const err = await new Promise<Error>((resolve) => d.on("error", resolve));
    assert.ok(err instanceof PortForwardError, String(err));
    assert.equal(err.port, closed);
    assert.match(
      err.message,
      new RegExp(`failed to connect to localhost:${closed} inside pod .*connection refused`),
    );
    assert.ok(f.open, "the SPDY session outlives the failed connection, as kubectl's does");
    f.close();

    const errors: Error[] = [];
    const fwd = await pods().forwardPorts("echo", [closed], { onError: (e) => errors.push(e) });
    await new Promise<void>((resolve) => {
      const sock = connect(fwd.ports[0]!.local, "127.0.0.1");
      sock.on("close", () => resolve());
      sock.on("error", () => {});
    });
    await fwd.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /connection refused/);

    // kubectl port-forward gets the same message from the node (on its stderr)
    const k = spawn("kubectl", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "port-forward",
      "-n",
      ns.name,
      "pod/echo",
      `:${closed}`,
    ]);
    try {
      let out = "";
      let err = "";
      k.stderr.on("data", (b: Buffer) => {
        err += b.toString();
      });
      const local = await new Promise<number>((resolve, reject) => {
        k.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        k.on("close", () => reject(new Error(`kubectl port-forward ended: ${out}${err}`)));
      });
      const sock = connect(local, "127.0.0.1");
      sock.on("error", () => {});
      for (let i = 0; !err.includes("connection refused") && i < 200; i++) await sleep(25);
      sock.destroy();
      assert.match(
        err,
        new RegExp(`failed to connect to localhost:${closed} inside pod .*connection refused`),
      );
    } finally {
      k.kill();
    }
  });
});

describe("cp", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "streams-cp-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function tree(root: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (p: string, rel: string) => {
      const st = await lstat(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} link ${await readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        for (const c of (await readdir(p)).sort()) await walk(join(p, c), `${rel}/${c}`);
      } else out.push(`${rel} ${mode} ${sha(await readFile(p))}`);
    };
    await walk(root, ".");
    return out;
  }

  test("a tree with modes goes in and comes back the same; kubectl cp agrees", async () => {
    const src = join(dir, "src");
    await mkdir(join(src, "sub", "deeper"), { recursive: true, mode: 0o750 });
    await writeFile(join(src, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    await writeFile(join(src, "secret"), randomBytes(70_000), { mode: 0o600 });
    await writeFile(join(src, "sub", "deeper", `${"long-name-".repeat(12)}.txt`), "long\n", { mode: 0o644 });
    await symlink("run.sh", join(src, "link"));
    const want = await tree(src);

    await pods().copyToPod("box", src, "copied");
    const listed = await pods().run("box", ["sh", "-c", "cd copied && find . | sort"]);
    assert.equal(listed.exitCode, 0);
    assert.ok(listed.stdout.toString().includes(`./sub/deeper/${"long-name-".repeat(12)}.txt`));
    const back = join(dir, "back");
    await pods().copyFromPod("box", "copied", back);
    assert.deepEqual(await tree(back), want);

    // kubectl cp in, ours out; ours in (above), kubectl out. kubectl writes no entries for
    // non-empty directories (tar makes them 755) and skips symlinks when copying out, so those two
    // are compared by name only; files by mode and content where kubectl keeps modes.
    const loose = (lines: string[]) =>
      lines.filter((l) => !l.includes(" link ")).map((l) => (l.includes("/ ") ? l.split(" ")[0]! : l));
    const k1 = await kubectl(cp, ["cp", src, `${ns.name}/box:kcopied`]);
    assert.equal(k1.code, 0, k1.stderr);
    const back2 = join(dir, "back2");
    await pods().copyFromPod("box", "kcopied", back2);
    assert.deepEqual(loose(await tree(back2)), loose(want));
    const back3 = join(dir, "back3");
    const k2 = await kubectl(cp, ["cp", `${ns.name}/box:copied`, back3]);
    assert.equal(k2.code, 0, k2.stderr);
    // kubectl cp out also drops file modes (it creates files 0666 & ~umask): contents only.
    const contents = (lines: string[]) => loose(lines).map((l) => l.replace(/ [0-7]+ /, " "));
    assert.deepEqual(contents(await tree(back3)), contents(want));
  });

  test("a missing remote path is a CopyError with tar's message", async () => {
    await assert.rejects(pods().copyFromPod("box", "no-such-dir", join(dir, "x")), /no-such-dir/);
  });
});

describe("auth on streams", () => {
  const grant = async (kind: "User" | "ServiceAccount", name: string) => {
    const rbac = cs.rbacV1();
    const role = `exec-${kind.toLowerCase()}-${name}`.replace(/[^a-z0-9-]/g, "-");
    await rbac.roles(ns.name).create({
      metadata: { name: role },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["get", "create"] },
      ],
    });
    await rbac.roleBindings(ns.name).create({
      metadata: { name: role },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
      subjects: [{ kind: "User", name, apiGroup: "rbac.authorization.k8s.io" }],
    });
  };

  const whoami = (config: RestConfig) =>
    Clientset.forConfig(config).coreV1().pods(ns.name).run("box", ["sh", "-c", "echo $HOSTNAME"]);

  test("as the certificate user, the token user and an exec-plugin user; a forbidden user gets a typed 403", async () => {
    await grant("User", "alice");
    await grant("User", "bob");
    const alice = cp.users.certUser;
    const certConfig: RestConfig = {
      host: cp.apiServerURL,
      tls: { caData: cp.caData, certData: alice.clientCertificate!, keyData: alice.clientKey! },
      qps: 0,
    };
    assert.equal((await whoami(certConfig)).stdout.toString(), "box\n");
    assert.equal((await whoami(tokenConfig(cp, cp.users.tokenUser.token!))).stdout.toString(), "box\n");

    const plugin = join(await mkdtemp(join(tmpdir(), "streams-exec-")), "plugin.mjs");
    await writeFile(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: ${JSON.stringify(cp.users.tokenUser.token)} } }));\n`,
    );
    const execConfig: RestConfig = {
      host: cp.apiServerURL,
      tls: { caData: cp.caData },
      exec: {
        command: process.execPath,
        args: [plugin],
        apiVersion: "client.authentication.k8s.io/v1",
        interactiveMode: "Never",
      },
      qps: 0,
    };
    assert.equal((await whoami(execConfig)).stdout.toString(), "box\n");

    // a ServiceAccount without any binding
    await cs
      .coreV1()
      .serviceAccounts(ns.name)
      .create({ metadata: { name: "nobody" } });
    const tr = (await cs
      .coreV1()
      .serviceAccounts(ns.name)
      .createToken("nobody", {
        spec: { expirationSeconds: 600 },
      })) as { status: { token: string } };
    await assert.rejects(whoami(tokenConfig(cp, tr.status.token)), (e: unknown) => {
      assert.ok(e instanceof StatusError, String(e));
      assert.ok(isForbidden(e), e.message);
      assert.equal(e.code, 403);
      assert.match(e.message, /pods\/exec|cannot get resource "pods"/);
      return true;
    });
    await assert.rejects(
      Clientset.forConfig(tokenConfig(cp, tr.status.token))
        .coreV1()
        .pods(ns.name)
        .portForward("echo", [echoPort]),
      (e: unknown) => e instanceof StatusError && e.code === 403,
    );
  });
});

describe("no leaks", () => {
  const fds = async (pid: number | "self") => (await readdir(`/proc/${pid}/fd`)).length;

  test("500 exec sessions opened and closed: no growth in sockets, fds or agent processes", async () => {
    const agentPid = cp.processes.find((p) => p.name === "node-agent")!.pid;
    const own = adminConfig(cp);
    const client = Clientset.forConfig(own).coreV1().pods(ns.name);
    const round = async (i: number) => {
      if (i % 2 === 0) {
        const r = await client.run("box", ["true"]);
        assert.equal(r.exitCode, 0);
      } else {
        const s = await client.exec("box", { command: ["sleep", "60"], stdin: true });
        s.close();
        await s.status.catch(() => {});
      }
    };
    const batch = async (from: number, n: number) => {
      let next = from;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < from + n) await round(next++);
        }),
      );
    };
    // The node agent serves the other test files too, running at the same time: only this
    // namespace's processes count, and the agent's fds are taken at their lowest over a while, since
    // the others' come and go while a leak (one per session would be 250 at least) stays.
    const ours = async () => (await nodeAgentProcesses(cp)).filter((p) => p.namespace === ns.name);
    const lowestAgentFds = async (samples: number, enough = 0) => {
      let lowest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < samples && lowest > enough; i++) {
        if (i > 0) await sleep(500);
        lowest = Math.min(lowest, await fds(agentPid));
      }
      return lowest;
    };
    await batch(0, 20); // warm
    const settle = async () => {
      for (let i = 0; i < 300; i++) {
        if ((await ours()).filter((p) => p.kind === "exec").length === 0) return;
        await sleep(50);
      }
    };
    await settle();
    const before = {
      self: await fds("self"),
      agent: await lowestAgentFds(5),
      procs: (await ours()).length,
    };
    await batch(20, 500);
    await settle();
    await sleep(500);
    const afterCounts = {
      self: await fds("self"),
      agent: await lowestAgentFds(60, before.agent + 3),
      procs: (await ours()).length,
    };
    assert.equal(afterCounts.procs, before.procs, "agent processes");
    assert.ok(afterCounts.self <= before.self + 3, `our fds ${before.self} -> ${afterCounts.self}`);
    assert.ok(afterCounts.agent <= before.agent + 3, `agent fds ${before.agent} -> ${afterCounts.agent}`);
  });
});
