// Hand-written descriptors for the resources the integration tests use, in the shape the generator
// emits. They drive the same generic factories as the generated clientset (newClientset), so the
// runtime is tested on its own; clientset.test.ts covers the generated Clientset.

import type { PodExpansion } from "../src/expansions/core/v1/pod.js";
import type { ResourceDescriptor, Verb } from "../src/runtime/descriptor.js";
import type { ResourceMethods, ScaleMethods, SubresourceMethods } from "../src/runtime/methods.js";
import type { Obj, ObjList } from "./support.js";

const verbs: readonly Verb[] = [
  "create",
  "update",
  "updateStatus",
  "delete",
  "deleteCollection",
  "get",
  "list",
  "watch",
  "patch",
  "apply",
  "applyStatus",
];
const status = { name: "status", verbs: ["get", "update", "patch"] } as const;

function core(
  kind: string,
  resource: string,
  namespaced: boolean,
  subresources: ResourceDescriptor["subresources"] = [],
): ResourceDescriptor {
  return {
    group: "",
    version: "v1",
    kind,
    listKind: `${kind}List`,
    resource,
    namespaced,
    verbs,
    subresources,
  };
}

export const testGroupVersions = {
  coreV1: {
    group: "",
    version: "v1",
    resources: {
      namespaces: core("Namespace", "namespaces", false, [status, { name: "finalize", verbs: ["update"] }]),
      pods: core("Pod", "pods", true, [
        status,
        { name: "log", verbs: ["get"] },
        { name: "eviction", verbs: ["create"], kind: { group: "policy", version: "v1", kind: "Eviction" } },
        { name: "binding", verbs: ["create"], kind: { group: "", version: "v1", kind: "Binding" } },
        { name: "ephemeralcontainers", verbs: ["get", "update", "patch"] },
        { name: "resize", verbs: ["get", "update", "patch"] },
      ]),
      configMaps: core("ConfigMap", "configmaps", true),
      secrets: core("Secret", "secrets", true),
      services: core("Service", "services", true, [status]),
      serviceAccounts: core("ServiceAccount", "serviceaccounts", true, [
        {
          name: "token",
          verbs: ["create"],
          kind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
        },
      ]),
    },
  },
  appsV1: {
    group: "apps",
    version: "v1",
    resources: {
      deployments: {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        listKind: "DeploymentList",
        resource: "deployments",
        namespaced: true,
        verbs,
        subresources: [
          status,
          {
            name: "scale",
            verbs: ["get", "update", "patch"],
            kind: { group: "autoscaling", version: "v1", kind: "Scale" },
          },
        ],
      },
    },
  },
} as const;

type Methods = ResourceMethods<Obj, ObjList, Obj>;
export interface PodClient
  extends Methods,
    Pick<SubresourceMethods<Obj, Obj>, "evict" | "bind" | "updateEphemeralContainers" | "updateResize">,
    PodExpansion {}
export interface ServiceAccountClient extends Methods, Pick<SubresourceMethods<Obj, Obj>, "createToken"> {}
export interface NamespaceClient extends Methods, Pick<SubresourceMethods<Obj, Obj>, "finalize"> {}
export interface DeploymentClient extends Methods, ScaleMethods<Obj, Obj> {}

export interface TestClientset {
  coreV1(): {
    namespaces(): NamespaceClient;
    pods(namespace: string): PodClient;
    configMaps(namespace: string): Methods;
    secrets(namespace: string): Methods;
    services(namespace: string): Methods;
    serviceAccounts(namespace: string): ServiceAccountClient;
  };
  appsV1(): { deployments(namespace: string): DeploymentClient };
}
