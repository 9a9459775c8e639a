// A user's program over the package `org-codegen crd crds/gadget.yaml --out .` generated here: the
// namespace to use is its argument; prints one JSON line of what it saw.
import { Clientset, newClientset } from "@org/clientset";
import { SharedInformerFactory } from "@org/informers";
import { buildConfigFromFlags } from "@org/rest";
import { type GeneratedClientset, groupVersions } from "./src/generated/clientset/index.js";
import type { InformerGroups } from "./src/generated/informers.js";
import type { Gadget } from "./src/generated/types/toys.example.com/v1.js";

const namespace = process.argv[2] ?? "default";
const config = await buildConfigFromFlags("", process.env.KUBECONFIG ?? "");
const clientset = Clientset.forConfig(config);
const toys = newClientset<GeneratedClientset>(clientset.restClient, groupVersions);
// No apiVersion or kind: the typed client sends its type's, as client-go's does.
const gadget: Gadget = { metadata: { name: "g" }, spec: { color: "red", size: 2 } };
const created = await toys.toysV1().gadgets(namespace).create(gadget);
// A type pin, never called: the CRD's enum is a literal union.
export function pin(): void {
  const gadgets = toys.toysV1().gadgets(namespace);
  // @ts-expect-error color is one of red, green, blue
  void gadgets.create({ metadata: { name: "h" }, spec: { color: "pink" } });
}
// One factory for the built-in groups and the generated one.
const factory = new SharedInformerFactory(clientset, { namespace }, groupVersions) as SharedInformerFactory &
  InformerGroups;
const gadgets = factory.toysV1().gadgets().lister();
const pods = factory.coreV1().pods().lister();
const ac = new AbortController();
factory.start(ac.signal);
const synced = await factory.waitForCacheSync(ac.signal);
ac.abort();
console.log(
  JSON.stringify({
    created: `${created.apiVersion} ${created.kind}`,
    gadgets: gadgets.gadgets(namespace).list().length,
    podsListed: Object.values(synced).every(Boolean) && Array.isArray(pods.list()),
  }),
);
