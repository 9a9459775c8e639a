// Type-level guarantees of the generated clientset (owner: codegen). Checked by `npm run typecheck`
// (tsc over src and test), never run: each `@ts-expect-error` pins something that must not compile.
import type { PodApplyConfiguration } from "@org/api-types/core/v1";
import type { GeneratedClientset } from "../src/generated/index.js";

declare const cs: GeneratedClientset;

export async function generatedClientsetTypes(): Promise<void> {
  // Cluster-scoped resources take no namespace.
  await cs.coreV1().nodes().get("n1");
  // @ts-expect-error nodes() is cluster-scoped
  cs.coreV1().nodes("x");
  // @ts-expect-error namespaces() is cluster-scoped
  cs.coreV1().namespaces("x");
  // @ts-expect-error pods(namespace) needs the namespace
  cs.coreV1().pods();

  // Exactly the spec's verbs.
  await cs
    .coreV1()
    .bindings("ns")
    .create({ target: { name: "n1" }, metadata: { name: "p" } });
  // @ts-expect-error bindings support only create
  cs.coreV1().bindings("ns").list;
  // @ts-expect-error componentstatuses support only get and list
  cs.coreV1().componentStatuses().watch;
  await cs.coreV1().componentStatuses().list();
  // @ts-expect-error namespaces have no deleteCollection
  cs.coreV1().namespaces().deleteCollection;
  await cs
    .coreV1()
    .namespaces()
    .finalize({ metadata: { name: "ns" } });

  // Typed results and subresources.
  const pod = await cs.coreV1().pods("ns").get("p");
  const phase: string | undefined = pod.status?.phase;
  const apiVersion: "v1" | undefined = pod.apiVersion;
  const scale = await cs.appsV1().deployments("ns").getScale("web");
  const replicas: number | undefined = scale.spec?.replicas;
  await cs
    .coreV1()
    .pods("ns")
    .evict({ metadata: { name: "p", namespace: "ns" } });
  const text: string = await cs.coreV1().pods("ns").getLogs("p");
  // @ts-expect-error deployments have no eviction
  cs.appsV1().deployments("ns").evict;

  // Server-side apply: a deep partial with apiVersion, kind and metadata.name required.
  const apply: PodApplyConfiguration = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  };
  await cs.coreV1().pods("ns").apply(apply, { fieldManager: "me" });
  await cs
    .coreV1()
    .pods("ns")
    .apply(
      // @ts-expect-error apply() without metadata.name does not compile
      { apiVersion: "v1", kind: "Pod", metadata: { labels: { app: "web" } } },
      { fieldManager: "me" },
    );
  await cs
    .coreV1()
    .pods("ns")
    .apply(
      // @ts-expect-error the kind is the resource's own
      { apiVersion: "v1", kind: "Service", metadata: { name: "p" } },
      { fieldManager: "me" },
    );
  void [phase, apiVersion, replicas, text];
}
