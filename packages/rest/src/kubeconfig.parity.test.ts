// Parity with kubectl: for each scenario, what we resolve (server, user, context, namespace, token)
// equals what kubectl resolves — through `kubectl config view --minify --flatten` and, for the flags
// that `config view` ignores (--cluster, --user, --namespace, --server), through the request kubectl
// actually sends to a local HTTPS server that plays the API server.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type KubeconfigOverrides, loadKubeconfig } from "./kubeconfig.js";
import { json, startTestServer, type TestServer, testPKI } from "./testing/tls.js";

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), "rest-parity-"));
const cacheDir = join(root, "kubectl-cache");
let s1: TestServer;
let s2: TestServer;

function apiServer(): Promise<TestServer> {
  return startTestServer((req, res) => {
    const url = new URL(req.url ?? "/", "https://x");
    if (url.pathname === "/api")
      json(res, 200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    else if (url.pathname === "/apis") json(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
    else if (url.pathname === "/api/v1") {
      json(res, 200, {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"] },
        ],
      });
    } else if (/^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(url.pathname)) {
      json(res, 200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] });
    } else json(res, 404, { kind: "Status", code: 404, reason: "NotFound" });
  });
}

before(async () => {
  s1 = await apiServer();
  s2 = await apiServer();
  // Scenario files in different directories, each with CA paths relative to itself.
  mkdirSync(join(root, "one/pki"), { recursive: true });
  mkdirSync(join(root, "two"), { recursive: true });
  copyFileSync(testPKI().paths.caCert, join(root, "one/pki/ca.crt"));
  copyFileSync(testPKI().paths.caCert, join(root, "two/cluster-ca.pem"));
  writeFileSync(
    join(root, "one/config"),
    `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: alpha
  cluster: {server: "${s1.url}", certificate-authority: pki/ca.crt}
users:
- name: ann
  user: {token: token-ann}
contexts:
- name: dev
  context: {cluster: alpha, user: ann, namespace: dev-ns}
- name: bare
  context: {cluster: alpha, user: ann}
`,
  );
  writeFileSync(
    join(root, "two/config"),
    `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: alpha
  cluster: {server: "https://shadowed.invalid:1", certificate-authority: cluster-ca.pem}
- name: beta
  cluster: {server: "${s2.url}", certificate-authority: cluster-ca.pem}
users:
- name: ann
  user: {token: token-shadowed}
- name: bob
  user: {token: token-bob}
contexts:
- name: dev
  context: {cluster: beta, user: bob, namespace: shadowed}
- name: prod
  context: {cluster: beta, user: bob, namespace: prod-ns}
`,
  );
});
after(async () => {
  await s1?.close();
  await s2?.close();
});

interface Resolved {
  server: string;
  user: string;
  context: string;
  namespace: string;
  token: string;
}

const env = (kubeconfig: string) => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: root });

async function kubectlView(kubeconfig: string, args: string[]): Promise<Resolved> {
  const { stdout } = await run(
    "kubectl",
    ["config", "view", "--minify", "--flatten", "-o", "json", ...args],
    {
      env: env(kubeconfig),
    },
  );
  const v = JSON.parse(stdout);
  return {
    server: v.clusters[0].cluster.server,
    user: v.contexts[0].context.user,
    context: v["current-context"],
    namespace: v.contexts[0].context.namespace || "default",
    token: v.users[0].user.token,
  };
}

async function ours(kubeconfig: string, overrides: KubeconfigOverrides = {}): Promise<Resolved> {
  const got = await loadKubeconfig({ env: { KUBECONFIG: kubeconfig, HOME: root }, overrides });
  return {
    server: got.config.host,
    user: got.user,
    context: got.context,
    namespace: got.namespace,
    token: got.config.bearerToken ?? "",
  };
}

const one = () => join(root, "one/config");
const two = () => join(root, "two/config");

