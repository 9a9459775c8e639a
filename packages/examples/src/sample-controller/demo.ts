// The sample-controller section of `npm run demo`: two replicas with leader election on the demo's
// control plane. The leader creates a Foo's Deployment and reports its available replicas; when the
// leader is stopped (SIGTERM releases the lease), the other replica takes over and handles a scale-up.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { type Clientset, type DynamicClient, newClientset } from "@org/clientset";
import { type ControlPlane, makePodRunning } from "@org/testenv";
import { type GeneratedClientset, groupVersions } from "../generated/clientset/index.js";
import { programArgs } from "../lib/run.js";
import { installFooCRD } from "./types.js";

/** The log lines of a replica the demo shows (the rest: every reconcile, informer sync). */
const shown =
  /acquired lease|new leader elected|created deployment|updating deployment|released lease|stopped leading/;

/** One replica, its main log lines shown with a prefix. */
class Replica {
  readonly child: ChildProcessWithoutNullStreams;
  output = "";

  constructor(
    readonly name: string,
    kubeconfig: string,
    namespace: string,
  ) {
    const args = ["--kubeconfig", kubeconfig, "--namespace", namespace, "--identity", name];
    args.push("--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "500ms");
    console.log(`$ node packages/examples/dist/sample-controller/main.js ${args.join(" ")} &`);
    this.child = spawn(process.execPath, [...programArgs("sample-controller/main"), ...args]);
    let partial = "";
    this.child.stdout.on("data", (c: Buffer) => {
      this.output += c.toString();
      partial += c.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (shown.test(l)) console.log(`  [${name}] ${l}`);
    });
    this.child.stderr.on("data", (c: Buffer) => process.stderr.write(`  [${name}] ${c}`));
  }

  /** Waits until the replica's output matches `re` (at most 60 s). */
  async waitFor(re: RegExp): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!re.test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode})`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${re} within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM: a graceful stop that releases the lease. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await exited;
  }
}

/** Runs the section; resolves with the Foo's final status line. */
export async function sampleControllerDemo(
  cp: ControlPlane,
  clientset: Clientset,
  dynamic: DynamicClient,
  namespace: string,
  node: string,
): Promise<string> {
  await installFooCRD(dynamic);
  console.log("CustomResourceDefinition foos.samplecontroller.k8s.io is Established");
  const foos = newClientset<GeneratedClientset>(clientset.restClient, groupVersions)
    .samplecontrollerV1alpha1()
    .foos(namespace);
  const a = new Replica("replica-a", cp.kubeconfigPath, namespace);
  const b = new Replica("replica-b", cp.kubeconfigPath, namespace);
  const available = async (want: number) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const p of (
        await clientset.coreV1().pods(namespace).list({ labelSelector: "controller=example-foo" })
      ).items) {
        if (!p.spec?.nodeName) await makePodRunning(cp, namespace, p.metadata?.name ?? "", node);
      }
      const f = await foos.get("example-foo");
      if (f.status?.availableReplicas === want) return f;
      if (Date.now() > deadline) throw new Error(`Foo example-foo never had ${want} available replicas`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  try {
    await Promise.race([a.waitFor(/successfully acquired lease/), b.waitFor(/successfully acquired lease/)]);
    const [leader, follower] = /successfully acquired lease/.test(a.output) ? [a, b] : [b, a];
    console.log(`\n${leader.name} leads; ${follower.name} waits. Creating Foo example-foo (replicas 1):`);
    await foos.create({
      apiVersion: "samplecontroller.k8s.io/v1alpha1",
      kind: "Foo",
      metadata: { name: "example-foo" },
      spec: { deploymentName: "example-foo", replicas: 1 },
    });
    await available(1);
    console.log(`\nStopping ${leader.name} (SIGTERM releases the lease), then scaling example-foo to 2:`);
    await leader.stop();
    await follower.waitFor(/successfully acquired lease/);
    const cur = await foos.get("example-foo");
    await foos.update({ ...cur, spec: { ...cur.spec!, replicas: 2 } });
    const f = await available(2);
    const d = await clientset.appsV1().deployments(namespace).get("example-foo");
    return `Foo example-foo: Deployment ${d.metadata?.name} with ${d.spec?.replicas} replicas, ${f.status?.availableReplicas} available (synced by ${follower.name})`;
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}
