// proxyGet on pods, services and nodes against the real API server, with `kubectl get --raw` on the
// same URLs as the oracle. The API server relays only to pod IPs that are global unicast, to
// endpoint IPs that are not loopback (validation) and to nodes whose address is global unicast;
// every server here listens on 127.0.0.1 only, so what is tested is the request and each refusal:
// the same status and message as kubectl gets. The relayed bytes are tested in
// src/streaming/proxy.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { isBadRequest, isNotFound, isServiceUnavailable, StatusError } from "@org/rest";
import { registerNode } from "@org/testenv";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import type { ResponseWrapper } from "../src/streaming/proxy.js";
import { type ControlPlane, env } from "./support.js";

let cp: ControlPlane;
let cs: Clientset;
let ns: { name: string; cleanup(): Promise<void> };
let nodeName: string;

before(async () => {
  const e = await env();
  cp = e.cp;
  cs = new Clientset(e.rest);
  ns = await createTestNamespace("proxy");
  nodeName = uniqueNamespaceName("proxy-node");
  await registerNode(cp, nodeName);
});
after(async () => {
  await cs
    .coreV1()
    .nodes()
    .delete(nodeName)
    .catch(() => {});
  await ns.cleanup();
});

/** `kubectl get --raw <path>`: its exit code and the error line it prints. */
function kubectlRaw(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn("kubectl", ["--kubeconfig", cp.kubeconfigPath, "get", "--raw", path], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    p.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stderr: stderr.trim() }));
  });
}

/** Our error and kubectl's for the same request: same reason, same message. */
async function sameRefusal(ours: ResponseWrapper, path: string): Promise<StatusError> {
  const err = await ours.doRaw().then(
    () => assert.fail(`${path}: the API server relayed it`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StatusError, `${path}: ${String(err)}`);
  const k = await kubectlRaw(path);
  assert.equal(k.code, 1, `kubectl get --raw ${path}: ${k.stderr}`);
  // kubectl: "Error from server (<Reason>): <message>"
  assert.equal(k.stderr, `Error from server (${err.status.reason}): ${err.status.message}`);
  return err;
}

test("pods: a pod without an IP, a loopback IP and a missing pod are refused as kubectl is", async () => {
  const pods = cs.coreV1().pods(ns.name);
  await pods.create({ metadata: { name: "noip" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  const base = `/api/v1/namespaces/${ns.name}/pods`;
  let err = await sameRefusal(
    pods.proxyGet("http", "noip", "8080", "/healthz"),
    `${base}/http:noip:8080/proxy/healthz`,
  );
  assert.ok(isBadRequest(err));
  assert.equal(err.status.message, "address not allowed");

  // A pod whose status says 127.0.0.1: the API server will not relay to loopback.
  await pods.create({
    metadata: { name: "loop" },
    spec: { nodeName, containers: [{ name: "c", image: "busybox" }] },
  });
  const pod = await pods.get("loop");
  await pods.updateStatus({
    ...pod,
    status: { phase: "Running", podIP: "127.0.0.1", podIPs: [{ ip: "127.0.0.1" }] },
  });
  err = await sameRefusal(pods.proxyGet("", "loop", "8080", "/", { q: "1" }), `${base}/loop:8080/proxy/?q=1`);
  assert.equal(err.status.message, "address not allowed");

  err = await sameRefusal(pods.proxyGet("", "nope", "", "x"), `${base}/nope/proxy/x`);
  assert.ok(isNotFound(err));
  assert.equal(err.status.details?.name, "nope");
});

test("services: no Endpoints, empty Endpoints, a port it does not declare: refused as kubectl is", async () => {
  const services = cs.coreV1().services(ns.name);
  // Without a selector the endpoints controller leaves the service's Endpoints to us.
  for (const name of ["web", "lonely"]) {
    await services.create({
      metadata: { name },
      spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
  }
  await cs
    .coreV1()
    .endpoints(ns.name)
    .create({ metadata: { name: "web" }, subsets: [] });
  const base = `/api/v1/namespaces/${ns.name}/services`;
  let err = await sameRefusal(services.proxyGet("http", "web", "http", "/"), `${base}/http:web:http/proxy/`);
  assert.ok(isServiceUnavailable(err), JSON.stringify(err.status));
  assert.equal(err.status.message, 'no endpoints available for service "web"');
  err = await sameRefusal(services.proxyGet("", "web", "9999", "/"), `${base}/web:9999/proxy/`);
  assert.ok(isServiceUnavailable(err));
  assert.equal(err.status.message, 'no service port 9999 found for service "web"');
  err = await sameRefusal(services.proxyGet("", "lonely", "http", "/"), `${base}/lonely:http/proxy/`);
  assert.ok(isNotFound(err), "no Endpoints object at all");
});

test("nodes: the node agent's node has address 127.0.0.1, which the API server does not relay to", async () => {
  const err = await sameRefusal(
    cs.coreV1().nodes().proxyGet("", nodeName, "", "/healthz"),
    `/api/v1/nodes/${nodeName}/proxy/healthz`,
  );
  assert.ok(isBadRequest(err), String(err));
  assert.equal(err.status.message, "address not allowed");
});
