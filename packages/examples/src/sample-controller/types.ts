// The Foo custom resource of client-go's sample-controller (samplecontroller.k8s.io/v1alpha1), typed
// by hand (CRD code generation comes later), and its CustomResourceDefinition, written for this example.
import type { ObjectMeta } from "@org/api-types/meta/v1";
import type { DynamicClient, GroupVersionResource } from "@org/clientset";

/** The API group of Foo. */
export const GROUP = "samplecontroller.k8s.io";
/** The version of Foo. */
export const VERSION = "v1alpha1";

/** foos.samplecontroller.k8s.io/v1alpha1, for the dynamic client and informers. */
export const fooResource: GroupVersionResource = { group: GROUP, version: VERSION, resource: "foos" };

/** What a Foo asks for: a Deployment of this name with this many replicas. */
export interface FooSpec {
  /** Name of the Deployment the controller keeps for this Foo. */
  deploymentName?: string;
  /** Its replicas. */
  replicas?: number;
}

/** What the controller reports back. */
export interface FooStatus {
  /** The Deployment's available replicas. */
  availableReplicas?: number;
}

/** A Foo object. */
export interface Foo {
  /** samplecontroller.k8s.io/v1alpha1 */
  apiVersion?: `${typeof GROUP}/${typeof VERSION}`;
  /** Foo */
  kind?: "Foo";
  /** Standard object metadata. */
  metadata?: ObjectMeta;
  /** What the Foo asks for. */
  spec?: FooSpec;
  /** What the controller reports. */
  status?: FooStatus;
}

/** The CustomResourceDefinition of Foo, with a status subresource and printer columns. */
export const fooCustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: {
    name: `foos.${GROUP}`,
    // *.k8s.io groups are protected; like client-go's sample, this one is marked unapproved.
    annotations: { "api-approved.kubernetes.io": "unapproved, experimental-only" },
  },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "foos", singular: "foo", kind: "Foo", listKind: "FooList" },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["deploymentName", "replicas"],
                properties: {
                  deploymentName: { type: "string", minLength: 1 },
                  replicas: { type: "integer", minimum: 0, maximum: 10 },
                },
              },
              status: {
                type: "object",
                properties: { availableReplicas: { type: "integer" } },
              },
            },
          },
        },
        additionalPrinterColumns: [
          { name: "Deployment", type: "string", jsonPath: ".spec.deploymentName" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
        ],
      },
    ],
  },
};

/** Applies the Foo CRD (server-side, idempotent) and waits until the API server serves it. */
export async function installFooCRD(
  dynamic: DynamicClient,
  fieldManager = "sample-controller-setup",
): Promise<void> {
  const crds = dynamic.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  const name = fooCustomResourceDefinition.metadata.name;
  await crds.apply(fooCustomResourceDefinition, { fieldManager, force: true });
  for (let i = 0; ; i++) {
    const crd = (await crds.get(name)) as { status?: { conditions?: { type?: string; status?: string }[] } };
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    if (i >= 120) throw new Error(`CRD ${name} is not Established after 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
