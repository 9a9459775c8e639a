// @org/rest against a real kube-apiserver (from @org/testenv): TLS, client-certificate / bearer-token /
// exec users, impersonation, typed errors (401, 403, 404, 409, 422), warnings, watch.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  buildConfigFromFlags,
  inClusterConfig,
  isAlreadyExists,
  isForbidden,
  isInvalid,
  isNotFound,
  isUnauthorized,
  loadKubeconfig,
  RESTClient,
  type RestConfig,
  StatusError,
  TransportError,
} from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { createTestNamespace, getControlPlane, type TestNamespace } from "@org/testenv/harness";
import { testPKI } from "../src/testing/tls.js";

let cp: ControlPlane;
let admin: RestConfig;
let ns: TestNamespace;
const clients: RESTClient[] = [];
const client = (c: RestConfig) => {
  const rc = RESTClient.forConfig(c);
  clients.push(rc);
  return rc;
};

interface UserInfo {
  username: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}
async function whoAmI(c: RESTClient): Promise<UserInfo> {
  const r = await c.request<{ status: { userInfo: UserInfo } }>({
    method: "POST",
    group: "authentication.k8s.io",
    version: "v1",
    resource: "selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return r.status.userInfo;
}

before(async () => {
  cp = await getControlPlane();
  admin = await buildConfigFromFlags("", cp.kubeconfigPath);
  ns = await createTestNamespace("rest");
});
after(async () => {
  await ns?.cleanup();
  await Promise.all(clients.map((c) => c.close()));
});

describe("TLS and authentication against kube-apiserver", () => {
  test("admin kubeconfig (client certificate): /version and who am I", async () => {
    const c = client(admin);
    const v = await c.request<{ gitVersion: string }>({ method: "GET", path: "/version" });
    assert.equal(v.gitVersion, cp.version);
    assert.equal((await whoAmI(c)).username, cp.users.admin.name);
  });

  test("the right CA works, the wrong CA is rejected", async () => {
    const ok = client({ ...admin, tls: { ...admin.tls, caData: cp.caData, caFile: undefined } });
    await ok.request({ method: "GET", path: "/version" });
    const bad = client({ ...admin, tls: { ...admin.tls, caData: testPKI().otherCaCert, caFile: undefined } });
    await assert.rejects(bad.request({ method: "GET", path: "/version" }), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.match(e.message, /not trusted/);
      return true;
    });
  });

  test("client-certificate user: authenticated as alice, 403 as a typed error", async () => {
    const { config } = await loadKubeconfig({ path: cp.users.certUser.kubeconfigPath });
    const c = client(config);
    assert.equal((await whoAmI(c)).username, cp.users.certUser.name);
    await assert.rejects(
      c.request({ method: "GET", namespace: ns.name, resource: "configmaps" }),
      (e: unknown) => {
        assert.ok(e instanceof StatusError && isForbidden(e));
        assert.equal(e.code, 403);
        assert.equal(e.status.details?.kind, "configmaps");
        assert.match(e.message, /cannot list resource "configmaps"/);
        return true;
      },
    );
  });

  test("bearer-token user: authenticated as bob, 403 as a typed error; a wrong token is 401", async () => {
    const { config } = await loadKubeconfig({ path: cp.users.tokenUser.kubeconfigPath });
    assert.ok(config.bearerToken);
    const c = client(config);
    assert.equal((await whoAmI(c)).username, cp.users.tokenUser.name);
    await assert.rejects(c.request({ method: "GET", resource: "nodes" }), isForbidden);
    const wrong = client({ ...config, bearerToken: "not-a-valid-token" });
    await assert.rejects(wrong.request({ method: "GET", path: "/api" }), (e: unknown) => {
      assert.ok(isUnauthorized(e));
      assert.doesNotMatch((e as Error).message, /not-a-valid-token/);
      return true;
    });
  });

  test("exec plugin user: the plugin's token authenticates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rest-exec-it-"));
    const plugin = join(dir, "plugin.mjs");
    writeFileSync(
      plugin,
      `console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: process.env.TOKEN } }));`,
    );
    const c = client({
      host: cp.apiServerURL,
      tls: { caData: cp.caData },
      exec: {
        command: process.execPath,
        args: [plugin],
        apiVersion: "client.authentication.k8s.io/v1",
        interactiveMode: "Never",
        env: [{ name: "TOKEN", value: cp.users.tokenUser.token! }],
      },
    });
    assert.equal((await whoAmI(c)).username, cp.users.tokenUser.name);
  });

  test("in-cluster config from a service-account directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rest-sa-it-"));
    writeFileSync(join(dir, "token"), cp.users.tokenUser.token!);
    writeFileSync(join(dir, "ca.crt"), cp.caData);
    writeFileSync(join(dir, "namespace"), ns.name);
    const url = new URL(cp.apiServerURL);
    const config = await inClusterConfig({
      serviceAccountDir: dir,
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
    });
    assert.equal(config.namespace, ns.name);
    assert.equal((await whoAmI(client(config))).username, cp.users.tokenUser.name);
  });

  test("an OIDC auth-provider's id-token is sent as the bearer token", async () => {
    const c = client({
      host: cp.apiServerURL,
      tls: { caData: cp.caData },
      authProvider: { name: "oidc", config: { "id-token": cp.users.tokenUser.token! } },
    });
    assert.equal((await whoAmI(c)).username, cp.users.tokenUser.name);
  });

  test("impersonation: user, several groups and extra reach the API server", async () => {
    const c = client({
      ...admin,
      impersonate: { user: "jane", groups: ["g1", "g2"], extra: { "example.com/reason": ["debug"] } },
    });
    const me = await whoAmI(c);
    assert.equal(me.username, "jane");
    assert.ok(me.groups?.includes("g1") && me.groups.includes("g2"), JSON.stringify(me.groups));
    assert.deepEqual(me.extra?.["example.com/reason"], ["debug"]);
  });
});

