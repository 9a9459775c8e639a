// The three programs of the client-go tutorial, run as child processes against the real control plane.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Pod } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags, inClusterConfig, isForbidden, isNotFound } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import yaml from "js-yaml";
import { bindView, createTutorialPods, serviceAccountDir, serviceEnv } from "../src/lib/world.js";
import { Program, runProgram, suffix } from "./helpers.js";

let cp: ControlPlane;
let admin: Clientset;
let ns: { name: string; cleanup(): Promise<void> };
let pods: Pod[];
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  cp = await getControlPlane();
  admin = Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  ns = await createTestNamespace("examples-tutorial");
  cleanups.push(() => ns.cleanup());
  pods = await createTutorialPods(cp, admin, ns.name, `examples-node-${suffix()}`);
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

function podCount(stdout: string): number {
  const m = /^There are (\d+) pods in the cluster$/m.exec(stdout);
  assert.ok(m, `no pod count in:\n${stdout}`);
  return Number(m[1]);
}

/** Every pod of the namespace is listed on its own line with its phase and creation time. */
function assertPodTable(stdout: string): void {
  assert.match(stdout, new RegExp(`^There are 3 pods in namespace ${ns.name}$`, "m"));
  assert.match(stdout, /^NAME\s+STATUS\s+CREATETIME$/m);
  for (const pod of pods) {
    const line = stdout.split("\n").find((l) => l.startsWith(`${pod.metadata?.name} `));
    assert.ok(line, `pod ${pod.metadata?.name} missing from:\n${stdout}`);
    assert.deepEqual(line.split(/\s+/), [pod.metadata?.name, "Running", pod.metadata?.creationTimestamp]);
  }
}

