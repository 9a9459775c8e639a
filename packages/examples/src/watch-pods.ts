// Watch the pods of a namespace and keep watching through API server restarts, dropped connections
// and expired resource versions, the way client-go's informers (Reflector) do:
//   list → remember the list's resourceVersion → watch from it → on every event remember the
//   object's resourceVersion → when the stream ends or fails, watch again from the last one seen →
//   when the server answers 410 Gone (the version is too old), list again and report the difference.
//
//   node dist/watch-pods.js [--kubeconfig ~/.kube/config] [--namespace default] [--selector app=web]
import type { Pod } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags, isGone, isResourceExpired, StatusError } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags, sleep } from "./lib/cli.js";

const { values: flags } = parseFlags("watch-pods", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "default" },
  selector: { type: "string" },
});

const config = await buildConfigFromFlags("", flags.kubeconfig).catch(panic);
const pods = Clientset.forConfig(config).coreV1().pods(flags.namespace);
const labelSelector = flags.selector;

/** The pods as last seen, by name: what a re-list is compared with. */
const known = new Map<string, Pod>();

function report(type: string, pod: Pod): void {
  const phase = pod.status?.phase ?? "Unknown";
  const deleting = pod.metadata?.deletionTimestamp ? " (terminating)" : "";
  console.log(`${type.padEnd(8)} ${pod.metadata?.name} ${phase}${deleting}`);
}

/** Lists the pods and reports what changed since the last list or event; returns the list's resourceVersion. */
async function relist(): Promise<string> {
  const list = await pods.list(labelSelector ? { labelSelector } : {});
  const seen = new Set<string>();
  for (const pod of list.items) {
    const name = pod.metadata?.name ?? "";
    seen.add(name);
    const before = known.get(name);
    if (!before) report("ADDED", pod);
    else if (before.metadata?.resourceVersion !== pod.metadata?.resourceVersion) report("MODIFIED", pod);
    known.set(name, pod);
  }
  for (const [name, pod] of known) {
    if (!seen.has(name)) {
      known.delete(name);
      report("DELETED", pod);
    }
  }
  return list.metadata?.resourceVersion ?? "";
}

function describe(err: unknown): string {
  if (err instanceof StatusError) return `${err.reason || err.code}: ${err.status.message ?? err.message}`;
  return err instanceof Error ? err.message : String(err);
}

let resourceVersion: string | undefined;
let failures = 0;
const backoff = () => Math.min(500 * 2 ** failures, 10_000);

console.log(`Watching pods in namespace ${flags.namespace}${labelSelector ? ` (${labelSelector})` : ""}`);
for (;;) {
  try {
    if (resourceVersion === undefined) {
      resourceVersion = await relist();
      console.log(`Listed ${known.size} pods at resourceVersion ${resourceVersion}; watching for changes`);
    }
    const watch = pods.watch({
      resourceVersion,
      allowWatchBookmarks: true,
      ...(labelSelector ? { labelSelector } : {}),
    });
    for await (const event of watch) {
      failures = 0;
      resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
      if (event.type === "BOOKMARK") continue;
      const name = event.object.metadata?.name ?? "";
      if (event.type === "DELETED") known.delete(name);
      else known.set(name, event.object);
      report(event.type, event.object);
    }
    // The server closes every watch after a while (--min-request-timeout); that is normal.
    console.log(`Watch closed by the server; watching again from resourceVersion ${resourceVersion}`);
  } catch (err) {
    if (isGone(err) || isResourceExpired(err)) {
      console.log(`resourceVersion ${resourceVersion} is too old (${describe(err)}); listing again`);
      resourceVersion = undefined;
      continue;
    }
    if (err instanceof StatusError && (err.code === 401 || err.code === 403 || err.code === 404)) panic(err);
    const wait = backoff();
    failures++;
    const from =
      resourceVersion === undefined ? "listing again" : `watching from resourceVersion ${resourceVersion}`;
    console.log(`Watch failed (${describe(err)}); ${from} in ${wait} ms`);
    await sleep(wait);
  }
}
