// The node agent on the run's shared control plane: Nodes point at it, makePodRunning starts the
// containers' main processes there (command, args, env, working directory), kubectl reaches them
// through the API server, and its own endpoints are the admin's only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestNamespace, getControlPlane } from "../src/harness.js";
import {
  adminCredentials,
  type ControlPlane,
  kubeCall,
  kubeFetch,
  makePodRunning,
  nodeAgentProcesses,
  registerNode,
} from "../src/index.js";
import { run, waitFor } from "./helpers.js";

let cp: ControlPlane;
let ns: { name: string; cleanup(): Promise<void> };
const nodes: string[] = [];
before(async () => {
  cp = await getControlPlane();
  ns = await createTestNamespace("agent");
});
after(async () => {
  for (const n of nodes)
    await kubeCall(cp.apiServerURL, adminCredentials(cp), "DELETE", `/api/v1/nodes/${n}`);
  await ns.cleanup();
});

const kubectl = (...args: string[]) =>
  run("kubectl", ["--kubeconfig", cp.kubeconfigPath, "-n", ns.name, ...args]);

test("a registered node's kubelet is the node agent, and a pod's main process runs there", async () => {
  assert.ok(cp.nodeAgent, "the control plane started a node agent");
  assert.ok(cp.processes.some((p) => p.name === "node-agent"));
  const node = `agent-node-${ns.name}`;
  nodes.push(node);
  const n = (await registerNode(cp, node)) as {
    status: {
      addresses: { type: string; address: string }[];
      daemonEndpoints: { kubeletEndpoint: { Port: number } };
    };
  };
  assert.deepEqual(n.status.addresses[0], { type: "InternalIP", address: "127.0.0.1" });
  assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, cp.nodeAgent.port);

  const creds = adminCredentials(cp);
  await kubeCall(cp.apiServerURL, creds, "POST", `/api/v1/namespaces/${ns.name}/pods`, {
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "app" },
      spec: {
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c"],
            args: ['echo "hello from $POD_NAME $GREETING in $(pwd)"; exec sleep 3600'],
            workingDir: "/work",
            env: [
              { name: "GREETING", value: "hi" },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ],
          },
          { name: "idle", image: "registry.k8s.io/pause:3.10" },
        ],
      },
    },
  });
  await makePodRunning(cp, ns.name, "app", node);
  const procs = (await nodeAgentProcesses(cp)).filter((p) => p.namespace === ns.name && p.pod === "app");
  assert.deepEqual(procs.map((p) => [p.kind, p.container]).sort(), [
    ["main", "idle"],
    ["main", "main"],
  ]);

  const logs = await waitFor("the main process's first line", async () => {
    const r = await kubectl("logs", "app", "-c", "main");
    return r.stdout.includes("hello") && r.stdout;
  });
  assert.match(logs, /^hello from app hi in \/.*\/node-agent\/pods\/[^/]+\/work\n$/);
  const exec = await kubectl(
    "exec",
    "app",
    "-c",
    "main",
    "--",
    "sh",
    "-c",
    'echo "$GREETING $HOSTNAME"; exit 4',
  );
  assert.equal(exec.code, 4, exec.stderr);
  assert.equal(exec.stdout, "hi app\n");
});

test("{ agent: false } gives a simulated node with nothing behind it", async () => {
  const node = `sim-node-${ns.name}`;
  nodes.push(node);
  const n = (await registerNode(cp, node, { agent: false })) as {
    status: {
      addresses: { type: string; address: string }[];
      daemonEndpoints: { kubeletEndpoint: { Port: number } };
    };
  };
  assert.match(n.status.addresses[0]!.address, /^10\.89\.\d+\.\d+$/);
  assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
});

test("the agent's own endpoints answer only the admin certificate; others need a CA-signed client certificate", async () => {
  const alice = cp.users.certUser;
  const res = await kubeFetch(
    cp.nodeAgent!.url,
    { caData: cp.caData, clientCertificate: alice.clientCertificate!, clientKey: alice.clientKey! },
    "GET",
    "/testenv/processes",
  );
  assert.equal(res.statusCode, 403);
  await assert.rejects(
    kubeFetch(cp.nodeAgent!.url, { caData: cp.caData }, "GET", "/healthz"),
    "no client certificate: the TLS handshake fails",
  );
  const ok = await kubeFetch(cp.nodeAgent!.url, adminCredentials(cp), "GET", "/healthz");
  assert.equal(ok.text, "ok");
});
