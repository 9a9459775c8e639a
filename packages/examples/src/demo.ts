// `npm run demo`: the client-go tutorial, end to end, on a local control plane.
//   1. start etcd + kube-apiserver + kube-controller-manager (@org/testenv)
//   2. build the tutorial's world: node "minikube", namespace kubeless with three Running pods,
//      the default service account bound to the `view` ClusterRole
//   3. run out-of-cluster (admin kubeconfig), in-cluster (a real service-account token from the
//      TokenRequest API) and namespace-crud, once each
//   4. show `kubectl get pods -n kubeless` for comparison, and stop the control plane
import { spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { type ControlPlane, DEFAULT_CONTROLLERS, startControlPlane } from "@org/testenv";
import { runProgram } from "./lib/run.js";
import { bindView, createTutorialPods, serviceAccountDir, serviceEnv } from "./lib/world.js";

const NAMESPACE = "kubeless";
const NODE = "minikube";

function banner(text: string): void {
  console.log(process.stdout.isTTY ? `\n\x1b[1m=== ${text}\x1b[0m` : `\n=== ${text}`);
}

function kubectl(kubeconfig: string, args: string[]): void {
  console.log(`$ kubectl ${args.join(" ")}`);
  const r = spawnSync("kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: "inherit" });
  if (r.error) console.log(`(kubectl could not be run: ${r.error.message})`);
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

async function run(program: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  if (interrupted) throw new Error("interrupted");
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join("");
  console.log(`$ ${shown}node packages/examples/dist/${program}.js ${args.join(" ")}`);
  const result = await runProgram(program, args, { env, echo: true });
  if (result.code !== 0) throw new Error(`${program} exited with code ${result.code}`);
}

try {
  banner("Starting a local control plane (etcd, kube-apiserver, kube-controller-manager)");
  console.log("(the first run builds the binaries from Go modules: several minutes on 2 cores)");
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
  await run("out-of-cluster", ["--kubeconfig", cp.kubeconfigPath, "--once", "--pod", javaPod]);
  console.log("\nThe same program asked for a pod that does not exist:");
  await run("out-of-cluster", ["--kubeconfig", cp.kubeconfigPath, "--once", "--pod", "example-xxxxx"]);

  banner("2. in-cluster: authenticate with the pod's service account (view ClusterRole)");
  await run("in-cluster", ["--once", "--service-account-dir", saDir], serviceEnv(cp));

  banner("3. namespace-crud: create, get and delete the namespace client-go-test");
  await run("namespace-crud", ["--kubeconfig", cp.kubeconfigPath]);

  banner("For comparison: kubectl");
  kubectl(cp.kubeconfigPath, ["get", "pods", "-n", NAMESPACE, "-o", "wide"]);
  const sa = "system:serviceaccount:default:default";
  kubectl(cp.kubeconfigPath, ["auth", "can-i", "list", "pods", "--all-namespaces", `--as=${sa}`]);
  kubectl(cp.kubeconfigPath, ["auth", "can-i", "create", "pods", "-n", NAMESPACE, `--as=${sa}`]);
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
