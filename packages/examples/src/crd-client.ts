// A CRD with generated types and a typed client: `npm run generate` runs `org-codegen crd crds --out .`
// over crds/crontab.yaml, writing src/generated/ (types, client descriptors, RESTMapper data). The
// typed CronTab client shares the built-in Clientset's RESTClient.
//   1. server-side apply the CRD crontabs.stable.example.com (read from crds/crontab.yaml), wait until Established
//   2. create a CronTab, print the CronTabs with the CRD's printer columns, scale it, write its status,
//      apply a second one (server-side apply with the generated apply configuration)
//   3. map the short name "ct" with a RESTMapper built from the generated discovery data
//   4. delete both CronTabs
//
//   node dist/crd-client.js [--kubeconfig ~/.kube/config] [--namespace default] [--name my-crontab]
import { readFileSync } from "node:fs";
import { Clientset, DynamicClient, newClientset, RESTMapper } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import yaml from "js-yaml";
import { type GeneratedClientset, groupVersions } from "./generated/clientset/index.js";
import { apiGroupResources, customResources } from "./generated/resources.js";
import type { CronTab, CronTabApplyConfiguration } from "./generated/types/stable.example.com/v1.js";
import { defaultKubeconfig, panic, parseFlags, sleep } from "./lib/cli.js";
import { table } from "./lib/format.js";

const { values: flags } = parseFlags("crd-client", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "default" },
  name: { type: "string", default: "my-crontab" },
});

const FIELD_MANAGER = "crd-client-example";
const manifest = new URL("../crds/crontab.yaml", import.meta.url);

/** A printer column's value: its JSON path (".spec.replicas") read from the object. */
function column(obj: unknown, jsonPath: string): string {
  let v: unknown = obj;
  for (const key of jsonPath.split(".").filter(Boolean))
    v = (v as Record<string, unknown> | undefined)?.[key];
  return v === undefined || v === null ? "" : String(v);
}

async function main(): Promise<void> {
  const config = await buildConfigFromFlags("", flags.kubeconfig);
  const clientset = Clientset.forConfig(config);
  // The generated groups over the same RESTClient (one transport, one rate limiter).
  const crds = newClientset<GeneratedClientset>(clientset.restClient, groupVersions);

  // 1. The CRD from its manifest, through the dynamic client.
  const crd = yaml.load(readFileSync(manifest, "utf8")) as { metadata: { name: string } };
  const definitions = new DynamicClient(clientset.restClient).resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  await definitions.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
  for (let i = 0; ; i++) {
    const current = (await definitions.get(crd.metadata.name)) as {
      status?: { conditions?: { type?: string; status?: string }[] };
    };
    if (current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    if (i >= 100) throw new Error(`CRD ${crd.metadata.name} is not Established after 25 s`);
    await sleep(250);
  }
  console.log(`CustomResourceDefinition ${crd.metadata.name} is Established`);

  // 2. Typed objects: the compiler knows spec.cronSpec, spec.concurrencyPolicy's values ...
  const crontabs = crds.stableV1().cronTabs(flags.namespace);
  const tab: CronTab = {
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: flags.name },
    spec: { cronSpec: "*/5 * * * *", image: "my-cron-image", concurrencyPolicy: "Forbid" },
  };
  for (let i = 0; ; i++) {
    try {
      await crontabs.create(tab);
      break;
    } catch (err) {
      // Established, but the resource may take a moment longer to be served.
      if (i >= 40) throw err;
      await sleep(250);
    }
  }
  console.log(`Created CronTab ${flags.namespace}/${flags.name}`);

  const scale = await crontabs.getScale(flags.name);
  scale.spec = { replicas: 3 };
  await crontabs.updateScale(flags.name, scale);
  const scaled = await crontabs.get(flags.name);
  scaled.status = { replicas: 3 };
  await crontabs.updateStatus(scaled);
  console.log(`Scaled CronTab ${flags.namespace}/${flags.name} to ${scaled.spec?.replicas}`);

  const applied: CronTabApplyConfiguration = {
    apiVersion: "stable.example.com/v1",
    kind: "CronTab",
    metadata: { name: `${flags.name}-hourly` },
    spec: { cronSpec: "0 * * * *", image: "my-cron-image" },
  };
  await crontabs.apply(applied, { fieldManager: FIELD_MANAGER });
  console.log(`Applied CronTab ${flags.namespace}/${flags.name}-hourly`);

  const columns =
    customResources.find((r) => r.kind === "CronTab" && r.version === "v1")?.printerColumns ?? [];
  const list = await crontabs.list();
  console.log(
    table(
      ["NAME", ...columns.map((c) => c.name.toUpperCase()), "STATUS REPLICAS"],
      list.items.map((o) => [
        o.metadata?.name ?? "",
        ...columns.map((c) => column(o, c.jsonPath)),
        String(o.status?.replicas ?? ""),
      ]),
    ),
  );

  // 3. The generated discovery data maps kinds and short names without asking the server.
  const gvr = new RESTMapper(apiGroupResources).resourceFor({ resource: "ct" });
  console.log(`ct is ${gvr.group}/${gvr.version} ${gvr.resource}`);

  // 4. Clean up.
  for (const o of list.items) await crontabs.delete(o.metadata?.name ?? "");
  console.log(`Deleted ${list.items.length} CronTabs`);
}

main().catch(panic);
