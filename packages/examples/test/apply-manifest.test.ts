import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { runProgram } from "./helpers.js";

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

  // Another manager wants the same field: a conflict, unless it forces.
  await writeFile(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {k: two}\n");
  const conflict = await runProgram("apply-manifest", [...args, "--field-manager", "team-b", file]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /^Error applying configmap\/owned .*conflict/im);
  const forced = await runProgram("apply-manifest", [...args, "--field-manager", "team-b", "--force", file]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await admin.coreV1().configMaps(ns.name).get("owned")).data?.k, "two");
});
