// Server-side apply of a YAML file with several documents, like `kubectl apply --server-side -f FILE`:
// each document's kind is mapped to its resource through discovery, then the object is applied
// through the dynamic client with a field manager. Running it again changes nothing.
//
//   node dist/apply-manifest.js [--kubeconfig ~/.kube/config] [--namespace NS] [--field-manager apply-manifest]
//                               [--force] FILE
import { readFile } from "node:fs/promises";
import { Clientset, DynamicClient } from "@org/clientset";
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

class UnknownKindError extends Error {}

interface Mapping {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
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
  const discovery = Clientset.forConfig(config).discovery();
  const dynamic = DynamicClient.forConfig(config);
  const defaultNamespace = flags.namespace ?? config.namespace ?? "default";

  // kind → resource, from the server's discovery documents (one request per group-version).
  const cache = new Map<
    string,
    Promise<{ resources: { name: string; kind: string; namespaced: boolean }[] }>
  >();
  async function mapping(apiVersion: string, kind: string): Promise<Mapping> {
    let list = cache.get(apiVersion);
    if (!list) {
      list = discovery.serverResourcesForGroupVersion(apiVersion);
      cache.set(apiVersion, list);
    }
    const found = (await list).resources.find((r) => r.kind === kind && !r.name.includes("/"));
    if (!found) {
      throw new UnknownKindError(`the server has no kind ${kind} in ${apiVersion}; is its CRD installed?`);
    }
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    return { group: group ?? "", version: version ?? "", resource: found.name, namespaced: found.namespaced };
  }

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
      const m = await mapping(doc.apiVersion, doc.kind);
      const client = dynamic.resource({ group: m.group, version: m.version, resource: m.resource });
      display = `${doc.kind.toLowerCase()}${m.group ? `.${m.group}` : ""}/${doc.metadata.name}`;
      const opts = { fieldManager: flags["field-manager"], force: flags.force };
      if (m.namespaced) {
        const namespace = doc.metadata.namespace ?? defaultNamespace;
        await client
          .namespace(namespace)
          .apply(doc.metadata.name, { ...doc, metadata: { ...doc.metadata, namespace } }, opts);
      } else {
        await client.apply(doc.metadata.name, doc, opts);
      }
      console.log(`${display} serverside-applied`);
    } catch (err) {
      if (err instanceof StatusError) {
        console.error(`Error applying ${display} (${where}): ${err.status.message ?? err.message}`);
      } else if (err instanceof UnknownKindError) {
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
