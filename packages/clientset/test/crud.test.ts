// CRUD against the real API server: namespaces, pods, configmaps, secrets, services, serviceaccounts
// (createToken, and the token authenticates), deployments (scale subresource).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Pod } from "@org/api-types/core/v1";
import { isNotFound, PatchType, RESTClient } from "@org/rest";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { retryOnConflict } from "../src/retry.js";
import { env, type Obj, tokenConfig } from "./support.js";

test("namespaces: create, get, list by label, update, patch, delete", async () => {
  const { rest } = await env();
  const namespaces = new Clientset(rest).coreV1().namespaces();
  const name = uniqueNamespaceName("cs-ns-crud");
  const created = await namespaces.create({ metadata: { name, labels: { suite: "cs-ns-crud" } } });
  try {
    assert.equal(created.metadata?.name, name);
    assert.ok(created.metadata?.uid);
    const got = await namespaces.get(name);
    assert.equal(got.metadata?.uid, created.metadata?.uid);
    const listed = await namespaces.list({
      labelSelector: `suite=cs-ns-crud`,
      fieldSelector: `metadata.name=${name}`,
    });
    assert.deepEqual(
      listed.items.map((n) => n.metadata?.name),
      [name],
    );
    got.metadata!.labels = { ...got.metadata!.labels, updated: "yes" };
    const updated = await namespaces.update(got);
    assert.equal(updated.metadata?.labels?.updated, "yes");
    const patched = await namespaces.patch(name, PatchType.Merge, {
      metadata: { annotations: { note: "merge" } },
    });
    assert.equal(patched.metadata?.annotations?.note, "merge");
  } finally {
    await namespaces.delete(name);
  }
  const gone = await namespaces.get(name).then(
    (n) => n.metadata?.deletionTimestamp !== undefined,
    (e) => isNotFound(e),
  );
  assert.ok(gone, "the namespace is deleted or terminating");
});

test("pods: create, get, list, update, patch (strategic merge, JSON), updateStatus, delete", async (t) => {
  const ns = await createTestNamespace("cs-pods");
  t.after(ns.cleanup);
  const { rest } = await env();
  const pods = new Clientset(rest).coreV1().pods(ns.name);
  const pod: Pod = {
    metadata: { name: "web", labels: { app: "web" } },
    spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
  };
  const created = await pods.create(pod);
  assert.equal(created.metadata?.namespace, ns.name);
  assert.equal(created.status?.phase, "Pending");
  const got = await pods.get("web");
  assert.equal(got.spec?.containers[0]?.image, "registry.k8s.io/pause:3.10");
  const list = await pods.list({ labelSelector: "app=web" });
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ["web"],
  );
  got.metadata!.labels!.tier = "front";
  const updated = await pods.update(got);
  assert.equal(updated.metadata?.labels?.tier, "front");
  const smp = await pods.patch("web", PatchType.StrategicMerge, {
    spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.9" }] },
  });
  assert.equal(smp.spec?.containers[0]?.image, "registry.k8s.io/pause:3.9", "merged by container name");
  const jp = await pods.patch("web", PatchType.JSON, [
    { op: "add", path: "/metadata/annotations", value: { a: "1" } },
  ]);
  assert.equal(jp.metadata?.annotations?.a, "1");
  jp.status = { ...jp.status, phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
  const st = await pods.updateStatus(jp);
  assert.equal(st.status?.phase, "Running");
  const stp = await pods.patch(
    "web",
    PatchType.Merge,
    { status: { message: "patched" } },
    { subresource: "status" },
  );
  assert.equal(stp.status?.message, "patched");
  await pods.delete("web", { gracePeriodSeconds: 0 });
  await assert.rejects(pods.get("web"), isNotFound);
});

