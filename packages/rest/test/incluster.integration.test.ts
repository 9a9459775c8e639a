// In-cluster configuration against a real kube-apiserver: service accounts' tokens from the TokenRequest
// API, written into a directory laid out as the kubelet lays out
// /var/run/secrets/kubernetes.io/serviceaccount (files behind the ..data symlink, swapped atomically on
// rotation), KUBERNETES_SERVICE_HOST/PORT pointing at the API server.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  buildConfigFromFlags,
  inClusterConfig,
  RESTClient,
  type RestConfig,
  TransportError,
} from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane, type TestNamespace } from "@org/testenv/harness";

let cp: ControlPlane;
let admin: RESTClient;
let ns: TestNamespace;
const clients: RESTClient[] = [];
const dirs: string[] = [];
const client = (c: RestConfig) => {
  const rc = RESTClient.forConfig(c);
  clients.push(rc);
  return rc;
};

before(async () => {
  cp = await getControlPlane();
  admin = client(await buildConfigFromFlags("", cp.kubeconfigPath));
  ns = await createTestNamespace("incluster");
});
after(async () => {
  await ns?.cleanup();
  await Promise.all(clients.map((c) => c.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function whoAmI(c: RESTClient): Promise<string> {
  const r = await c.request<{ status: { userInfo: { username: string } } }>({
    method: "POST",
    group: "authentication.k8s.io",
    version: "v1",
    resource: "selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return r.status.userInfo.username;
}

/** A new service account and a 10-minute token for it (the shortest the TokenRequest API allows). */
async function serviceAccountToken(name: string): Promise<string> {
  await admin.request({
    method: "POST",
    namespace: ns.name,
    resource: "serviceaccounts",
    body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } },
  });
  const r = await admin.request<{ status: { token: string } }>({
    method: "POST",
    namespace: ns.name,
    resource: "serviceaccounts",
    name,
    subresource: "token",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
  });
  return r.status.token;
}

const identity = (name: string) => `system:serviceaccount:${ns.name}:${name}`;

/** The kubelet's atomic writer: each version in its own directory, ..data swapped by a rename. */
class ServiceAccountVolume {
  readonly dir = mkdtempSync(join(tmpdir(), "rest-sa-volume-"));
  private version = 0;
  constructor(files: { token: string; "ca.crt": string; namespace: string }) {
    dirs.push(this.dir);
    this.write(files);
    for (const f of Object.keys(files)) symlinkSync(join("..data", f), join(this.dir, f));
  }
  write(files: Record<string, string>): void {
    const version = `..v${++this.version}`;
    mkdirSync(join(this.dir, version));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(this.dir, version, f), text);
    symlinkSync(version, join(this.dir, "..data_tmp"));
    renameSync(join(this.dir, "..data_tmp"), join(this.dir, "..data"));
  }
}

const serviceEnv = () => {
  const url = new URL(cp.apiServerURL);
  return { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
};

describe("in-cluster configuration against kube-apiserver", () => {
  test("a pod's service account: its identity, the namespace file, the CA that verifies the server", async () => {
    const volume = new ServiceAccountVolume({
      token: `${await serviceAccountToken("reader")}\n`,
      "ca.crt": cp.caData,
      namespace: ns.name,
    });
    const config = await inClusterConfig({ serviceAccountDir: volume.dir, env: serviceEnv() });
    assert.equal(config.namespace, ns.name);
    assert.equal(config.tls?.caFile, join(volume.dir, "ca.crt"));
    assert.equal(await whoAmI(client(config)), identity("reader"));
    // buildConfigFromFlags("", "") takes the same in-cluster config.
    const fromFlags = await buildConfigFromFlags("", "", {
      serviceAccountDir: volume.dir,
      env: serviceEnv(),
    });
    assert.equal(await whoAmI(client(fromFlags)), identity("reader"));
  });

  test("a rotated token is used once the last read is 50 s old; after a 401 at once", async (t) => {
    const [alpha, beta, gamma] = await Promise.all(["alpha", "beta", "gamma"].map(serviceAccountToken));
    const volume = new ServiceAccountVolume({ token: alpha!, "ca.crt": cp.caData, namespace: ns.name });
    // Only Date is faked: the token file's age; connections and the API server keep real time.
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    const c = client(await inClusterConfig({ serviceAccountDir: volume.dir, env: serviceEnv() }));
    assert.equal(await whoAmI(c), identity("alpha"));

    volume.write({ token: beta!, "ca.crt": cp.caData, namespace: ns.name });
    t.mock.timers.tick(49_000);
    assert.equal(await whoAmI(c), identity("alpha"), "the token read 49 s ago is still in use");
    t.mock.timers.tick(1_000);
    assert.equal(await whoAmI(c), identity("beta"), "the file is re-read once the last read is 50 s old");

    // The kubelet writes gamma's token and beta's service account goes away: beta's token is refused
    // (401) as soon as the API server sees the deletion, and the client re-reads the file at once
    // and retries (client-go would wait for the 50 s instead). No request of the loop fails.
    volume.write({ token: gamma!, "ca.crt": cp.caData, namespace: ns.name });
    await admin.request({ method: "DELETE", namespace: ns.name, resource: "serviceaccounts", name: "beta" });
    const deadline = performance.now() + 60_000;
    let who = await whoAmI(c);
    while (who === identity("beta") && performance.now() < deadline) {
      await sleep(200);
      who = await whoAmI(c);
    }
    assert.equal(who, identity("gamma"));
  });

  test("ca.crt without a certificate: a warning naming it, the system roots, so the server is not trusted", async () => {
    const volume = new ServiceAccountVolume({
      token: await serviceAccountToken("untrusting"),
      "ca.crt": "not a certificate\n",
      namespace: ns.name,
    });
    const warnings: string[] = [];
    const config = await inClusterConfig({
      serviceAccountDir: volume.dir,
      env: serviceEnv(),
      warn: (m) => warnings.push(m),
    });
    assert.deepEqual(warnings, [
      `cannot use the cluster CA ${join(volume.dir, "ca.crt")}: it holds no PEM certificate ` +
        "(no -----BEGIN CERTIFICATE----- block that parses); using the system roots instead",
    ]);
    await assert.rejects(whoAmI(client(config)), (e: unknown) => {
      assert.ok(e instanceof TransportError, String(e));
      assert.match(e.message, /not trusted/);
      return true;
    });
  });
});
