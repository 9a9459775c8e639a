import assert from "node:assert/strict";
import { test } from "node:test";
import type { RESTClient } from "@org/rest";
import { Clientset } from "./clientset.js";
import { DiscoveryClient } from "./discovery/index.js";
import { groupVersions } from "./generated/index.js";
import { RecordingRest } from "./testing/recording-rest.js";

function clientset(rest = new RecordingRest(() => ({}))): { cs: Clientset; rest: RecordingRest } {
  return { cs: new Clientset(rest as unknown as RESTClient), rest };
}

test("every generated group-version has its method, returning one group client", () => {
  const { cs } = clientset();
  for (const method of Object.keys(groupVersions)) {
    const fn = (cs as unknown as Record<string, () => unknown>)[method];
    assert.equal(typeof fn, "function", method);
    assert.equal(fn!.call(cs), fn!.call(cs), `${method}() returns the same group client`);
  }
});

test("every resource client has the verbs and subresource methods of its descriptor, on one RESTClient", () => {
  const { cs, rest } = clientset();
  let resources = 0;
  for (const [method, gv] of Object.entries(groupVersions)) {
    const group = (
      cs as unknown as Record<string, () => Record<string, (ns?: string) => Record<string, unknown>>>
    )[method]!();
    for (const [getter, d] of Object.entries(gv.resources)) {
      resources++;
      const client = group[getter]!(d.namespaced ? "ns" : undefined);
      assert.equal(client.rest, rest, `${method}().${getter}() uses the clientset's RESTClient`);
      for (const verb of d.verbs) assert.equal(typeof client[verb], "function", `${getter}.${verb}`);
      if (d.verbs.includes("list")) assert.equal(typeof client.listAll, "function");
      for (const row of d.methods) {
        assert.equal(typeof client[row.method], "function", `${getter}.${row.method}`);
      }
      for (const name of Object.keys(d.expansion ?? {})) {
        assert.equal(typeof client[name], "function", `${getter}.${name}`);
      }
    }
  }
  assert.ok(resources > 50, `${resources} resources`);
});

test("descriptors' reflection data agrees with their rows and group-versions", () => {
  const scale = { group: "autoscaling", version: "v1", kind: "Scale" };
  let scales = 0;
  for (const gv of Object.values(groupVersions)) {
    for (const [getter, d] of Object.entries(gv.resources)) {
      assert.deepEqual([d.group, d.version], [gv.group, gv.version], getter);
      if (d.verbs.includes("list")) assert.equal(d.listKind, `${d.kind}List`, `${getter} list kind`);
      for (const row of d.methods) {
        if (row.verb === "connect") continue; // streams: their subresources are not reflection data
        // Each row's verb is one the server serves on its subresource (apply is a patch).
        const sub = d.subresources.find((s) => s.name === row.subresource);
        assert.ok(sub, `${getter}.${row.method}: ${row.subresource} is listed`);
        assert.ok(sub.verbs.includes(row.verb === "apply" ? "patch" : row.verb), `${getter}.${row.method}`);
      }
      const scaleSub = d.subresources.find((s) => s.name === "scale");
      if (scaleSub !== undefined && d.group !== "") {
        scales++;
        assert.deepEqual(scaleSub.kind, scale, `${getter}/scale takes an autoscaling/v1 Scale`);
      }
    }
  }
  assert.ok(scales >= 3, `${scales} scale subresources outside core`);
  const pods = groupVersions.coreV1.resources.pods;
  assert.deepEqual(
    pods?.methods.map((m) => m.method),
    [
      "attach",
      "bind",
      "updateEphemeralContainers",
      "evict",
      "exec",
      "portForward",
      "proxyGet",
      "updateResize",
    ],
  );
  assert.deepEqual([pods?.kind, pods?.listKind], ["Pod", "PodList"]);
});

test("typed clients build the right requests", async () => {
  const { cs, rest } = clientset();
  await cs.coreV1().pods("web").get("p1");
  assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p1");
  await cs.coreV1().nodes().list({ labelSelector: "role=worker" });
  assert.equal(rest.url(), "/api/v1/nodes?labelSelector=role%3Dworker");
  await cs.rbacV1().clusterRoles().delete("r1");
  assert.equal(rest.url(), "/apis/rbac.authorization.k8s.io/v1/clusterroles/r1");
  await cs.appsV1().statefulSets("db").getScale("pg");
  assert.equal(rest.url(), "/apis/apps/v1/namespaces/db/statefulsets/pg/scale");
  await cs
    .coreV1()
    .replicationControllers("db")
    .updateScale("rc", { spec: { replicas: 2 } });
  assert.equal(rest.url(), "/api/v1/namespaces/db/replicationcontrollers/rc/scale");
  await cs
    .certificatesV1()
    .certificateSigningRequests()
    .updateApproval("csr", { metadata: { name: "csr" }, spec: { request: "", signerName: "x" } });
  assert.equal(rest.url(), "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr/approval");
  await cs.coreV1().pods("web").getLogs("p1", { tailLines: 5 });
  assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p1/log?tailLines=5");
  await cs
    .batchV1()
    .jobs("ci")
    .apply({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "build" } }, { fieldManager: "ci" });
  assert.equal(rest.url(), "/apis/batch/v1/namespaces/ci/jobs/build?fieldManager=ci");
});

test("discovery() shares the RESTClient and its cache", () => {
  const { cs, rest } = clientset();
  const d = cs.discovery();
  assert.ok(d instanceof DiscoveryClient);
  assert.equal(d.rest, rest);
  assert.equal(cs.discovery(), d);
});
