// Create, read and delete a namespace, as the client-go tutorial's third program does.
// With --pause the program waits for Enter between the steps, so each one can be checked with
// `kubectl get namespace client-go-test` in another terminal.
//
//   node dist/namespace-crud.js [--kubeconfig ~/.kube/config] [--name client-go-test] [--pause]
import { createInterface } from "node:readline/promises";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags, StatusError } from "@org/rest";
import { defaultKubeconfig, panic, parseFlags } from "./lib/cli.js";
import { fields } from "./lib/format.js";

const { values: flags } = parseFlags("namespace-crud", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  name: { type: "string", default: "client-go-test" },
  pause: { type: "boolean", default: false },
});

const config = await buildConfigFromFlags("", flags.kubeconfig).catch(panic);
const clientset = Clientset.forConfig(config);
const namespaces = clientset.coreV1().namespaces();
const name = flags.name;

const prompt = flags.pause ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
async function pause(next: string): Promise<void> {
  if (prompt) await prompt.question(`Press Enter to ${next}...`);
}

function fail(step: string, err: unknown): never {
  if (err instanceof StatusError) {
    console.error(`Error ${step} namespace ${name}: ${err.status.message ?? err.message}`);
    process.exit(1);
  }
  panic(err);
}

try {
  await pause(`create namespace ${name}`);
  console.log(`Creating namespace ${name}...`);
  const created = await namespaces.create({ metadata: { name } }).catch((e) => fail("creating", e));
  console.log(`Created namespace ${created.metadata?.name}`);

  await pause(`get namespace ${name}`);
  const ns = await namespaces.get(name).catch((e) => fail("getting", e));
  console.log(
    fields([
      ["Name", ns.metadata?.name ?? ""],
      ["Status", ns.status?.phase ?? ""],
      ["Uid", ns.metadata?.uid ?? ""],
    ]),
  );

  await pause(`delete namespace ${name}`);
  console.log(`Deleting namespace ${name}...`);
  // Foreground: the namespace is removed once everything in it has been deleted.
  await namespaces.delete(name, { propagationPolicy: "Foreground" }).catch((e) => fail("deleting", e));
  console.log(`Deleted namespace ${name}`);
} finally {
  prompt?.close();
}
