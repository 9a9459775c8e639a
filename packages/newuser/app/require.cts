// A CommonJS module that require()s the ESM-only packages: allowed by TypeScript's `module: nodenext`
// (and `node20`), and by Node >= 20.19 / 22.12, which load ES modules without top-level await
// through require(). `module: node16` rejects it (TS1471); see dynamic-import.cts for that case.
import type { Pod } from "@org/api-types";

import clientset = require("@org/clientset");
import rest = require("@org/rest");

async function main(): Promise<void> {
  const { config } = await rest.loadKubeconfig();
  const pods = await clientset.Clientset.forConfig(config).coreV1().pods("kube-system").list();
  const names: (string | undefined)[] = pods.items.map((p: Pod) => p.metadata?.name);
  console.log(JSON.stringify({ cjs: "require", pods: names.length }));
  await rest.RESTClient.forConfig(config).close();
}
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
