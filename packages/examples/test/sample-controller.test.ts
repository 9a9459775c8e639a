// sample-controller as two replicas (two OS processes) against the real API server and
// kube-controller-manager (Deployments get ReplicaSets and pods; pods are made Running by the test,
// as a kubelet would). Leader election uses shorter timings than the 15 s / 10 s / 2 s defaults.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Deployment } from "@org/api-types/apps/v1";
import type { Event } from "@org/api-types/events/v1";
import { Clientset, DynamicClient, type Unstructured } from "@org/clientset";
import { buildConfigFromFlags, isNotFound } from "@org/rest";
import { makePodRunning, registerNode } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import { type Foo, fooResource, installFooCRD } from "../src/sample-controller/types.js";
import { Program, suffix } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined (rejects after `timeoutMs`). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(200);
  }
}

test("sample-controller: two replicas, create/update/delete Foos, self-healing, leader killed mid-run", async (t) => {
  const cp = await getControlPlane();
  const ns = await createTestNamespace("sample-ctl");
  t.after(ns.cleanup);
  const config = await buildConfigFromFlags("", cp.kubeconfigPath);
  const cs = Clientset.forConfig(config);
  const dynamic = DynamicClient.forConfig(config);
  await installFooCRD(dynamic);
  const node = `sample-node-${suffix()}`;
  await registerNode(cp, node);
  t.after(() =>
    cs
      .coreV1()
      .nodes()
      .delete(node)
      .catch(() => {}),
  );
  const foos = dynamic.resource(fooResource).namespace(ns.name);
  const deployments = cs.appsV1().deployments(ns.name);

  /** Makes every pod of the namespace that is still Pending Running and Ready, as a kubelet would. */
  const runPods = async () => {
    for (const p of (await cs.coreV1().pods(ns.name).list()).items) {
      if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp)
        await makePodRunning(cp, ns.name, p.metadata?.name ?? "", node);
    }
  };
  const available = (name: string, want: number) =>
    eventually(`Foo ${name} status.availableReplicas = ${want}`, async () => {
      await runPods();
      const f = (await foos.get(name)) as Foo;
      return f.status?.availableReplicas === want ? f : undefined;
    });

  const args = (id: string) => [
    "--kubeconfig",
    cp.kubeconfigPath,
    "--namespace",
    ns.name,
    "--identity",
    id,
    "--lease-duration",
    "4s",
    "--renew-deadline",
    "3s",
    "--retry-period",
    "500ms",
  ];
  const a = new Program("sample-controller/main", args("replica-a"));
  t.after(() => a.stop());
  await a.waitFor(/successfully acquired lease/);
  const b = new Program("sample-controller/main", args("replica-b"));
  t.after(() => b.stop());
  await b.waitFor(/new leader elected .*leader="replica-a"/);

  // Create: a Deployment owned by the Foo, then the Foo's status follows the Deployment.
  await foos.create({
    apiVersion: "samplecontroller.k8s.io/v1alpha1",
    kind: "Foo",
    metadata: { name: "alpha" },
    spec: { deploymentName: "alpha-nginx", replicas: 1 },
  });
  const d1 = await eventually("Deployment alpha-nginx", () =>
    deployments.get("alpha-nginx").catch(() => undefined),
  );
  const alpha = (await foos.get("alpha")) as Foo;
  assert.deepEqual(
    d1.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
    [["Foo", "alpha", alpha.metadata?.uid, true]],
  );
  assert.equal(d1.spec?.replicas, 1);
  await available("alpha", 1);

  // Update: replicas 1 → 2.
  const cur = (await foos.get("alpha")) as Foo;
  await foos.update({ ...cur, spec: { ...cur.spec, replicas: 2 } } as Unstructured);
  await eventually("Deployment alpha-nginx at 2 replicas", async () =>
    (await deployments.get("alpha-nginx")).spec?.replicas === 2 ? true : undefined,
  );
  await available("alpha", 2);

  // A Deployment of that name owned by nobody: the Foo gets an ErrResourceExists event.
  await deployments.create({
    metadata: { name: "taken" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "other" } },
      template: {
        metadata: { labels: { app: "other" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  });
  await foos.create({
    apiVersion: "samplecontroller.k8s.io/v1alpha1",
    kind: "Foo",
    metadata: { name: "clash" },
    spec: { deploymentName: "taken", replicas: 1 },
  });
  await eventually("an ErrResourceExists event on Foo clash", async () =>
    (await cs.eventsV1().events(ns.name).list()).items.find(
      (e) => e.reason === "ErrResourceExists" && e.regarding?.name === "clash",
    ),
  );
  assert.equal((await deployments.get("taken")).metadata?.ownerReferences, undefined, "not taken over");

  // Kill the leader in the middle of the run; changes made meanwhile are handled by the new leader.
  const killedAt = Date.now();
  a.child.kill("SIGKILL");
  await deployments.delete("alpha-nginx"); // behind the controller's back
  const cur2 = (await foos.get("alpha")) as Foo;
  await foos.update({ ...cur2, spec: { ...cur2.spec, replicas: 3 } } as Unstructured);
  const bLeads = await b.waitFor(/I(\S+) successfully acquired lease/);
  const bLeadsAt = Date.parse(bLeads[1] ?? "");
  t.diagnostic(`replica-b leads ${bLeadsAt - killedAt} ms after the SIGKILL of replica-a`);
  const d2 = await eventually("Deployment alpha-nginx recreated at 3 replicas", async () => {
    const d = await deployments.get("alpha-nginx").catch(() => undefined);
    return d && d.metadata?.uid !== d1.metadata?.uid && d.spec?.replicas === 3 ? d : undefined;
  });
  assert.equal(d2.metadata?.ownerReferences?.[0]?.uid, alpha.metadata?.uid);
  await available("alpha", 3);

  // Snapshot who wrote what (managedFields) before the Foo and its Deployment are deleted.
  const writes: { manager: string; time: string; what: string }[] = [];
  const collect = (
    what: string,
    o: { metadata?: { managedFields?: { manager?: string; time?: string }[] } },
  ) => {
    for (const f of o.metadata?.managedFields ?? [])
      writes.push({ manager: f.manager ?? "", time: f.time ?? "", what });
  };
  for (const d of (await deployments.list()).items)
    collect(`Deployment ${d.metadata?.name}`, d as Deployment);
  for (const f of ((await foos.list()) as { items: Foo[] }).items)
    collect(`Foo ${f.metadata?.name}`, f as never);
  // Delete: the garbage collector removes the Deployment the Foo owned.
  await foos.delete("alpha");
  await eventually(
    "Deployment alpha-nginx garbage-collected",
    async () =>
      await deployments.get("alpha-nginx").then(
        () => undefined,
        (e) => (isNotFound(e) ? true : undefined),
      ),
  );

  // Nothing from a non-leader: replica-b logged only election lines before it led, and every write
  // the server holds from replica-b (field manager, event reporter) is from after it led.
  const beforeLead = b.stdout.slice(0, bLeads.index);
  const otherLines = beforeLead
    .split("\n")
    .filter(
      (l) =>
        l && !/attempting to acquire leader lease|new leader elected|waiting for informer caches/.test(l),
    );
  assert.deepEqual(otherLines, [], "replica-b logged nothing but election lines before it led");
  const fromB = writes.filter((w) => w.manager === "replica-b");
  assert.ok(fromB.length > 0, "replica-b wrote after it led");
  // managedFields times have one-second resolution.
  const leadSecond = Math.floor(bLeadsAt / 1000) * 1000;
  assert.deepEqual(
    fromB.filter((w) => Date.parse(w.time) < leadSecond),
    [],
    "writes by replica-b dated before it led",
  );
  const events: Event[] = (await cs.eventsV1().events(ns.name).list()).items;
  const eventsByB = events.filter((e) => e.reportingInstance === "replica-b");
  assert.ok(events.some((e) => e.reason === "Synced" && e.reportingInstance === "replica-a"));
  assert.ok(eventsByB.some((e) => e.reason === "Synced"));
  assert.deepEqual(
    eventsByB.filter((e) => Date.parse(e.eventTime) < bLeadsAt - 1),
    [],
    "events reported by replica-b before it led",
  );
  t.diagnostic(`${writes.length} managedFields entries and ${events.length} events checked`);
});