describe("typed errors and warnings from kube-apiserver", () => {
  test("404, 409 AlreadyExists, 422 Invalid with field causes", async () => {
    const c = client(admin);
    await assert.rejects(
      c.request({ method: "GET", namespace: ns.name, resource: "configmaps", name: "missing" }),
      (e: unknown) => isNotFound(e) && (e as StatusError).status.details?.name === "missing",
    );
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dup" } };
    await c.request({ method: "POST", namespace: ns.name, resource: "configmaps", body: cm });
    await assert.rejects(
      c.request({ method: "POST", namespace: ns.name, resource: "configmaps", body: cm }),
      isAlreadyExists,
    );
    await assert.rejects(
      c.request({
        method: "POST",
        namespace: ns.name,
        resource: "configmaps",
        body: { ...cm, metadata: { name: "Not_Valid" } },
      }),
      (e: unknown) => {
        assert.ok(isInvalid(e));
        assert.equal((e as StatusError).status.details?.causes?.[0]?.field, "metadata.name");
        return true;
      },
    );
  });

  test("warnings (unknown field with fieldValidation=Warn) reach the warning handler", async () => {
    const seen: string[] = [];
    const c = client({ ...admin, warningHandler: (m) => seen.push(m) });
    await c.request({
      method: "POST",
      namespace: ns.name,
      resource: "configmaps",
      options: { fieldValidation: "Warn" },
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "warned" }, bogusField: 1 },
    });
    assert.ok(
      seen.some((m) => m.includes("bogusField")),
      JSON.stringify(seen),
    );
  });
});

describe("watch against kube-apiserver", () => {
  test("events arrive in order", async () => {
    const c = client(admin);
    const list = await c.request<{ metadata: { resourceVersion: string } }>({
      method: "GET",
      namespace: ns.name,
      resource: "configmaps",
      options: { labelSelector: "watch=order" },
    });
    const w = c.watch<{ metadata: { name: string }; data?: Record<string, string> }>({
      method: "GET",
      namespace: ns.name,
      resource: "configmaps",
      options: { labelSelector: "watch=order", resourceVersion: list.metadata.resourceVersion },
    });
    const mk = (name: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels: { watch: "order" } },
    });
    await c.request({ method: "POST", namespace: ns.name, resource: "configmaps", body: mk("one") });
    await c.request({ method: "POST", namespace: ns.name, resource: "configmaps", body: mk("two") });
    await c.request({
      method: "PATCH",
      namespace: ns.name,
      resource: "configmaps",
      name: "one",
      contentType: "application/merge-patch+json",
      body: { data: { k: "v" } },
    });
    await c.request({
      method: "DELETE",
      namespace: ns.name,
      resource: "configmaps",
      name: "two",
      body: { propagationPolicy: "Background" },
    });
    const got: string[] = [];
    for await (const ev of w) {
      got.push(`${ev.type} ${ev.object.metadata.name}`);
      if (got.length === 4) w.stop();
    }
    assert.deepEqual(got, ["ADDED one", "ADDED two", "MODIFIED one", "DELETED two"]);
  });
});
