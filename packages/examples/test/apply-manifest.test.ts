import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Clientset, DynamicClient } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import yaml from "js-yaml";
import { runProgram, suffix } from "./helpers.js";

let cp: ControlPlane;
let admin: Clientset;
let ns: { name: string; cleanup(): Promise<void> };
let dir: string;

before(async () => {
  cp = await getControlPlane();
  admin = Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  ns = await createTestNamespace("examples-apply");
  dir = await mkdtemp(join(tmpdir(), "examples-apply-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await ns.cleanup();
});

function manifest(replicas: number, greeting: string): string {
  return `# a web application in three documents
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: ${greeting}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
`;
}

test("apply-manifest applies every document server-side, and applying a change updates only that", async () => {
  const file = join(dir, "web.yaml");
  await writeFile(file, manifest(2, "hello"));
  const args = ["--kubeconfig", cp.kubeconfigPath, "--namespace", ns.name, file];
  const first = await runProgram("apply-manifest", args);
  assert.equal(first.code, 0, first.stderr);
  const want = [
    "configmap/web-config serverside-applied",
    "deployment.apps/web serverside-applied",
    "service/web serverside-applied",
  ];
  assert.deepEqual(first.stdout.trimEnd().split("\n"), want);

  const deployment = await admin.appsV1().deployments(ns.name).get("web");
  assert.equal(deployment.spec?.replicas, 2);
  assert.ok(
    deployment.metadata?.managedFields?.some(
      (f) => f.manager === "apply-manifest" && f.operation === "Apply",
    ),
  );
  assert.equal((await admin.coreV1().configMaps(ns.name).get("web-config")).data?.greeting, "hello");
  assert.equal((await admin.coreV1().services(ns.name).get("web")).spec?.ports?.[0]?.port, 80);

  await writeFile(file, manifest(3, "bonjour"));
  const second = await runProgram("apply-manifest", args);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.stdout.trimEnd().split("\n"), want);
  assert.equal((await admin.appsV1().deployments(ns.name).get("web")).spec?.replicas, 3);
  assert.equal((await admin.coreV1().configMaps(ns.name).get("web-config")).data?.greeting, "bonjour");
});

test("apply-manifest reports a kind the server does not know and a conflicting field manager", async () => {
  const file = join(dir, "bad.yaml");
  await writeFile(
    file,
    `apiVersion: v1
kind: ConfigMap
metadata: {name: owned}
data: {k: one}
---
apiVersion: v1
kind: Gizmo
metadata: {name: g}
`,
  );
  const args = ["--kubeconfig", cp.kubeconfigPath, "--namespace", ns.name];
  const first = await runProgram("apply-manifest", [...args, "--field-manager", "team-a", file]);
  assert.equal(first.code, 1);
  assert.equal(first.stdout, "configmap/owned serverside-applied\n");
  assert.match(first.stderr, /^Error applying gizmo\/g \(document 2 of .*\): no matches for .*Gizmo/m);

  // An object in another namespace than --namespace names is refused, as kubectl refuses it.
  await writeFile(
    file,
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray, namespace: not-this-one}\n",
  );
  const stray = await runProgram("apply-manifest", [...args, file]);
  assert.equal(stray.code, 1);
  assert.equal(
    stray.stderr,
    `Error applying configmap/stray (document 1 of ${file}): the namespace from the provided object ` +
      `"not-this-one" does not match the namespace "${ns.name}"; pass --namespace not-this-one to apply it\n`,
  );

  // Another manager wants the same field: a conflict, unless it forces.
  await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {k: two}\n");
  const conflict = await runProgram("apply-manifest", [...args, "--field-manager", "team-b", file]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /^Error applying configmap\/owned .*conflict/im);
  const forced = await runProgram("apply-manifest", [...args, "--field-manager", "team-b", "--force", file]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await admin.coreV1().configMaps(ns.name).get("owned")).data?.k, "two");
});

