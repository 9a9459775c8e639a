// Checks against the run's shared control plane (see "How it will be checked" in the testenv issue).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { createTestNamespace, getControlPlane } from "../src/harness.js";
import {
  adminCredentials,
  type ControlPlane,
  kubeCall,
  kubeFetch,
  makePodRunning,
  registerNode,
} from "../src/index.js";
import { run, waitFor } from "./helpers.js";

let cp: ControlPlane;
before(async () => {
  cp = await getControlPlane();
});

const kubectl = (kubeconfig: string, ...args: string[]) =>
  run("kubectl", ["--kubeconfig", kubeconfig, ...args]);

describe("control plane", () => {
  test("kubectl version reports the server version the binaries were built for", async () => {
    const r = await kubectl(cp.kubeconfigPath, "version", "-o", "json");
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { serverVersion: { gitVersion: string; major: string; minor: string } };
    assert.equal(v.serverVersion.gitVersion, "v1.36.3");
    assert.equal(v.serverVersion.major, "1");
    assert.equal(v.serverVersion.minor, "36");
    assert.equal(cp.version, "v1.36.3");
  });

  test("kubectl get ns lists the four system namespaces", async () => {
    const r = await kubectl(cp.kubeconfigPath, "get", "ns", "-o", "jsonpath={.items[*].metadata.name}");
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.split(" ");
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      assert.ok(names.includes(ns), ns);
  });

  test("/openapi/v3 answers with the group-version paths", async () => {
    const r = await kubectl(cp.kubeconfigPath, "get", "--raw", "/openapi/v3");
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { paths: Record<string, unknown> };
    assert.ok("api/v1" in doc.paths);
    assert.ok("apis/apps/v1" in doc.paths);
  });

  for (const who of ["certUser", "tokenUser"] as const) {
    test(`${who} is authenticated but gets 403 Forbidden listing pods in all namespaces`, async () => {
      const user = cp.users[who];
      const r = await kubectl(user.kubeconfigPath, "get", "pods", "-A");
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`forbidden: User "${user.name}" cannot list resource "pods"`));
      const res = await kubeFetch<{ reason: string; code: number }>(
        cp.apiServerURL,
        {
          caData: cp.caData,
          clientCertificate: user.clientCertificate,
          clientKey: user.clientKey,
          token: user.token,
        },
        "GET",
        "/api/v1/pods",
      );
      assert.equal(res.statusCode, 403);
      assert.equal(res.body.reason, "Forbidden");
    });
  }

  test("the users' kubeconfig text is what their file holds and names the user", async () => {
    const r = await kubectl(
      cp.users.tokenUser.kubeconfigPath,
      "auth",
      "whoami",
      "-o",
      "jsonpath={.status.userInfo.username}",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "bob");
    const a = await kubectl(
      cp.users.certUser.kubeconfigPath,
      "auth",
      "whoami",
      "-o",
      "jsonpath={.status.userInfo.username}",
    );
    assert.equal(a.stdout, "alice");
    for (const u of Object.values(cp.users))
      assert.equal(readFileSync(u.kubeconfigPath, "utf8"), u.kubeconfig);
    assert.match(cp.users.admin.kubeconfig, /client-certificate-data/);
  });

  test("a deleted namespace disappears (namespace controller) and Foreground deletion completes", async () => {
    const ns = await createTestNamespace("deleted");
    const creds = adminCredentials(cp);
    const cm = (name: string, owner?: { name: string; uid: string }) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        ...(owner && {
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              name: owner.name,
              uid: owner.uid,
              blockOwnerDeletion: true,
            },
          ],
        }),
      },
    });
    const base = `/api/v1/namespaces/${ns.name}/configmaps`;
    const parent = (
      await kubeCall<{ metadata: { uid: string } }>(cp.apiServerURL, creds, "POST", base, {
        body: cm("parent"),
      })
    ).body;
    await kubeCall(cp.apiServerURL, creds, "POST", base, {
      body: cm("child", { name: "parent", uid: parent.metadata.uid }),
    });
    await kubeCall(cp.apiServerURL, creds, "DELETE", `${base}/parent`, {
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Foreground" },
    });
    await waitFor("the Foreground deletion of parent and child", async () => {
      const p = await kubeFetch(cp.apiServerURL, creds, "GET", `${base}/parent`);
      const c = await kubeFetch(cp.apiServerURL, creds, "GET", `${base}/child`);
      return p.statusCode === 404 && c.statusCode === 404;
    });

    await kubeCall(cp.apiServerURL, creds, "POST", base, { body: cm("content") });
    await ns.cleanup();
    await waitFor("namespace deletion", async () => {
      const r = await kubeFetch(cp.apiServerURL, creds, "GET", `/api/v1/namespaces/${ns.name}`);
      return r.statusCode === 404;
    });
  });

  test("the TokenRequest API issues service-account tokens the API server accepts", async (t) => {
    const ns = await createTestNamespace("token");
    t.after(ns.cleanup);
    const creds = adminCredentials(cp);
    await kubeCall(cp.apiServerURL, creds, "POST", `/api/v1/namespaces/${ns.name}/serviceaccounts`, {
      body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot" } },
    });
    const tr = await kubeCall<{ status: { token: string } }>(
      cp.apiServerURL,
      creds,
      "POST",
      `/api/v1/namespaces/${ns.name}/serviceaccounts/robot/token`,
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: 600 },
        },
      },
    );
    const review = await kubeCall<{ status: { userInfo: { username: string } } }>(
      cp.apiServerURL,
      { caData: cp.caData, token: tr.body.status.token },
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
    );
    assert.equal(review.body.status.userInfo.username, `system:serviceaccount:${ns.name}:robot`);
  });

  test("createTestNamespace gives unique namespaces with a default ServiceAccount and kube-root-ca.crt", async (t) => {
    const [a, b] = await Promise.all([
      createTestNamespace("Same_Prefix"),
      createTestNamespace("Same_Prefix"),
    ]);
    t.after(a.cleanup);
    t.after(b.cleanup);
    assert.notEqual(a.name, b.name);
    assert.match(a.name, /^same-prefix-[0-9a-f]{10}$/);
    const creds = adminCredentials(cp);
    await waitFor("kube-root-ca.crt", async () => {
      const r = await kubeFetch<{ data?: Record<string, string> }>(
        cp.apiServerURL,
        creds,
        "GET",
        `/api/v1/namespaces/${a.name}/configmaps/kube-root-ca.crt`,
      );
      return r.statusCode === 200 && r.body.data?.["ca.crt"] === cp.caData;
    });
  });

  test("parallel requests are not throttled (no API Priority and Fairness limits)", async () => {
    const creds = adminCredentials(cp);
    const codes = await Promise.all(
      Array.from({ length: 300 }, () =>
        kubeFetch(cp.apiServerURL, creds, "GET", "/api/v1/namespaces/default").then((r) => r.statusCode),
      ),
    );
    assert.deepEqual(new Set(codes), new Set([200]));
  });
});

