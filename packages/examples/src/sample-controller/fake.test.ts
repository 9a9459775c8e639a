// The sample controller on @org/clientset/fake: its informers, the Controller runner, owner references
// and the garbage collector, status writes and events all run on the in-process fake, with Foo's
// generated client and schema table (`schemas`). The fake has no deployment controller, so the test
// writes the Deployment's status as one would.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Deployment } from "@org/api-types/apps/v1";
import { newClientset } from "@org/clientset";
import { newFakeClientsetWithOptions } from "@org/clientset/fake";
import { discardLogger, newBroadcaster } from "@org/controller";
import { type GeneratedClientset, groupVersions } from "../generated/clientset/index.js";
import { schemaTable } from "../generated/clientset/schema.js";
import { SampleController } from "./controller.js";
import { fooCustomResourceDefinition } from "./types.js";

async function eventually<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("sample-controller reconciles a Foo on the fake: Deployment, status, event, garbage collection", async (t) => {
  const cs = newFakeClientsetWithOptions(
    { schemas: [schemaTable] },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } },
    fooCustomResourceDefinition,
  );
  const sampleclientset = newClientset<GeneratedClientset>(cs.restClient, groupVersions);
  const broadcaster = newBroadcaster({ sink: cs.eventsV1(), logger: discardLogger });
  const ac = new AbortController();
  t.after(() => ac.abort());
  broadcaster.startRecordingToSink(ac.signal);
  const sample = new SampleController({
    clientset: cs,
    sampleclientset,
    recorder: broadcaster.newRecorder("sample-controller", "replica-1"),
    fieldManager: "replica-1",
    namespace: "demo",
    logger: discardLogger,
  });
  const running = sample.run(ac.signal);
  const foos = sampleclientset.samplecontrollerV1alpha1().foos("demo");
  const foo = await foos.create({
    apiVersion: "samplecontroller.k8s.io/v1alpha1",
    kind: "Foo",
    metadata: { name: "example-foo" },
    spec: { deploymentName: "example-foo", replicas: 2 },
  });
  const deployments = cs.appsV1().deployments("demo");
  const d = await eventually("the Deployment", () => deployments.get("example-foo"));
  assert.equal(d.spec?.replicas, 2);
  assert.equal(d.metadata?.ownerReferences?.[0]?.uid, foo.metadata?.uid);
  assert.equal(d.metadata?.managedFields?.[0]?.manager, "replica-1");

  // As the deployment controller would: 2 available replicas; the Foo's status follows.
  await deployments.updateStatus({ ...(d as Deployment), status: { replicas: 2, availableReplicas: 2 } });
  await eventually("the Foo's status", async () => {
    const f = await foos.get("example-foo");
    return f.status?.availableReplicas === 2 ? f : undefined;
  });
  await eventually("the Synced event", async () => {
    const evs = await cs.eventsV1().events("demo").list();
    return evs.items.find((e) => e.reason === "Synced" && e.regarding?.name === "example-foo");
  });

  // Deleting the Foo: the garbage collector deletes the Deployment it owns.
  await foos.delete("example-foo");
  await eventually("the Deployment to be collected", async () =>
    (await deployments.list()).items.length === 0 ? true : undefined,
  );
  ac.abort();
  await running;
});
