// The client-go tutorial's in-cluster program: runs inside a pod and authenticates with the pod's
// service account (token, CA certificate and namespace mounted at
// /var/run/secrets/kubernetes.io/serviceaccount, API server address in KUBERNETES_SERVICE_HOST/PORT).
// Every 10 seconds it counts the pods in the cluster, lists the pods of kubeless and every namespace.
//
//   node dist/in-cluster.js [--namespace kubeless] [--interval 10s] [--once]
//                           [--service-account-dir DIR]   (to run it outside a pod, as the demo does)
import { Clientset } from "@org/clientset";
import { inClusterConfig } from "@org/rest";
import { panic, parseDuration, parseFlags, sleep } from "./lib/cli.js";
import { podTable, table } from "./lib/format.js";

const { values: flags } = parseFlags("in-cluster", {
  namespace: { type: "string", default: "kubeless" },
  interval: { type: "string", default: "10s" },
  once: { type: "boolean", default: false },
  "service-account-dir": { type: "string" },
});

// Creates the in-cluster config (client-go: rest.InClusterConfig()).
const serviceAccountDir = flags["service-account-dir"];
const config = await (serviceAccountDir ? inClusterConfig({ serviceAccountDir }) : inClusterConfig()).catch(
  panic,
);

// Creates the clientset.
const clientset = Clientset.forConfig(config);

for (;;) {
  const pods = await clientset.coreV1().pods("").list().catch(panic);
  console.log(`There are ${pods.items.length} pods in the cluster`);

  const namespace = flags.namespace;
  const inNamespace = await clientset.coreV1().pods(namespace).list().catch(panic);
  console.log(`There are ${inNamespace.items.length} pods in namespace ${namespace}`);
  if (inNamespace.items.length > 0) console.log(podTable(inNamespace.items));

  const namespaces = await clientset.coreV1().namespaces().list().catch(panic);
  console.log(`There are ${namespaces.items.length} namespaces in the cluster`);
  console.log(
    table(
      ["NAME", "STATUS", "CREATETIME"],
      namespaces.items.map((ns) => [
        ns.metadata?.name ?? "",
        ns.status?.phase ?? "",
        ns.metadata?.creationTimestamp ?? "",
      ]),
    ),
  );

  if (flags.once) break;
  await sleep(parseDuration(flags.interval));
}