describe("nodes and Running pods", () => {
  let ns: { name: string; cleanup(): Promise<void> };
  before(async () => {
    ns = await createTestNamespace("pods");
  });
  after(() => ns.cleanup());

  test("registerNode + makePodRunning give a Ready node and a Running pod on it", async () => {
    const creds = adminCredentials(cp);
    const nodeName = `node-${ns.name}`;
    const node = (await registerNode(cp, nodeName)) as {
      status: { conditions: { type: string; status: string }[] };
    };
    assert.ok(node.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
    await kubeCall(cp.apiServerURL, creds, "POST", `/api/v1/namespaces/${ns.name}/pods`, {
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web" },
        spec: {
          containers: [
            { name: "nginx", image: "nginx:1.27" },
            { name: "sidecar", image: "busybox" },
          ],
        },
      },
    });
    await makePodRunning(cp, ns.name, "web", nodeName);

    const r = await kubectl(
      cp.kubeconfigPath,
      "get",
      "pods",
      "-A",
      "--field-selector=status.phase=Running",
      "-o",
      "json",
    );
    assert.equal(r.code, 0, r.stderr);
    const pods = JSON.parse(r.stdout) as {
      items: {
        metadata: { name: string; namespace: string };
        spec: { nodeName: string };
        status: {
          phase: string;
          podIP: string;
          containerStatuses: { name: string; ready: boolean; state: { running?: unknown } }[];
        };
      }[];
    };
    const pod = pods.items.find((p) => p.metadata.namespace === ns.name && p.metadata.name === "web");
    assert.ok(pod, "the pod is listed as Running");
    assert.equal(pod.spec.nodeName, nodeName);
    assert.equal(pod.status.phase, "Running");
    assert.match(pod.status.podIP, /^10\.244\.\d+\.\d+$/);
    assert.deepEqual(
      pod.status.containerStatuses.map((c) => [c.name, c.ready, c.state.running !== undefined]).sort(),
      [
        ["nginx", true, true],
        ["sidecar", true, true],
      ],
    );
    const ready = await kubectl(
      cp.kubeconfigPath,
      "wait",
      "-n",
      ns.name,
      "pod/web",
      "--for=condition=Ready",
      "--timeout=10s",
    );
    assert.equal(ready.code, 0, ready.stderr);
    await kubeCall(cp.apiServerURL, creds, "DELETE", `/api/v1/nodes/${nodeName}`);
  });

  test("makePodRunning explains a missing node", async () => {
    await assert.rejects(makePodRunning(cp, ns.name, "web", "no-such-node"), /registerNode/);
  });
});
