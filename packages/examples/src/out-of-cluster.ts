// The client-go tutorial's out-of-cluster program: authenticate with a kubeconfig file, then every
// 10 seconds count the pods in the cluster, list the pods of one namespace and look up one pod by name.
//
//   node dist/out-of-cluster.js [--kubeconfig ~/.kube/config] [--namespace kubeless] [--pod NAME]
//                               [--interval 10s] [--once]
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags, isNotFound, StatusError } from "@org/rest";
import { defaultKubeconfig, panic, parseDuration, parseFlags, sleep } from "./lib/cli.js";
import { podTable, prettyPrint } from "./lib/format.js";

const { values: flags } = parseFlags("out-of-cluster", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "kubeless" },
  pod: { type: "string" },
  interval: { type: "string", default: "10s" },
  once: { type: "boolean", default: false },
});

// Use the current context in the kubeconfig (client-go: clientcmd.BuildConfigFromFlags("", *kubeconfig)).
const config = await buildConfigFromFlags("", flags.kubeconfig).catch(panic);

// Create the clientset (client-go: kubernetes.NewForConfig(config)).
const clientset = Clientset.forConfig(config);

for (;;) {
  // An empty namespace lists the pods of all namespaces.
  const pods = await clientset.coreV1().pods("").list().catch(panic);
  console.log(`There are ${pods.items.length} pods in the cluster`);

  const namespace = flags.namespace;
  const inNamespace = await clientset.coreV1().pods(namespace).list().catch(panic);
  console.log(`There are ${inNamespace.items.length} pods in namespace ${namespace}`);
  if (inNamespace.items.length > 0) console.log(podTable(inNamespace.items));

  // Examples of error handling: look up one pod and tell "not found" from other API errors.
  if (flags.pod !== undefined) {
    const name = flags.pod;
    try {
      const pod = await clientset.coreV1().pods(namespace).get(name);
      console.log(`Found pod ${name} in namespace ${namespace}`);
      console.log(prettyPrint(pod));
    } catch (err) {
      if (isNotFound(err)) {
        console.log(`Pod ${name} in namespace ${namespace} not found`);
      } else if (err instanceof StatusError) {
        console.log(
          `Error getting pod ${name} in namespace ${namespace}: ${err.status.message ?? err.message}`,
        );
      } else {
        panic(err); // a transport error: the API server could not be reached
      }
    }
  }

  if (flags.once) break;
  await sleep(parseDuration(flags.interval));
}
