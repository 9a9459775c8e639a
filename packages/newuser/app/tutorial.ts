// What a new user writes first, against the published packages only: client-go's out-of-cluster
// tutorial (list, get, a NotFound, create, page through a list, watch) on the cluster of $KUBECONFIG.
// Prints one JSON line of what it saw; the fresh-app test compiles, runs and bundles it.
import type { ConfigMap, ObjectMeta } from "@org/api-types";
import type { Deployment } from "@org/api-types/apps/v1";
import { Clientset } from "@org/clientset";
import { isNotFound, loadKubeconfig, RESTClient } from "@org/rest";

export interface TutorialResult {
  namespaces: number;
  kubeSystem: boolean;
  notFound: boolean;
  deployments: number;
  created: string;
  pages: number;
  paged: number;
  watched: string;
}

/** Runs the tutorial in namespace `ns` (which must exist) and returns what it saw. */
export async function tutorial(ns: string): Promise<TutorialResult> {
  const { config } = await loadKubeconfig(); // client-node: kc.loadFromDefault()
  const clientset = Clientset.forConfig(config);
  try {
    const namespaces = await clientset.coreV1().namespaces().list();
    let notFound = false;
    try {
      await clientset.appsV1().deployments(ns).get("no-such-deployment");
    } catch (err) {
      if (!isNotFound(err)) throw err;
      notFound = true;
    }
    const cms = clientset.coreV1().configMaps(ns);
    const meta: ObjectMeta = { generateName: "tutorial-", labels: { app: "tutorial" } };
    const created: ConfigMap = await cms.create({ metadata: meta, data: { hello: "world" } });
    for (let i = 0; i < 4; i++) await cms.create({ metadata: meta, data: { i: String(i) } });
    let pages = 0;
    let paged = 0;
    for await (const page of cms.listPages({ labelSelector: "app=tutorial", limit: 2 })) {
      pages++;
      paged += page.items.length;
    }
    // From the namespaces list's resourceVersion (before the create: its ADDED follows). An optional
    // field read straight into an option type-checks under exactOptionalPropertyTypes.
    const watch = cms.watch({
      fieldSelector: `metadata.name=${created.metadata?.name}`,
      resourceVersion: namespaces.metadata?.resourceVersion,
      timeoutSeconds: 10,
    });
    let watched = "";
    for await (const ev of watch) {
      watched = `${ev.type} ${ev.object.data?.hello}`;
      watch.stop();
    }
    const deployments: Deployment[] = (await clientset.appsV1().deployments(ns).list()).items;
    return {
      namespaces: namespaces.items.length,
      kubeSystem: namespaces.items.some((n) => n.metadata?.name === "kube-system"),
      notFound,
      deployments: deployments.length,
      created: created.data?.hello ?? "",
      pages,
      paged,
      watched,
    };
  } finally {
    await RESTClient.forConfig(config).close(); // the connection pool Clientset.forConfig(config) uses
  }
}