test("apply-manifest: a CRD and its objects in one file, empty documents, a List, a document without kind, the context's namespace", async (t) => {
  // kubectl apply fails on the objects of a CRD applied by the same file ("ensure CRDs are installed
  // first"); apply-manifest waits until the API server serves the new kind.
  const group = `a${suffix()}.examples.test`;
  const crdName = `sprockets.${group}`;
  t.after(() =>
    admin
      .apiextensionsV1()
      .customResourceDefinitions()
      .delete(crdName)
      .catch(() => {}),
  );
  // No --namespace: namespaced objects without one go to the kubeconfig context's namespace.
  const kubeconfig = yaml.load(await readFile(cp.kubeconfigPath, "utf8")) as {
    "current-context": string;
    contexts: { name: string; context: { namespace?: string } }[];
  };
  const current = kubeconfig.contexts.find((c) => c.name === kubeconfig["current-context"]);
  assert.ok(current);
  current.context.namespace = ns.name;
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, yaml.dump(kubeconfig));

  const file = join(dir, "bundle.yaml");
  await writeFile(
    file,
    `# not a document: YAML counts documents from the first ---
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crdName}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: ${group}/v1
kind: Sprocket
metadata: {name: s1}
spec: {released: 2026-12-02}
---
apiVersion: ${group}/v2
kind: Sprocket
metadata: {name: s2}
---
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: listed}}
- {apiVersion: v1, kind: ConfigMap, metadata: {labels: {a: b}}}
---
metadata: {name: nokind}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: last}
data: {date: 2026-12-02}
`,
  );
  const r = await runProgram("apply-manifest", ["--kubeconfig", kubeconfigPath, file]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split("\n"), [
    `customresourcedefinition.apiextensions.k8s.io/${crdName} serverside-applied`,
    `sprocket.${group}/s1 serverside-applied`,
    "configmap/listed serverside-applied",
    "configmap/last serverside-applied",
  ]);
  assert.deepEqual(r.stderr.trimEnd().split("\n"), [
    // A version the new CRD does not serve fails at once, without waiting for it.
    `Error applying sprocket/s2 (document 3 of ${file}): no matches for kind "Sprocket" in group "${group}", ` +
      `version "v2"; it is served in ${group}/v1`,
    `Error in item 2 of document 5 of ${file}: metadata.name not set`,
    `Error in document 6 of ${file} (metadata.name "nokind"): apiVersion not set, kind not set`,
  ]);
  const sprocket = await new DynamicClient(admin.restClient)
    .resource({ group, version: "v1", resource: "sprockets" })
    .namespace(ns.name)
    .get("s1");
  assert.equal(
    (sprocket.spec as { released?: unknown }).released,
    "2026-12-02",
    "a date stays the string it is in the file",
  );
  assert.equal((await admin.coreV1().configMaps(ns.name).get("last")).data?.date, "2026-12-02");
  await admin.coreV1().configMaps(ns.name).get("listed");
});

test("apply-manifest reads YAML as kubectl does: a mode 0644 is 420, yes is true; bad YAML names the file and line", async () => {
  const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  paused: yes
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: busybox}]
      volumes: [{name: s, secret: {secretName: s, defaultMode: 0644}}]
`;
  const file = join(dir, "yaml11.yaml");
  await writeFile(file, deployment("modes"));
  const ours = await runProgram("apply-manifest", [
    "--kubeconfig",
    cp.kubeconfigPath,
    "--namespace",
    ns.name,
    file,
  ]);
  assert.equal(ours.code, 0, ours.stderr);
  const kfile = join(dir, "yaml11-kubectl.yaml");
  await writeFile(kfile, deployment("modes-kubectl"));
  await promisify(execFile)("kubectl", [
    ...["--kubeconfig", cp.kubeconfigPath, "-n", ns.name],
    ...["apply", "--server-side", "-f", kfile],
  ]);
  const got = await Promise.all(
    ["modes", "modes-kubectl"].map(async (n) => {
      const d = await admin.appsV1().deployments(ns.name).get(n);
      return [d.spec?.paused, d.spec?.template?.spec?.volumes?.[0]?.secret?.defaultMode];
    }),
  );
  assert.deepEqual(got, [
    [true, 420],
    [true, 420],
  ]);

  await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n");
  const bad = await runProgram("apply-manifest", ["--kubeconfig", cp.kubeconfigPath, file]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    new RegExp(`^error parsing ${file} is not valid YAML: .* at line \\d+, column \\d+`),
  );
});
