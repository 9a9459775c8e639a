// The Foo custom resource of client-go's sample-controller (samplecontroller.k8s.io/v1alpha1): its
// types generated from its CustomResourceDefinition (crds/foo.yaml, written for this example).
import { readFileSync } from "node:fs";
import type { DynamicClient, GroupVersionResource, Unstructured } from "@org/clientset";
import yaml from "js-yaml";

/** The API group of Foo. */
export const GROUP = "samplecontroller.k8s.io";
/** The version of Foo. */
export const VERSION = "v1alpha1";

/** foos.samplecontroller.k8s.io/v1alpha1, for the dynamic client. */
export const fooResource: GroupVersionResource = { group: GROUP, version: VERSION, resource: "foos" };

// Foo, FooSpec and FooStatus are generated from crds/foo.yaml (`npm run generate`: org-codegen crd).
export type {
  Foo,
  FooList,
  FooSpec,
  FooStatus,
} from "../generated/types/samplecontroller.k8s.io/v1alpha1.js";

/** The CustomResourceDefinition of Foo (crds/foo.yaml), with a status subresource and printer columns. */
export const fooCustomResourceDefinition = yaml.load(
  readFileSync(new URL("../../crds/foo.yaml", import.meta.url), "utf8"),
) as Unstructured & { metadata: { name: string } };

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
