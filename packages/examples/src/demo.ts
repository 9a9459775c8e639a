// `npm run demo`: the client-go tutorial, end to end, on a local control plane.
//   1. start etcd + kube-apiserver + kube-controller-manager (@org/testenv)
//   2. build the tutorial's world: node "minikube", namespace kubeless with three Running pods,
//      the default service account bound to the `view` ClusterRole
//   3. run out-of-cluster (admin kubeconfig), in-cluster (a real service-account token from the
//      TokenRequest API) and namespace-crud, once each
//   4. show `kubectl get pods -n kubeless` and `kubectl auth can-i`, check that the programs and kubectl
//      list the same pods
//   5. run client-go's sample-controller as two replicas (leader election) on a Foo, and stop the
//      control plane (also on Ctrl-C and on failure)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Clientset, DynamicClient } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import {
  binDirFor,
  type ControlPlane,
  DEFAULT_CONTROLLERS,
  resolveVersion,
  startControlPlane,
} from "@org/testenv";
import { disagreements } from "./lib/format.js";
import { runProgram } from "./lib/run.js";
import { bindView, createTutorialPods, serviceAccountDir, serviceEnv } from "./lib/world.js";
import { sampleControllerDemo } from "./sample-controller/demo.js";

const NAMESPACE = "kubeless";
const NODE = "minikube";

function banner(text: string): void {
  console.log(process.stdout.isTTY ? `\n\x1b[1m=== ${text}\x1b[0m` : `\n=== ${text}`);
}

/** Runs kubectl, showing the command and its output; returns false when kubectl cannot be run. */
function kubectl(kubeconfig: string, args: string[]): boolean {
  console.log(`$ kubectl ${args.join(" ")}`);
  const r = spawnSync("kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: "inherit" });
  if (r.error) console.log(`(kubectl could not be run: ${r.error.message}; install kubectl to compare)`);
  return !r.error;
}

/** The pods of a namespace as kubectl reports them: name and phase. */
function kubectlPods(kubeconfig: string, namespace: string): { name: string; phase: string }[] {
  const r = spawnSync(
    "kubectl",
    [
      "get",
      "pods",
      "-n",
      namespace,
      "-o",
      'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}',
    ],
    { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`kubectl get pods failed: ${r.stderr || r.error?.message}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [name = "", phase = ""] = l.split(" ");
      return { name, phase };
    });
}

let cp: ControlPlane | undefined;
let saDir: string | undefined;
let stopping: Promise<void> | undefined;
function cleanup(): Promise<void> {
  stopping ??= (async () => {
    if (saDir) await rm(saDir, { recursive: true, force: true });
    if (cp) {
      console.log("\nStopping the control plane...");
      await cp.stop();
    }
  })();
  return stopping;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = true;
    console.log(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function run(program: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  if (interrupted) throw new Error("interrupted");
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join("");
  console.log(`$ ${shown}node packages/examples/dist/${program}.js ${args.join(" ")}`);
  const result = await runProgram(program, args, { env, echo: true });
  if (result.code !== 0) throw new Error(`${program} exited with code ${result.code}`);
  return result.stdout;
}

try {
  banner("Starting a local control plane (etcd, kube-apiserver, kube-controller-manager)");
  if (!existsSync(join(binDirFor(resolveVersion()), "kube-apiserver"))) {
    console.log("(this first run builds the binaries from Go modules: several minutes on 2 cores)");
  }
  // `view` is an aggregated ClusterRole: the clusterrole-aggregation controller fills in its rules.
  const controllers = new Set<string>([...DEFAULT_CONTROLLERS, "clusterrole-aggregation-controller"]);
  cp = await startControlPlane({ controllers: [...controllers] });
  console.log(`API server ${cp.apiServerURL} (Kubernetes ${cp.version})`);
  console.log(`admin kubeconfig ${cp.kubeconfigPath}`);

  banner(`Setting up the tutorial's world: node ${NODE}, namespace ${NAMESPACE} with three pods`);
  const clientset = Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  const pods = await createTutorialPods(cp, clientset, NAMESPACE, NODE);
  for (const p of pods)
    console.log(`pod ${NAMESPACE}/${p.metadata?.name} ${p.status?.phase} on ${p.spec?.nodeName}`);
  await bindView(clientset, "default-view", "default", "default");
  console.log("clusterrolebinding default-view: ClusterRole view for the service account default:default");
  console.log(
    "(what `kubectl create clusterrolebinding default-view --clusterrole=view --serviceaccount=default:default` does)",
  );
  saDir = await serviceAccountDir(cp, clientset, "default", "default");
  console.log(`service-account token for default:default minted through the TokenRequest API into ${saDir}`);

  banner("1. out-of-cluster: authenticate with a kubeconfig file");
  const javaPod = pods.find((p) => p.metadata?.name?.startsWith("get-java-"))?.metadata?.name ?? "";
  const outOfCluster = await run("out-of-cluster", [
    "--kubeconfig",
    cp.kubeconfigPath,
    "--once",
    "--pod",
    javaPod,
  ]);
  console.log("\nThe same program asked for a pod that does not exist:");
  await run("out-of-cluster", ["--kubeconfig", cp.kubeconfigPath, "--once", "--pod", "example-xxxxx"]);

  banner("2. in-cluster: authenticate with the pod's service account (view ClusterRole)");
  const inCluster = await run("in-cluster", ["--once", "--service-account-dir", saDir], serviceEnv(cp));

  banner("3. namespace-crud: create, get and delete the namespace client-go-test");
  await run("namespace-crud", ["--kubeconfig", cp.kubeconfigPath]);

  banner("For comparison: kubectl");
  if (kubectl(cp.kubeconfigPath, ["get", "pods", "-n", NAMESPACE, "-o", "wide"])) {
    const sa = "system:serviceaccount:default:default";
    kubectl(cp.kubeconfigPath, ["auth", "can-i", "list", "pods", "--all-namespaces", `--as=${sa}`]);
    kubectl(cp.kubeconfigPath, ["auth", "can-i", "create", "pods", "-n", NAMESPACE, `--as=${sa}`]);

    const seen = kubectlPods(cp.kubeconfigPath, NAMESPACE);
    const problems = [
      ...disagreements(outOfCluster, NAMESPACE, seen).map((p) => `out-of-cluster: ${p}`),
      ...disagreements(inCluster, NAMESPACE, seen).map((p) => `in-cluster: ${p}`),
      ...seen.filter((p) => p.phase !== "Running").map((p) => `kubectl shows pod ${p.name} as ${p.phase}`),
    ];
    if (problems.length > 0)
      throw new Error(`the programs and kubectl disagree:\n  ${problems.join("\n  ")}`);
    console.log(
      `\nout-of-cluster, in-cluster and kubectl agree: ${seen.length} pods in ${NAMESPACE}, all Running.`,
    );
  }

  banner("sample-controller: two replicas with leader election reconcile a Foo");
  const dynamic = DynamicClient.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  console.log(`\n${await sampleControllerDemo(cp, clientset, dynamic, NAMESPACE, NODE)}`);
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
