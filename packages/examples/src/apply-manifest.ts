// Server-side apply of a YAML file with several documents, like `kubectl apply --server-side -f FILE`:
// each document's kind is mapped to its resource through discovery, then the object is applied
// through the dynamic client with a field manager. Running it again changes nothing.
//
//   node dist/apply-manifest.js [--kubeconfig ~/.kube/config] [--namespace NS] [--field-manager apply-manifest]
//                               [--force] FILE
import { readFile } from "node:fs/promises";
import { Clientset, DeferredRESTMapper, DynamicClient, isNoMatchError } from "@org/clientset";
import { buildConfigFromFlags, StatusError } from "@org/rest";
import yaml from "js-yaml";
import { defaultKubeconfig, panic, parseFlags } from "./lib/cli.js";

const { values: flags, positionals } = parseFlags(
  "apply-manifest",
  {
    kubeconfig: { type: "string", default: defaultKubeconfig() },
    namespace: { type: "string" },
    "field-manager": { type: "string", default: "apply-manifest" },
    force: { type: "boolean", default: false },
  },
  process.argv.slice(2),
  "FILE",
);

interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  [key: string]: unknown;
}

async function main(): Promise<void> {
  const file = positionals[0];
  if (positionals.length !== 1 || !file) {
    console.error("apply-manifest: give exactly one YAML file, e.g. apply-manifest manifest.yaml");
    process.exit(2);
  }
  const documents = yaml
    .loadAll(await readFile(file, "utf8"))
    .filter((d): d is Manifest => d !== null && d !== undefined);

  const config = await buildConfigFromFlags("", flags.kubeconfig);
  const clientset = Clientset.forConfig(config);
  // kind → resource from discovery (client-go's DeferredDiscoveryRESTMapper): loaded on first use,
  // reloaded once when a kind is missing, e.g. a CRD applied by an earlier document of this file.
  const mapper = new DeferredRESTMapper(clientset.discovery());
  const dynamic = new DynamicClient(clientset.restClient);
  const defaultNamespace = flags.namespace ?? config.namespace ?? "default";

  let failed = 0;
  for (const [i, doc] of documents.entries()) {
    const where = `document ${i + 1} of ${file}`;
    if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) {
      console.error(`${where}: apiVersion, kind and metadata.name are required`);
      failed++;
      continue;
    }
    let display = `${doc.kind.toLowerCase()}/${doc.metadata.name}`;
    try {
      const [group, version] = doc.apiVersion.includes("/")
        ? doc.apiVersion.split("/", 2)
        : ["", doc.apiVersion];
      const m = await mapper.restMapping({ group: group ?? "", kind: doc.kind }, version ?? "");
      const client = dynamic.resource(m.resource);
      display = `${doc.kind.toLowerCase()}${m.resource.group ? `.${m.resource.group}` : ""}/${doc.metadata.name}`;
      const opts = { fieldManager: flags["field-manager"], force: flags.force };
      if (m.namespaced) {
        const namespace = doc.metadata.namespace ?? defaultNamespace;
        await client.namespace(namespace).apply({ ...doc, metadata: { ...doc.metadata, namespace } }, opts);
      } else {
        await client.apply(doc, opts);
      }
      console.log(`${display} serverside-applied`);
    } catch (err) {
      if (err instanceof StatusError) {
        console.error(`Error applying ${display} (${where}): ${err.status.message ?? err.message}`);
      } else if (isNoMatchError(err)) {
        console.error(`Error applying ${display} (${where}): ${err.message}`);
      } else {
        throw err;
      }
      failed++;
    }
  }
  if (failed > 0) process.exit(1);
}

await main().catch(panic);
