// Watch the pods of a namespace and keep watching through API server restarts, dropped connections,
// stalls and expired resource versions: an informer (@org/informers) does the list-then-watch,
// resumes from the last resourceVersion, relists on 410 Gone and reports the difference (a pod deleted
// while it was not watching arrives as a DeletedFinalStateUnknown), backs off with jitter, and
// restarts a watch that went silent. This program only prints what it is told.
//
//   node dist/watch-pods.js [--kubeconfig ~/.kube/config] [--namespace default] [--selector app=web]
import type { Pod } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import {
  DeletedFinalStateUnknown,
  dropManagedFields,
  IdleWatchError,
  SharedInformerFactory,
} from "@org/informers";
import { buildConfigFromFlags, isGone, StatusError } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags } from "./lib/cli.js";

const { values: flags } = parseFlags("watch-pods", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "default" },
  selector: { type: "string" },
});

const config = await buildConfigFromFlags("", flags.kubeconfig).catch(panic);
const clientset = Clientset.forConfig(config);
const labelSelector = flags.selector;

function report(type: string, pod: Pod, note = ""): void {
  const phase = pod.status?.phase ?? "Unknown";
  const deleting = pod.metadata?.deletionTimestamp ? " (terminating)" : "";
  console.log(`${type.padEnd(8)} ${pod.metadata?.name} ${phase}${deleting}${note}`);
}

function describe(err: unknown): string {
  if (err instanceof StatusError) return `${err.reason || err.code}: ${err.status.message ?? err.message}`;
  return err instanceof Error ? err.message : String(err);
}

const factory = new SharedInformerFactory(clientset, {
  namespace: flags.namespace,
  transform: dropManagedFields,
  tweakListOptions: (o) => {
    if (labelSelector) o.labelSelector = labelSelector;
  },
});
const informer = factory.coreV1().pods().informer();
informer.addEventHandler({
  onAdd: (pod) => report("ADDED", pod),
  onUpdate: (_old, pod) => report("MODIFIED", pod),
  onDelete: (pod) =>
    pod instanceof DeletedFinalStateUnknown
      ? report("DELETED", pod.obj, " (deleted while not watching)")
      : report("DELETED", pod),
});
informer.setWatchErrorHandler((err, health) => {
  const rv = health.lastSyncResourceVersion;
  if (isGone(err)) console.log(`resourceVersion ${rv} is too old (${describe(err)}); listing again`);
  else if (err instanceof StatusError && (err.code === 401 || err.code === 403 || err.code === 404))
    panic(err);
  else if (err instanceof IdleWatchError)
    console.log(`No event for ${err.idleMs} ms: the watch stalled; reconnecting`);
  else console.log(`Watch failed (${describe(err)}); watching again from resourceVersion ${rv}`);
});

const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => stop.abort());
console.log(`Watching pods in namespace ${flags.namespace}${labelSelector ? ` (${labelSelector})` : ""}`);
factory.start(stop.signal);
if (await informer.waitForSync(stop.signal)) {
  const n = informer.getIndexer().size;
  console.log(
    `Synced ${n} pods at resourceVersion ${informer.lastSyncResourceVersion()}; watching for changes`,
  );
}
await factory.shutdown();