test("configmaps and secrets: CRUD and deleteCollection", async (t) => {
  const ns = await createTestNamespace("cs-cm");
  t.after(ns.cleanup);
  const { rest } = await env();
  const core = new Clientset(rest).coreV1();
  const cms = core.configMaps(ns.name);
  const cm = await cms.create({
    metadata: { name: "settings", labels: { set: "a" } },
    data: { mode: "off" },
  });
  assert.deepEqual(cm.data, { mode: "off" });
  cm.data!.mode = "on";
  assert.deepEqual((await cms.update(cm)).data, { mode: "on" });
  await cms.create({ metadata: { name: "other", labels: { set: "a" } }, data: {} });

  const secrets = core.secrets(ns.name);
  const s = await secrets.create({
    metadata: { name: "creds" },
    type: "Opaque",
    stringData: { password: "hunter2" },
  });
  assert.equal(
    s.data?.password,
    Buffer.from("hunter2").toString("base64"),
    "stringData is stored base64 in data",
  );
  const got = await secrets.get("creds");
  assert.equal(Buffer.from(got.data?.password ?? "", "base64").toString(), "hunter2");
  await secrets.delete("creds");
  await assert.rejects(secrets.get("creds"), isNotFound);

  await cms.deleteCollection({}, { labelSelector: "set=a" });
  const left = await cms.list({ labelSelector: "set=a" });
  assert.equal(left.items.length, 0);
});

test("services: create allocates a cluster IP; update, delete", async (t) => {
  const ns = await createTestNamespace("cs-svc");
  t.after(ns.cleanup);
  const { rest } = await env();
  const services = new Clientset(rest).coreV1().services(ns.name);
  const svc = await services.create({
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  assert.match(svc.spec?.clusterIP ?? "", /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(svc.spec?.ports?.[0]?.protocol, "TCP", "defaulted by the server");
  svc.spec!.ports![0]!.port = 81;
  const updated = await services.update(svc);
  assert.equal(updated.spec?.ports?.[0]?.port, 81);
  assert.equal(updated.spec?.clusterIP, svc.spec?.clusterIP);
  await services.delete("web");
  await assert.rejects(services.get("web"), isNotFound);
});

test("serviceaccounts: CRUD, createToken, and the token authenticates as the ServiceAccount", async (t) => {
  const ns = await createTestNamespace("cs-sa");
  t.after(ns.cleanup);
  const { cp, rest } = await env();
  const sas = new Clientset(rest).coreV1().serviceAccounts(ns.name);
  const sa = await sas.create({ metadata: { name: "robot" } });
  assert.equal(sa.metadata?.name, "robot");
  const tr = await sas.createToken("robot", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: [], expirationSeconds: 600 }, // audiences is required in the 1.32 types
  });
  assert.equal(tr.kind, "TokenRequest");
  assert.equal(typeof tr.status?.token, "string");
  assert.ok(tr.status?.expirationTimestamp);

  const asRobot = RESTClient.forConfig(tokenConfig(cp, tr.status?.token ?? ""));
  const review = await asRobot.request<Obj>({
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  assert.equal(review.status?.userInfo.username, `system:serviceaccount:${ns.name}:robot`);

  await sas.delete("robot");
  await assert.rejects(sas.get("robot"), isNotFound);
});

test("deployments: CRUD and the scale subresource (getScale, updateScale, applyScale, patch scale)", async (t) => {
  const ns = await createTestNamespace("cs-deploy");
  t.after(ns.cleanup);
  const { rest } = await env();
  const deployments = new Clientset(rest).appsV1().deployments(ns.name);
  const d = await deployments.create({
    metadata: { name: "web" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
      },
    },
  });
  assert.equal(d.spec?.replicas, 1);

  // The deployment controller writes the status meanwhile: read-modify-write under retryOnConflict.
  const first = await deployments.getScale("web");
  assert.equal(first.kind, "Scale");
  assert.equal(first.apiVersion, "autoscaling/v1");
  assert.equal(first.spec?.replicas, 1);
  const updated = await retryOnConflict(async () => {
    const scale = await deployments.getScale("web");
    scale.spec!.replicas = 3;
    return deployments.updateScale("web", scale);
  });
  assert.equal(updated.spec?.replicas, 3);
  assert.equal((await deployments.get("web")).spec?.replicas, 3, "the deployment follows its scale");

  const applied = await deployments.applyScale(
    "web",
    { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 2 } },
    { fieldManager: "scaler", force: true },
  );
  assert.equal(applied.spec?.replicas, 2);
  const patched = await deployments.patch(
    "web",
    PatchType.Merge,
    { spec: { replicas: 4 } },
    { subresource: "scale" },
  );
  assert.equal(patched.kind, "Scale");
  assert.equal((await deployments.get("web")).spec?.replicas, 4);

  const up = await retryOnConflict(async () => {
    const cur = await deployments.get("web");
    cur.spec!.template!.spec!.containers![0]!.image = "registry.k8s.io/pause:3.9";
    return deployments.update(cur);
  });
  assert.equal(up.spec?.template.spec?.containers[0]?.image, "registry.k8s.io/pause:3.9");
  await deployments.delete("web", { propagationPolicy: "Background" });
  await assert.rejects(deployments.get("web"), isNotFound);
});

test("pod subresources: bind, updateEphemeralContainers, updateResize, evict", async (t) => {
  const ns = await createTestNamespace("cs-podsub");
  t.after(ns.cleanup);
  const { rest } = await env();
  const pods = new Clientset(rest).coreV1().pods(ns.name);
  const spec = { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] };
  await pods.create({ metadata: { name: "p" }, spec });

  // bind (pods/binding) is what a scheduler does: the pod gets its node.
  await pods.bind({
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name: "p" },
    target: { kind: "Node", name: "node-a" },
  });
  const bound = await pods.get("p");
  assert.equal(bound.spec?.nodeName, "node-a");

  // ephemeral containers can only be added through their subresource.
  bound.spec!.ephemeralContainers = [{ name: "debug", image: "busybox:1.36", command: ["sh"] }];
  const withDebug = await pods.updateEphemeralContainers("p", bound);
  assert.deepEqual(
    withDebug.spec?.ephemeralContainers?.map((c) => c.name),
    ["debug"],
  );

  // resize changes container resources in place (the kubelet would then apply them).
  await pods.create({
    metadata: { name: "r" },
    spec: {
      containers: [
        {
          name: "app",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: "100m" }, limits: { cpu: "200m" } },
        },
      ],
    },
  });
  const r = await pods.get("r");
  r.spec!.containers[0]!.resources = { requests: { cpu: "150m" }, limits: { cpu: "200m" } };
  const resized = await pods.updateResize("r", r);
  assert.equal(resized.spec?.containers[0]?.resources?.requests?.cpu, "150m");

  // An eviction (policy/v1) deletes the pod, respecting disruption budgets (there are none here).
  await pods.create({ metadata: { name: "q" }, spec });
  await pods.evict({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "q", namespace: ns.name },
  });
  await assert.rejects(pods.get("q"), isNotFound, "an unscheduled pod goes at once");
});

