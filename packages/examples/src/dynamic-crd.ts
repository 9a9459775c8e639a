// A CustomResourceDefinition and its objects through the dynamic client (client-go's
// dynamic.NewForConfig): no generated types, objects are plain JSON addressed by
// group/version/resource.
//   1. server-side apply the CRD crontabs.tutorial.example.com and wait until it is Established
//   2. create a CronTab, list the CronTabs, update one (retrying on conflicts), delete it
//   3. with --delete-crd, delete the CRD as well
//
//   node dist/dynamic-crd.js [--kubeconfig ~/.kube/config] [--namespace default] [--name my-crontab] [--delete-crd]
import { DynamicClient } from "@org/clientset";
import { buildConfigFromFlags, isConflict, StatusError } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags, sleep } from "./lib/cli.js";
import { table } from "./lib/format.js";

const { values: flags } = parseFlags("dynamic-crd", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "default" },
  name: { type: "string", default: "my-crontab" },
  "delete-crd": { type: "boolean", default: false },
});

const GROUP = "tutorial.example.com";
const CRD_NAME = `crontabs.${GROUP}`;
const FIELD_MANAGER = "dynamic-crd-example";

interface Unstructured {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
  [key: string]: unknown;
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "crontabs", singular: "crontab", kind: "CronTab", shortNames: ["ct"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  cronSpec: { type: "string" },
                  image: { type: "string" },
                  replicas: { type: "integer", minimum: 0 },
                },
              },
            },
          },
        },
        additionalPrinterColumns: [
          { name: "Spec", type: "string", jsonPath: ".spec.cronSpec" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
        ],
      },
    ],
  },
};

async function main(): Promise<void> {
  const config = await buildConfigFromFlags("", flags.kubeconfig);
  const dynamic = DynamicClient.forConfig(config);
  const crds = dynamic.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });

  // 1. The CRD, applied server-side so that running the program twice is fine.
  await crds.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
  console.log(`Applied CustomResourceDefinition ${CRD_NAME}`);
  for (let i = 0; ; i++) {
    const current = (await crds.get(CRD_NAME)) as Unstructured;
    const established = current.status?.conditions?.find((c) => c.type === "Established");
    if (established?.status === "True") break;
    if (i >= 100)
      throw new Error(
        `CRD ${CRD_NAME} is not Established after 25 s: ${established?.message ?? "no condition"}`,
      );
    await sleep(250);
  }
  console.log(`CustomResourceDefinition ${CRD_NAME} is Established`);

  // 2. Objects of the new kind, addressed by group/version/resource.
  const crontabs = dynamic
    .resource({ group: GROUP, version: "v1", resource: "crontabs" })
    .namespace(flags.namespace);
  const name = flags.name;
  const created = (await crontabs.create({
    apiVersion: `${GROUP}/v1`,
    kind: "CronTab",
    metadata: { name },
    spec: { cronSpec: "* * * * */5", image: "my-awesome-cron-image", replicas: 1 },
  })) as Unstructured;
  console.log(`Created CronTab ${flags.namespace}/${created.metadata?.name} (uid ${created.metadata?.uid})`);

  const print = async () => {
    const list = (await crontabs.list()) as { items: Unstructured[] };
    console.log(
      table(
        ["NAME", "SPEC", "IMAGE", "REPLICAS"],
        list.items.map((o) => [
          o.metadata?.name ?? "",
          String(o.spec?.cronSpec ?? ""),
          String(o.spec?.image ?? ""),
          String(o.spec?.replicas ?? ""),
        ]),
      ),
    );
  };
  await print();

  // Update: read, modify, write; on a conflict (someone else wrote in between) read again.
  for (;;) {
    const current = (await crontabs.get(name)) as Unstructured;
    current.spec = { ...current.spec, replicas: 3 };
    try {
      await crontabs.update(current);
      break;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  console.log(`Updated CronTab ${flags.namespace}/${name}: replicas 3`);
  await print();

  await crontabs.delete(name);
  console.log(`Deleted CronTab ${flags.namespace}/${name}`);

  if (flags["delete-crd"]) {
    await crds.delete(CRD_NAME);
    console.log(`Deleted CustomResourceDefinition ${CRD_NAME}`);
  }
}

await main().catch((err) => {
  if (err instanceof StatusError) {
    console.error(`Error: ${err.status.message ?? err.message}`);
    process.exit(1);
  }
  panic(err);
});