describe("out-of-cluster", () => {
  test("counts the cluster's pods and lists the namespace's pods with Status and CreateTime", async () => {
    const before = (await admin.coreV1().pods("").list()).items.length;
    const r = await runProgram("out-of-cluster", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "--namespace",
      ns.name,
      "--once",
    ]);
    assert.equal(r.code, 0, r.stderr);
    // Other test files create pods concurrently: the count is at least ours and this namespace's.
    assert.ok(podCount(r.stdout) >= 3, r.stdout);
    assert.ok(before >= 3);
    assertPodTable(r.stdout);
  });

  test("without --once it repeats every --interval", async () => {
    const p = new Program("out-of-cluster", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "--namespace",
      ns.name,
      "--interval",
      "100ms",
    ]);
    try {
      const first = await p.waitFor(/^There are 3 pods in namespace .*$/m);
      await p.waitFor(/^There are 3 pods in namespace .*$/m, first.index + first[0].length);
      assert.equal(p.child.exitCode, null, "the program ended instead of looping");
    } finally {
      await p.stop();
    }
  });

  test("--pod prints the found pod's fields in one column", async () => {
    const pod = pods.find((p) => p.metadata?.name?.startsWith("get-java-"))!;
    const name = pod.metadata?.name ?? "";
    const r = await runProgram("out-of-cluster", [
      "-kubeconfig",
      cp.kubeconfigPath,
      "-namespace",
      ns.name,
      "-pod",
      name,
      "-once",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Found pod ${name} in namespace ${ns.name}$`, "m"));
    const printed = r.stdout.slice(r.stdout.indexOf("Name:"));
    const want: [string, string][] = [
      ["Name", name],
      ["Namespaces", ns.name],
      ["NodeName", pod.spec?.nodeName ?? ""],
      ["Annotations", "<none>"],
      ["Labels", `app=get-java, pod-template-hash=${pod.metadata?.labels?.["pod-template-hash"]}`],
      ["SelfLink", "<none>"],
      ["Uid", pod.metadata?.uid ?? ""],
      ["Status", "Running"],
      ["IP", pod.status?.podIP ?? "<none>"],
      ["Image", "kubeless/get-java:1.0"],
    ];
    assert.equal(printed.trimEnd(), want.map(([k, v]) => `${`${k}:`.padEnd(12)} ${v}`).join("\n"));
  });

  test("a missing pod is reported as not found", async () => {
    const r = await runProgram("out-of-cluster", [
      "--kubeconfig",
      cp.kubeconfigPath,
      "--namespace",
      ns.name,
      "--pod",
      "example-xxxxx",
      "--once",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Pod example-xxxxx in namespace ${ns.name} not found$`, "m"));
  });

  test("another API error prints the server's Status message", async () => {
    // A service account of this test's own that may list pods everywhere but get none: the get
    // answers 403 Forbidden. (Not the shared certificate user: other suites rely on its having no rights.)
    const name = `examples-list-pods-${suffix()}`;
    await admin
      .coreV1()
      .serviceAccounts(ns.name)
      .create({ metadata: { name: "lister" } });
    await admin
      .rbacV1()
      .clusterRoles()
      .create({
        metadata: { name },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
      });
    cleanups.push(() => admin.rbacV1().clusterRoles().delete(name));
    await admin
      .rbacV1()
      .clusterRoleBindings()
      .create({
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: "lister", namespace: ns.name }],
      });
    cleanups.push(() => admin.rbacV1().clusterRoleBindings().delete(name));
    const saDir = await serviceAccountDir(cp, admin, ns.name, "lister");
    cleanups.push(() => rm(saDir, { recursive: true, force: true }));
    const user = { name: `system:serviceaccount:${ns.name}:lister` };
    const kubeconfigPath = join(saDir, "kubeconfig");
    await writeFile(
      kubeconfigPath,
      yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "testenv",
            cluster: { server: cp.apiServerURL, "certificate-authority": join(saDir, "ca.crt") },
          },
        ],
        users: [{ name: "lister", user: { tokenFile: join(saDir, "token") } }],
        contexts: [{ name: "lister", context: { cluster: "testenv", user: "lister" } }],
        "current-context": "lister",
      }),
    );
    const target = pods[0]?.metadata?.name ?? "";
    const r = await runProgram("out-of-cluster", [
      "--kubeconfig",
      kubeconfigPath,
      "--namespace",
      ns.name,
      "--pod",
      target,
      "--once",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assertPodTable(r.stdout);
    assert.match(
      r.stdout,
      new RegExp(
        `^Error getting pod ${target} in namespace ${ns.name}: pods "${target}" is forbidden: User "${user.name}" cannot get resource "pods"`,
        "m",
      ),
    );
  });

  test("a server that cannot be reached ends the program like Go's panic", async () => {
    // A loopback port that nothing listens on.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const kubeconfig = yaml.load(cp.users.admin.kubeconfig) as {
      clusters: { cluster: { server: string } }[];
    };
    for (const c of kubeconfig.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
    const dir = await mkdtemp(join(tmpdir(), "examples-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "kubeconfig");
    await writeFile(path, yaml.dump(kubeconfig));
    const r = await runProgram("out-of-cluster", ["--kubeconfig", path, "--once"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^panic: .*127\.0\.0\.1/);
  });

  test("a kubeconfig that does not exist is reported before anything else", async () => {
    const r = await runProgram("out-of-cluster", ["--kubeconfig", "/nonexistent/kubeconfig", "--once"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^panic: .*\/nonexistent\/kubeconfig/);
  });
});

describe("in-cluster", () => {
  let saDir: string;
  let env: Record<string, string>;

  before(async () => {
    // The tutorial binds the default service account; here a service account of the test's own.
    await admin
      .coreV1()
      .serviceAccounts(ns.name)
      .create({ metadata: { name: "viewer" } });
    const binding = `examples-view-${ns.name}`;
    await bindView(admin, binding, ns.name, "viewer");
    cleanups.push(() => admin.rbacV1().clusterRoleBindings().delete(binding));
    saDir = await serviceAccountDir(cp, admin, ns.name, "viewer");
    cleanups.push(() => rm(saDir, { recursive: true, force: true }));
    env = serviceEnv(cp);
  });

  test("with a view token it counts pods, lists the namespace's pods and every namespace", async () => {
    const r = await runProgram(
      "in-cluster",
      ["--once", "--namespace", ns.name, "--service-account-dir", saDir],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(podCount(r.stdout) >= 3, r.stdout);
    assertPodTable(r.stdout);
    assert.match(r.stdout, /^There are \d+ namespaces in the cluster$/m);
    const nsLine = r.stdout.split("\n").find((l) => l.startsWith(`${ns.name} `));
    assert.ok(nsLine, r.stdout);
    const created = (await admin.coreV1().namespaces().get(ns.name)).metadata?.creationTimestamp;
    assert.deepEqual(nsLine.split(/\s+/), [ns.name, "Active", created]);
    for (const system of ["default", "kube-system", "kube-public"]) {
      assert.match(r.stdout, new RegExp(`^${system}\\s+Active\\s`, "m"));
    }
  });

  test("the same token may not create anything", async () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    Object.assign(process.env, env);
    try {
      const viewer = Clientset.forConfig(await inClusterConfig({ serviceAccountDir: saDir }));
      assert.equal((await viewer.coreV1().pods(ns.name).list()).items.length, 3);
      await assert.rejects(
        viewer
          .coreV1()
          .configMaps(ns.name)
          .create({ metadata: { name: "nope" } }),
        (err: unknown) => isForbidden(err),
      );
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  test("the container image's single bundled file runs the same, without node_modules", async () => {
    const out = join(saDir, "image");
    await mkdir(out);
    const bundle = join(out, "in-cluster.mjs");
    const built = spawnSync(
      process.execPath,
      [fileURLToPath(new URL("../scripts/bundle.mjs", import.meta.url)), bundle],
      {
        encoding: "utf8",
      },
    );
    assert.equal(built.status, 0, built.stderr);
    // Run from a directory with no node_modules above it, as in the image.
    const r = spawnSync(
      process.execPath,
      [bundle, "--once", "--namespace", ns.name, "--service-account-dir", saDir],
      {
        cwd: out,
        env: { ...process.env, ...env },
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assertPodTable(r.stdout);
    assert.match(r.stdout, new RegExp(`^${ns.name}\\s+Active\\s`, "m"));
  });

  test("without the service-account files it fails and says so", async () => {
    const r = await runProgram("in-cluster", ["--once", "--service-account-dir", "/nonexistent/sa"], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^panic: /);
  });
});

describe("namespace-crud", () => {
  test("creates, gets and deletes the namespace with Foreground propagation", async () => {
    const name = `examples-crud-${suffix()}`;
    cleanups.push(() => admin.coreV1().namespaces().delete(name));
    const r = await runProgram("namespace-crud", ["--kubeconfig", cp.kubeconfigPath, "--name", name]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      `Creating namespace ${name}...`,
      `Created namespace ${name}`,
      `Name:   ${name}`,
    ]);
    assert.equal(lines[3], "Status: Active");
    assert.match(lines[4] ?? "", /^Uid: {4}[0-9a-f-]{36}$/);
    assert.deepEqual(lines.slice(5), [`Deleting namespace ${name}...`, `Deleted namespace ${name}`]);
    // Deleted: either gone already or terminating.
    const after = await admin
      .coreV1()
      .namespaces()
      .get(name)
      .catch((e: unknown) => e);
    if (!isNotFound(after))
      assert.ok((after as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp);
  });

  test("--pause waits for Enter before each step", async () => {
    const name = `examples-crud-${suffix()}`;
    cleanups.push(() => admin.coreV1().namespaces().delete(name));
    const p = new Program("namespace-crud", ["--kubeconfig", cp.kubeconfigPath, "--name", name, "--pause"]);
    try {
      await p.waitFor(/Press Enter to create namespace/);
      await assert.rejects(admin.coreV1().namespaces().get(name), (e: unknown) => isNotFound(e));
      p.write("\n");
      await p.waitFor(/Press Enter to get namespace/);
      const ns = await admin.coreV1().namespaces().get(name);
      assert.equal(ns.status?.phase, "Active");
      assert.doesNotMatch(p.stdout, /Uid:/);
      p.write("\n");
      await p.waitFor(/Press Enter to delete namespace/);
      assert.match(p.stdout, new RegExp(`Uid: +${ns.metadata?.uid}`));
      assert.equal((await admin.coreV1().namespaces().get(name)).metadata?.deletionTimestamp, undefined);
      p.write("\n");
      await p.waitFor(new RegExp(`Deleted namespace ${name}`));
    } finally {
      await p.stop();
    }
  });
});