test("certificatesigningrequests.updateApproval and namespaces.finalize", async (t) => {
  const { rest } = await env();
  const cs = new Clientset(rest);

  // A CSR (PEM from openssl) for a custom signer, approved through the approval subresource.
  const dir = mkdtempSync(join(tmpdir(), "cs-csr-"));
  let csrPem: string;
  try {
    execFileSync(
      "openssl",
      ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
        "-subj",
        "/CN=approval-test",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "csr.pem"),
      ]),
      { stdio: "ignore" },
    );
    csrPem = readFileSync(join(dir, "csr.pem"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const csrs = cs.certificatesV1().certificateSigningRequests();
  const name = uniqueNamespaceName("cs-csr");
  const csr = await csrs.create({
    metadata: { name },
    spec: {
      request: Buffer.from(csrPem).toString("base64"),
      signerName: "example.com/test-signer",
      usages: ["client auth"],
    },
  });
  t.after(() => csrs.delete(name));
  csr.status = {
    conditions: [
      { type: "Approved", status: "True", reason: "TestApproval", message: "approved by the clientset test" },
    ],
  };
  const approved = await csrs.updateApproval(name, csr);
  assert.deepEqual(
    approved.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
    [["Approved", "True", "TestApproval"]],
  );

  // finalize replaces a namespace's spec.finalizers (what the namespace controller does last).
  const namespaces = cs.coreV1().namespaces();
  const nsName = uniqueNamespaceName("cs-finalize");
  const ns = await namespaces.create({ metadata: { name: nsName } });
  t.after(() => namespaces.delete(nsName).catch(() => {}));
  assert.deepEqual(ns.spec?.finalizers, ["kubernetes"]);
  const finalized = await namespaces.finalize({ ...ns, spec: { finalizers: [] } });
  assert.equal(finalized.spec?.finalizers, undefined);
  assert.equal((await namespaces.get(nsName)).spec?.finalizers, undefined);
});
