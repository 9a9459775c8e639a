// A CommonJS module under `module: node16`, which cannot require() ES modules: types through
// `resolution-mode: "import"`, values through import().
import type { Pod } from "@org/api-types" with { "resolution-mode": "import" };

async function main(): Promise<void> {
  const { Clientset } = await import("@org/clientset");
  const { loadKubeconfig, RESTClient } = await import("@org/rest");
  const { config } = await loadKubeconfig();
  const pods = await Clientset.forConfig(config).coreV1().pods("kube-system").list();
  const names: (string | undefined)[] = pods.items.map((p: Pod) => p.metadata?.name);
  console.log(JSON.stringify({ cjs: "import()", pods: names.length }));
  await RESTClient.forConfig(config).close();
}
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
