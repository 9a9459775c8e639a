// An informer's cache as a local read model: the pods of a namespace, synced once through a shared
// informer, then answered from memory — a lister with a label selector, and a custom index by node
// (client-go's Indexer). No request reaches the API server after the sync.
//
//   node dist/pods-by-node.js [--kubeconfig ~/.kube/config] [--namespace default] [--selector app=web] [--node n1]
import type { Pod } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { dropManagedFields, SharedInformerFactory } from "@org/informers";
import { buildConfigFromFlags } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags } from "./lib/cli.js";
import { table } from "./lib/format.js";

const { values: flags } = parseFlags("pods-by-node", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "default" },
  selector: { type: "string", default: "" },
  node: { type: "string" },
});

const config = await buildConfigFromFlags("", flags.kubeconfig).catch(panic);
const factory = new SharedInformerFactory(Clientset.forConfig(config), {
  namespace: flags.namespace,
  transform: dropManagedFields,
});
const pods = factory.coreV1().pods();
// An index of the pods by the node they are bound to ("" for pods not scheduled yet).
const byNode = "byNode";
pods.informer().addIndexers({ [byNode]: (pod: Pod) => [pod.spec?.nodeName ?? ""] });

const stop = new AbortController();
factory.start(stop.signal);
const synced = await factory.waitForCacheSync(AbortSignal.timeout(60_000));
if (!Object.values(synced).every(Boolean)) panic(new Error("the pod informer did not sync within 60 s"));

const indexer = pods.informer().getIndexer();
console.log(
  `Synced ${indexer.size} pods of namespace ${flags.namespace} at resourceVersion ${pods.informer().lastSyncResourceVersion()}`,
);
const nodes = indexer.listIndexFuncValues(byNode).sort();
console.log(
  table(
    ["NODE", "PODS"],
    nodes.map((n) => [n || "<none>", String(indexer.byIndex(byNode, n).length)]),
  ),
);

// The lister: typed, by namespace, with a label selector — from memory.
const selected = pods.lister().pods(flags.namespace).list(flags.selector);
const onNode = flags.node === undefined ? selected : selected.filter((p) => p.spec?.nodeName === flags.node);
const where = `${flags.selector ? ` matching ${flags.selector}` : ""}${flags.node ? ` on ${flags.node}` : ""}`;
console.log(
  `Pods${where}: ${
    onNode
      .map((p) => p.metadata?.name)
      .sort()
      .join(", ") || "none"
  }`,
);
stop.abort();
await factory.shutdown();
