// Server-side apply of a YAML file with several documents, like `kubectl apply --server-side -f FILE`:
// each document's kind is mapped to its resource through discovery, then the object is applied
// through the dynamic client with a field manager. Running it again changes nothing.
//
//   node dist/apply-manifest.js [--kubeconfig ~/.kube/config] [--namespace NS] [--field-manager apply-manifest]
//                               [--force] FILE
import { readFile } from "node:fs/promises";
import {
  Clientset,
  DeferredRESTMapper,
  DynamicClient,
  type GroupKind,
  isNoMatchError,
  parseGroupVersion,
  type RESTMapping,
} from "@org/clientset";
import { buildConfigFromFlags, parseYAMLDocuments, StatusError, YAMLError } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags, sleep } from "./lib/cli.js";

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

/** An object to apply and where it is in the file ("document 2 of web.yaml", "item 1 of document 3 of ..."). */
interface Entry {
  where: string;
  obj: unknown;
}

/** The file's documents in order; empty ones are skipped and a List's items are applied one by one, as kubectl does. */
function entriesOf(text: string, file: string): Entry[] {
  const out: Entry[] = [];
  // As kubectl reads YAML: YAML 1.1 scalars (a mode 0644 is 420, `on` is true), dates stay strings.
  for (const [i, doc] of parseYAMLDocuments(text, file).entries()) {
    if (doc === null || doc === undefined) continue;
    const where = `document ${i + 1} of ${file}`;
    const list = doc as Manifest;
    if (typeof list.kind === "string" && list.kind.endsWith("List") && Array.isArray(list.items)) {
      for (const [j, item] of list.items.entries())
        out.push({ where: `item ${j + 1} of ${where}`, obj: item });
    } else {
      out.push({ where, obj: doc });
    }
  }
  return out;
}

/** What is missing for an object to be applied, as kubectl's validation says it ("kind not set"). */
function problemsOf(obj: unknown): string[] {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return ["not an object"];
  const m = obj as Manifest;
  const problems: string[] = [];
  if (typeof m.apiVersion !== "string" || m.apiVersion === "") problems.push("apiVersion not set");
  if (typeof m.kind !== "string" || m.kind === "") problems.push("kind not set");
  if (typeof m.metadata?.name !== "string" || m.metadata.name === "") problems.push("metadata.name not set");
  return problems;
}

async function main(): Promise<void> {
  const file = positionals[0];
  if (positionals.length !== 1 || !file) {
    console.error("apply-manifest: give exactly one YAML file, e.g. apply-manifest manifest.yaml");
    process.exit(2);
  }
  let entries: Entry[];
  try {
    entries = entriesOf(await readFile(file, "utf8"), file);
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    console.error(`error parsing ${err.message}`);
    process.exit(1);
  }

  const config = await buildConfigFromFlags("", flags.kubeconfig);
  const clientset = Clientset.forConfig(config);
  // kind → resource from discovery (client-go's DeferredDiscoveryRESTMapper): loaded on first use,
  // reloaded once when a kind is missing, e.g. a CRD applied by an earlier document of this file.
  const mapper = new DeferredRESTMapper(clientset.discovery());
  const dynamic = new DynamicClient(clientset.restClient);
  const defaultNamespace = flags.namespace ?? config.namespace ?? "default";
  // "group/version/Kind" of every served version of the CRDs this run applied. The API server serves
  // a new CRD's kind a moment after the apply (discovery is updated asynchronously, even after
  // Established), so their objects wait for it (kubectl apply fails on them: "ensure CRDs are
  // installed first"); an object in a version the CRD does not serve fails at once.
  const appliedKinds = new Set<string>();

  async function mappingFor(gk: Required<GroupKind>, version: string): Promise<RESTMapping> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await mapper.restMapping(gk, version);
      } catch (err) {
        const applied = appliedKinds.has(`${gk.group}/${version}/${gk.kind}`);
        if (!isNoMatchError(err) || !applied || Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  let failed = 0;
  for (const { where, obj } of entries) {
    const problems = problemsOf(obj);
    if (problems.length > 0) {
      const name = (obj as Manifest | null)?.metadata?.name;
      const named = typeof name === "string" && name !== "" ? ` (metadata.name "${name}")` : "";
      console.error(`Error in ${where}${named}: ${problems.join(", ")}`);
      failed++;
      continue;
    }
    const doc = obj as Manifest & { apiVersion: string; kind: string; metadata: { name: string } };
    let display = `${doc.kind.toLowerCase()}/${doc.metadata.name}`;
    try {
      const { group, version } = parseGroupVersion(doc.apiVersion);
      const m = await mappingFor({ group, kind: doc.kind }, version);
      const client = dynamic.resource(m.resource);
      display = `${doc.kind.toLowerCase()}${m.resource.group ? `.${m.resource.group}` : ""}/${doc.metadata.name}`;
      const opts = { fieldManager: flags["field-manager"], force: flags.force };
      if (m.namespaced) {
        const own = doc.metadata.namespace || undefined;
        if (own !== undefined && flags.namespace !== undefined && own !== flags.namespace) {
          console.error(
            `Error applying ${display} (${where}): the namespace from the provided object "${own}" does not ` +
              `match the namespace "${flags.namespace}"; pass --namespace ${own} to apply it`,
          );
          failed++;
          continue;
        }
        const namespace = own ?? defaultNamespace;
        await client.namespace(namespace).apply({ ...doc, metadata: { ...doc.metadata, namespace } }, opts);
      } else {
        await client.apply(doc, opts);
      }
      console.log(`${display} serverside-applied`);
      if (
        m.resource.group === "apiextensions.k8s.io" &&
        m.resource.resource === "customresourcedefinitions"
      ) {
        const spec = doc.spec as
          | { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] }
          | undefined;
        for (const v of spec?.versions ?? [])
          if (v.served) appliedKinds.add(`${spec?.group}/${v.name}/${spec?.names?.kind}`);
      }
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
