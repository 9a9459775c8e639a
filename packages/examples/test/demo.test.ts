// `npm run demo` end to end: its own control plane, the tutorial's world, the three programs, kubectl.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runProgram } from "./helpers.js";

test("the demo runs the three programs on a fresh control plane and they agree with kubectl", async () => {
  const r = await runProgram("demo", []);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  for (const app of ["get-java", "kubeless-controller-manager", "ui"]) {
    assert.match(out, new RegExp(`^pod kubeless/${app}-[a-z0-9]{10}-[a-z0-9]{5} Running on minikube$`, "m"));
  }
  assert.match(out, /^Found pod get-java-\S+ in namespace kubeless$/m);
  assert.match(out, /^Pod example-xxxxx in namespace kubeless not found$/m);
  // Both the admin (out-of-cluster, twice) and the view token (in-cluster) see the same 3 pods.
  assert.equal(out.match(/^There are 3 pods in namespace kubeless$/gm)?.length, 3);
  assert.match(out, /^kubeless +Active +\S+$/m);
  assert.match(out, /^Deleted namespace client-go-test$/m);
  assert.match(out, /^\$ kubectl auth can-i create pods .*\nno$/m);
  assert.match(out, /^out-of-cluster, in-cluster and kubectl agree: 3 pods in kubeless, all Running\.$/m);
  // sample-controller: the follower took over after the leader's SIGTERM and scaled the Foo to 2.
  assert.match(
    out,
    /^Foo example-foo: Deployment example-foo with 2 replicas, 2 available \(synced by replica-[ab]\)$/m,
  );
  assert.match(out, /^Stopping the control plane\.\.\.$/m);
});
