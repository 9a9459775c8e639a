// The tutorial's world, built on a fresh cluster: a node, a namespace with three Running pods, and a
// service account that may view everything. Used by the demo and by the tests.
import { randomInt } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "@org/api-types/core/v1";
import type { Clientset } from "@org/clientset";
import { isAlreadyExists, isNotFound } from "@org/rest";
import { type ControlPlane, makePodRunning, registerNode } from "@org/testenv";
import { sleep } from "./cli.js";

/** Kubernetes' alphabet for generated names (no vowels, no look-alike characters). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";
function safeString(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SAFE[randomInt(SAFE.length)];
  return s;
}

/** The three Deployments of the tutorial's kubeless installation, as the pods they own. */
const APPS = [
  { app: "get-java", image: "kubeless/get-java:1.0" },
  { app: "kubeless-controller-manager", image: "bitnami/kubeless-controller-manager:v1.0.8" },
  { app: "ui", image: "bitnami/kubeless-ui:latest" },
] as const;

/** Waits until `probe` stops throwing NotFound, for objects a controller creates (e.g. a service account). */
export async function waitFor<T>(what: string, probe: () => Promise<T>, attempts = 120): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await probe();
    } catch (err) {
      if (!isNotFound(err) || i >= attempts) {
        if (isNotFound(err))
          throw new Error(
            `${what} did not appear within ${attempts / 4} s; is kube-controller-manager running?`,
          );
        throw err;
      }
      await sleep(250);
    }
  }
}

/**
 * Ensures the namespace exists and has its `default` service account (pods cannot be created before
 * the service-account controller has made it).
 */
export async function ensureNamespace(clientset: Clientset, name: string): Promise<void> {
  await clientset
    .coreV1()
    .namespaces()
    .create({ metadata: { name } })
    .catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
  await waitFor(`service account ${name}/default`, () =>
    clientset.coreV1().serviceAccounts(name).get("default"),
  );
}

/**
 * Creates the tutorial's three pods (names like Deployment pods: get-java-<hash>-<id>) bound to
 * `nodeName`, registers the node and marks the pods Running through the status subresource, as a
 * kubelet would. Returns the pods in name order.
 */
export async function createTutorialPods(
  cp: ControlPlane,
  clientset: Clientset,
  namespace: string,
  nodeName: string,
): Promise<Pod[]> {
  await registerNode(cp, nodeName);
  await ensureNamespace(clientset, namespace);
  const pods: Pod[] = [];
  for (const { app, image } of APPS) {
    const hash = safeString(10);
    const name = `${app}-${hash}-${safeString(5)}`;
    await clientset
      .coreV1()
      .pods(namespace)
      .create({
        metadata: { name, labels: { app, "pod-template-hash": hash } },
        spec: { nodeName, containers: [{ name: app, image }] },
      });
    await makePodRunning(cp, namespace, name, nodeName);
    pods.push(await clientset.coreV1().pods(namespace).get(name));
  }
  return pods.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

/**
 * Binds the `view` ClusterRole to a service account cluster-wide, as
 * `kubectl create clusterrolebinding <binding> --clusterrole=view --serviceaccount=<ns>:<sa>` does.
 */
export async function bindView(
  clientset: Clientset,
  binding: string,
  namespace: string,
  serviceAccount: string,
): Promise<void> {
  // `view` is an aggregated ClusterRole: its rules are filled in by kube-controller-manager's
  // clusterrole-aggregation controller shortly after the cluster starts.
  for (let i = 0; ; i++) {
    const view = await clientset.rbacV1().clusterRoles().get("view");
    if ((view.rules ?? []).length > 0) break;
    if (i >= 120) {
      throw new Error(
        "the view ClusterRole still has no rules after 30 s; is kube-controller-manager's clusterrole-aggregation-controller running?",
      );
    }
    await sleep(250);
  }
  await clientset
    .rbacV1()
    .clusterRoleBindings()
    .create({
      metadata: { name: binding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
    })
    .catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
}

/**
 * Mints a token for a service account through the TokenRequest API and writes what the kubelet
 * mounts into a pod (token, ca.crt, namespace) into a new temporary directory; returns its path.
 */
export async function serviceAccountDir(
  cp: ControlPlane,
  clientset: Clientset,
  namespace: string,
  serviceAccount: string,
): Promise<string> {
  await waitFor(`service account ${namespace}/${serviceAccount}`, () =>
    clientset.coreV1().serviceAccounts(namespace).get(serviceAccount),
  );
  const request = await clientset
    .coreV1()
    .serviceAccounts(namespace)
    .createToken(serviceAccount, { spec: { audiences: [], expirationSeconds: 3600 } });
  const token = request.status?.token;
  if (!token) throw new Error(`the TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  const dir = await mkdtemp(join(tmpdir(), "serviceaccount-"));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "token"), token, { mode: 0o600 });
  await writeFile(join(dir, "ca.crt"), cp.caData);
  await writeFile(join(dir, "namespace"), namespace);
  return dir;
}

/** KUBERNETES_SERVICE_HOST/PORT for a program that runs "in the cluster" against this control plane. */
export function serviceEnv(cp: ControlPlane): {
  KUBERNETES_SERVICE_HOST: string;
  KUBERNETES_SERVICE_PORT: string;
} {
  const url = new URL(cp.apiServerURL);
  return { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port || "443" };
}