describe("kubeconfig parity with kubectl config view --minify --flatten", () => {
  const scenarios: [string, () => string, string[], KubeconfigOverrides][] = [
    ["single file", one, [], {}],
    ["several files in KUBECONFIG: first wins", () => [one(), two()].join(delimiter), [], {}],
    ["several files, reversed order", () => [two(), one()].join(delimiter), [], {}],
    [
      "--context from the second file",
      () => [one(), two()].join(delimiter),
      ["--context", "prod"],
      { context: "prod" },
    ],
    ["namespace defaults to default", one, ["--context", "bare"], { context: "bare" }],
    ["missing files in KUBECONFIG are skipped", () => [join(root, "nope"), two()].join(delimiter), [], {}],
  ];
  for (const [name, kc, args, overrides] of scenarios) {
    test(name, async () => {
      assert.deepEqual(await ours(kc(), overrides), await kubectlView(kc(), args));
    });
  }

  test("relative certificate-authority paths: the same CA bytes as kubectl's --flatten", async () => {
    for (const kc of [one(), two(), [two(), one()].join(delimiter)]) {
      const { stdout } = await run("kubectl", ["config", "view", "--minify", "--flatten", "-o", "json"], {
        env: env(kc),
      });
      const kubectlCA = JSON.parse(stdout).clusters[0].cluster["certificate-authority-data"];
      const got = await loadKubeconfig({ env: { KUBECONFIG: kc } });
      const { readFileSync } = await import("node:fs");
      assert.equal(readFileSync(got.config.tls!.caFile!).toString("base64"), kubectlCA);
    }
  });
});

describe("kubeconfig parity with the request kubectl sends (flags config view ignores)", () => {
  async function kubectlRequest(kc: string, args: string[]): Promise<Omit<Resolved, "user" | "context">> {
    const before1 = s1.requests.length;
    const before2 = s2.requests.length;
    await run("kubectl", ["get", "pods", "-o", "name", "--cache-dir", cacheDir, ...args], { env: env(kc) });
    const fresh = [
      ...s1.requests.slice(before1).map((r) => ({ r, s: s1 })),
      ...s2.requests.slice(before2).map((r) => ({ r, s: s2 })),
    ];
    const list = fresh.find(({ r }) => /\/namespaces\/[^/]+\/pods/.test(r.url));
    assert.ok(list, "kubectl listed pods");
    return {
      server: list.s.url,
      namespace: /\/namespaces\/([^/]+)\/pods/.exec(list.r.url)![1]!,
      token: (list.r.headers.authorization ?? "").replace(/^Bearer /, ""),
    };
  }
  const pick = ({ server, namespace, token }: Resolved) => ({ server, namespace, token });

  const scenarios: [string, () => string, string[], KubeconfigOverrides][] = [
    ["current context", () => [one(), two()].join(delimiter), [], {}],
    [
      "--namespace",
      () => [one(), two()].join(delimiter),
      ["--namespace", "flag-ns"],
      { namespace: "flag-ns" },
    ],
    [
      "--cluster and --user",
      () => [one(), two()].join(delimiter),
      ["--cluster", "beta", "--user", "bob"],
      { cluster: "beta", user: "bob" },
    ],
    [
      "--context and --user",
      () => [two(), one()].join(delimiter),
      ["--context", "dev", "--user", "ann"],
      { context: "dev", user: "ann" },
    ],
    ["--server", two, ["--server", "SERVER1"], { server: "SERVER1" }],
    ["namespace defaulting", one, ["--context", "bare"], { context: "bare" }],
  ];
  for (const [name, kc, args, overrides] of scenarios) {
    test(name, async () => {
      const a = args.map((x) => (x === "SERVER1" ? s1.url : x));
      const o = { ...overrides };
      if (o.server === "SERVER1") o.server = s1.url;
      assert.deepEqual(pick(await ours(kc(), o)), await kubectlRequest(kc(), a));
    });
  }
});
