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
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { KubeconfigError, type KubeconfigOverrides, loadKubeconfig, parseKubeconfig } from "./kubeconfig.js";
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

/** What kubectl (KUBECONFIG=kc, `args` after `get pods`) sent for its LIST of pods: server, namespace, token. */
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

describe("kubeconfig parity with the request kubectl sends (flags config view ignores)", () => {
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
    [
      "--insecure-skip-tls-verify drops the file's CA instead of conflicting with it",
      one,
      ["--insecure-skip-tls-verify"],
      { insecureSkipTLSVerify: true },
    ],
    ["--token", one, ["--token", "flag-token"], { token: "flag-token" }],
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

describe("a context whose cluster or user is not defined: the flags stand in for it, as in kubectl", () => {
  const file = () => join(root, "undefined-entries/config");
  before(() => {
    mkdirSync(join(root, "undefined-entries"), { recursive: true });
    writeFileSync(
      file(),
      `current-context: c
contexts: [{name: c, context: {cluster: gone, user: gone-user, namespace: ns-gone}}]
clusters: [{name: other, cluster: {server: "https://other.invalid:1"}}]
users: [{name: bob, user: {token: token-bob}}]
`,
    );
  });
  const pick = ({ server, namespace, token }: Resolved) => ({ server, namespace, token });
  const ca = () => testPKI().paths.caCert;
  const scenarios: [string, () => string[], () => KubeconfigOverrides][] = [
    [
      "--server (and --user) for an undefined cluster",
      () => ["--server", s1.url, "--certificate-authority", ca(), "--user", "bob"],
      () => ({ server: s1.url, certificateAuthority: ca(), user: "bob" }),
    ],
    [
      "--server and --token for an undefined cluster and user",
      () => ["--server", s1.url, "--certificate-authority", ca(), "--token", "flag-token"],
      () => ({ server: s1.url, certificateAuthority: ca(), token: "flag-token" }),
    ],
  ];
  for (const [name, args, overrides] of scenarios) {
    test(name, async () => {
      assert.deepEqual(pick(await ours(file(), overrides())), await kubectlRequest(file(), args()));
    });
  }
  test("without a server override the undefined cluster is an error that names it", async () => {
    await assert.rejects(
      ours(file(), { user: "bob" }),
      /cluster "gone", used by context "c".* is not defined/,
    );
  });
});

// ---- Security and decoding: the request kubectl sends (or its refusal) against ours -------------------

describe("kubeconfig parity with kubectl: schemes, credentials, TLS rules and decoding", () => {
  interface Sent {
    scheme: "http" | "https";
    authorization: string | null;
    impersonateUser: string | null;
  }
  let plain: { port: number; requests: { url: string; headers: Record<string, unknown> }[]; close(): void };
  let tls: TestServer;
  const dir = join(root, "security");
  const pki = testPKI();
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  before(async () => {
    mkdirSync(dir, { recursive: true });
    const { createServer } = await import("node:http");
    const requests: { url: string; headers: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      requests.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    plain = {
      port: (server.address() as import("node:net").AddressInfo).port,
      requests,
      close: () => server.close(),
    };
    tls = await apiServer();
  });
  after(async () => {
    plain?.close();
    await tls?.close();
  });

  /** A one-context kubeconfig: `cluster` and `user` are flow mappings (or YAML of their own). */
  const kubeconfig = (cluster: string, user: string, extra = "") => `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
${extra}clusters:
- name: k
  cluster: ${cluster}
users:
- name: u
  user: ${user}
`;
  const bare = () => `{server: "127.0.0.1:${plain.port}"}`;
  const secure = () => `{server: "${tls.url}", certificate-authority: ${pki.paths.caCert}}`;

  function sentTo(requests: { url: string; headers: Record<string, unknown> }[], scheme: Sent["scheme"]) {
    const r = requests.find((x) => x.url.startsWith("/api"));
    if (!r) return undefined;
    const h = (name: string) => (r.headers[name] as string | undefined) ?? null;
    return { scheme, authorization: h("authorization"), impersonateUser: h("impersonate-user") };
  }

  async function kubectlSends(file: string): Promise<Sent | "refused"> {
    const p0 = plain.requests.length;
    const t0 = tls.requests.length;
    try {
      const p = run("kubectl", ["--kubeconfig", file, "get", "--raw", "/api", "--request-timeout=5s"], {
        env: env(file),
        timeout: 20_000,
      });
      // kubectl prompts for basic auth when nothing identifies the user: no terminal, no answer.
      p.child.stdin?.end();
      await p;
    } catch {
      assert.equal(plain.requests.length + tls.requests.length, p0 + t0, "kubectl refused before sending");
      return "refused";
    }
    const got = sentTo(plain.requests.slice(p0), "http") ?? sentTo(tls.requests.slice(t0), "https");
    assert.ok(got, "kubectl sent GET /api");
    return got;
  }

  async function weSend(file: string): Promise<Sent | "refused"> {
    let config: RestConfig;
    try {
      config = (await loadKubeconfig({ path: file })).config;
    } catch (e) {
      assert.ok(e instanceof KubeconfigError, String(e));
      assert.ok(e.message.includes(file), e.message);
      return "refused";
    }
    const p0 = plain.requests.length;
    const t0 = tls.requests.length;
    const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
    try {
      await client.request({ method: "GET", path: "/api" });
    } finally {
      await client.close();
    }
    const got = sentTo(plain.requests.slice(p0), "http") ?? sentTo(tls.requests.slice(t0), "https");
    assert.ok(got, "we sent GET /api");
    return got;
  }

  const tokenFile = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  /** An unsigned JWT that expires `inSeconds` from now (no exp claim without it); the same all test long. */
  const jwts = new Map<number | undefined, string>();
  const jwt = (inSeconds?: number) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    if (!jwts.has(inSeconds)) {
      const claims = inSeconds === undefined ? {} : { exp: Math.floor(Date.now() / 1000) + inSeconds };
      jwts.set(inSeconds, `${part({ alg: "RS256" })}.${part({ sub: "me", ...claims })}.c2ln`);
    }
    return jwts.get(inSeconds)!;
  };
  // A closed port: kubectl's refresh attempt fails at once.
  const issuer = "idp-issuer-url: 'https://127.0.0.1:1'";
  const oidc = `${issuer}, client-id: c`;
  const none = { authorization: null, impersonateUser: null };
  const cases: [string, () => string, Sent | "refused"][] = [
    // A bare host:port is plain http for kubectl whatever the TLS settings, and gets no credentials.
    [
      "bare host:port with a token",
      () => kubeconfig(bare(), "{token: tok-bare}"),
      { scheme: "http", ...none },
    ],
    [
      "bare host:port with basic auth",
      () => kubeconfig(bare(), "{username: admin, password: pw-bare}"),
      { scheme: "http", ...none },
    ],
    [
      "bare host:port with a CA: still http, no token",
      () =>
        kubeconfig(
          `{server: "127.0.0.1:${plain.port}", certificate-authority: ${pki.paths.caCert}}`,
          "{token: tok-ca}",
        ),
      { scheme: "http", ...none },
    ],
    [
      "bare host:port with insecure-skip-tls-verify: still http",
      () =>
        kubeconfig(
          `{server: "127.0.0.1:${plain.port}", insecure-skip-tls-verify: true}`,
          "{token: tok-insecure}",
        ),
      { scheme: "http", ...none },
    ],
    [
      "bare localhost:port",
      () => kubeconfig(`{server: "localhost:${plain.port}"}`, "{token: tok-localhost}"),
      { scheme: "http", ...none },
    ],
    [
      "http:// server: impersonation is sent, the token is not",
      () => kubeconfig(`{server: "http://127.0.0.1:${plain.port}"}`, "{token: tok-http, as: jane}"),
      { scheme: "http", authorization: null, impersonateUser: "jane" },
    ],
    [
      // Go sends a header's bytes as they are (UTF-8); Node's server reads them as Latin-1
      "impersonating a user whose name is not ASCII: its UTF-8 bytes",
      () => kubeconfig(`{server: "http://127.0.0.1:${plain.port}"}`, '{as: "jos\u00e9 \u540d\u524d"}'),
      {
        scheme: "http",
        authorization: null,
        impersonateUser: Buffer.from("jos\u00e9 \u540d\u524d", "utf8").toString("latin1"),
      },
    ],
    [
      "https with a CA: the token is sent",
      () => kubeconfig(secure(), "{token: tok-https, as: jane}"),
      { scheme: "https", authorization: "Bearer tok-https", impersonateUser: "jane" },
    ],
    // TLS rules.
    [
      "insecure-skip-tls-verify with certificate-authority",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority: ${pki.paths.caCert}, insecure-skip-tls-verify: true}`,
          "{token: t}",
        ),
      "refused",
    ],
    [
      "insecure-skip-tls-verify with certificate-authority-data",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority-data: ${b64(pki.caCert)}, insecure-skip-tls-verify: true}`,
          "{token: t}",
        ),
      "refused",
    ],
    [
      "certificate-authority-data and certificate-authority",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority-data: ${b64(pki.caCert)}, certificate-authority: ${pki.paths.caCert}}`,
          "{token: t}",
        ),
      "refused",
    ],
    [
      "client-certificate-data and client-certificate",
      () =>
        kubeconfig(
          secure(),
          `{client-certificate-data: ${b64(pki.clientCert)}, client-certificate: ${pki.paths.clientCert}, client-key: ${pki.paths.clientKey}}`,
        ),
      "refused",
    ],
    [
      "client-key-data and client-key",
      () =>
        kubeconfig(
          secure(),
          `{client-certificate: ${pki.paths.clientCert}, client-key: ${pki.paths.clientKey}, client-key-data: ${b64(pki.clientKey)}}`,
        ),
      "refused",
    ],
    [
      "a client certificate without its key",
      () => kubeconfig(secure(), `{client-certificate: ${pki.paths.clientCert}}`),
      "refused",
    ],
    [
      "certificate-authority-data that is not PEM",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority-data: ${b64("not a certificate")}}`,
          "{token: t}",
        ),
      "refused",
    ],
    [
      "a certificate-authority file that does not exist",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority: ${join(dir, "missing-ca.crt")}}`,
          "{token: t}",
        ),
      "refused",
    ],
    [
      "a client-key that cannot be read (a directory)",
      () => kubeconfig(secure(), `{client-certificate: ${pki.paths.clientCert}, client-key: ${dir}}`),
      "refused",
    ],
    // Typing as kubectl's decoder types it (YAML 1.1, then strict JSON types).
    [
      'insecure-skip-tls-verify: "false" (a string)',
      () => kubeconfig(`{server: "${tls.url}", insecure-skip-tls-verify: "false"}`, "{token: t}"),
      "refused",
    ],
    [
      "insecure-skip-tls-verify: yes (a YAML 1.1 boolean)",
      () => kubeconfig(`{server: "${tls.url}", insecure-skip-tls-verify: yes}`, "{token: tok-yes}"),
      { scheme: "https", authorization: "Bearer tok-yes", impersonateUser: null },
    ],
    ["token: no (a YAML 1.1 boolean)", () => kubeconfig(secure(), "{token: no}"), "refused"],
    [
      "exec args: [y] (a YAML 1.1 boolean)",
      () =>
        kubeconfig(
          secure(),
          "{exec: {command: /bin/true, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, args: [y]}}",
        ),
      "refused",
    ],
    ["server: 6443 (a number)", () => kubeconfig("{server: 6443}", "{token: t}"), "refused"],
    ["server: not a url", () => kubeconfig("{server: not a url}", "{token: t}"), "refused"],
    [
      "token: '0123' (quoted: a string)",
      () => kubeconfig(secure(), "{token: '0123'}"),
      { scheme: "https", authorization: "Bearer 0123", impersonateUser: null },
    ],
    // YAML structure.
    [
      "a merge key (<<: *anchor) gives the token",
      () => kubeconfig(secure(), "{<<: *creds, as: jane}", "common: &creds {token: tok-merged}\n"),
      { scheme: "https", authorization: "Bearer tok-merged", impersonateUser: "jane" },
    ],
    [
      "a merge key after an explicit key overwrites it (go-yaml v2)",
      () => kubeconfig(secure(), "{token: tok-explicit, <<: *creds}", "common: &creds {token: tok-merged}\n"),
      { scheme: "https", authorization: "Bearer tok-merged", impersonateUser: null },
    ],
    [
      "a duplicate mapping key: the last one wins",
      () => kubeconfig(secure(), "\n    token: tok-first\n    token: tok-last"),
      { scheme: "https", authorization: "Bearer tok-last", impersonateUser: null },
    ],
    [
      "the same cluster name twice",
      () =>
        kubeconfig(secure(), "{token: t}").replace(
          "clusters:\n",
          `clusters:\n- name: k\n  cluster: {server: "https://127.0.0.1:1"}\n`,
        ),
      "refused",
    ],
    [
      "the same user name twice",
      () =>
        kubeconfig(secure(), "{token: t}").replace("users:\n", "users:\n- name: u\n  user: {token: other}\n"),
      "refused",
    ],
    [
      "the same context name twice",
      () =>
        kubeconfig(secure(), "{token: t}").replace(
          "contexts: [{name: c, context: {cluster: k, user: u}}]",
          "contexts: [{name: c, context: {cluster: k, user: u}}, {name: c, context: {cluster: k}}]",
        ),
      "refused",
    ],
    // Impersonation: empty lists and mappings are unset.
    [
      "as-user-extra: {} and as-groups: [] without as",
      () => kubeconfig(secure(), "{token: tok-empty-extra, as-user-extra: {}, as-groups: []}"),
      { scheme: "https", authorization: "Bearer tok-empty-extra", impersonateUser: null },
    ],
    [
      "as-user-extra without as",
      () => kubeconfig(secure(), "{token: t, as-user-extra: {a: [b]}}"),
      "refused",
    ],
    // A user with token and tokenFile: the file's token while it can be read, else the token.
    [
      "token and a tokenFile that does not exist: the token is sent",
      () => kubeconfig(secure(), `{token: tok-inline, tokenFile: ${join(dir, "missing-token")}}`),
      { scheme: "https", authorization: "Bearer tok-inline", impersonateUser: null },
    ],
    [
      "token and an empty tokenFile: the token is sent",
      () => kubeconfig(secure(), `{token: tok-inline, tokenFile: ${tokenFile("empty-token", "")}}`),
      { scheme: "https", authorization: "Bearer tok-inline", impersonateUser: null },
    ],
    [
      "token and a tokenFile: the file's token is sent",
      () => kubeconfig(secure(), `{token: tok-inline, tokenFile: ${tokenFile("token", "tok-file\n")}}`),
      { scheme: "https", authorization: "Bearer tok-file", impersonateUser: null },
    ],
    // Go sends a token's bytes as they are (UTF-8); Node's server reads them as Latin-1
    [
      "a token that is not ASCII: its UTF-8 bytes",
      () => kubeconfig(secure(), '{token: "t\u00f6k\u20acn"}'),
      {
        scheme: "https",
        authorization: Buffer.from("Bearer t\u00f6k\u20acn", "utf8").toString("latin1"),
        impersonateUser: null,
      },
    ],
    [
      "a tokenFile whose token is not ASCII: its UTF-8 bytes",
      () => kubeconfig(secure(), `{tokenFile: ${tokenFile("utf8-token", "t\u00f6k\u20acn\n")}}`),
      {
        scheme: "https",
        authorization: Buffer.from("Bearer t\u00f6k\u20acn", "utf8").toString("latin1"),
        impersonateUser: null,
      },
    ],
    // Basic auth needs a username: a password alone is ignored when something else identifies the
    // user, and refused when nothing does (kubectl asks for the username, and fails without a terminal).
    ["a password without a username", () => kubeconfig(secure(), "{password: pw}"), "refused"],
    [
      "a password without a username, and a client certificate: the certificate only",
      () =>
        kubeconfig(
          secure(),
          `{password: pw, client-certificate: ${pki.paths.clientCert}, client-key: ${pki.paths.clientKey}}`,
        ),
      { scheme: "https", ...none },
    ],
    [
      "a password without a username, and an exec plugin: the plugin's token",
      () =>
        kubeconfig(
          secure(),
          `{password: pw, exec: {command: /bin/echo, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, ` +
            `args: ['{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "tok-exec"}}']}}`,
        ),
      { scheme: "https", authorization: "Bearer tok-exec", impersonateUser: null },
    ],
    [
      "a password without a username, and a tokenFile: the file's token",
      () => kubeconfig(secure(), `{password: pw, tokenFile: ${tokenFile("token-pw", "tok-file-pw\n")}}`),
      { scheme: "https", authorization: "Bearer tok-file-pw", impersonateUser: null },
    ],
    [
      "a username and a tokenFile",
      () => kubeconfig(secure(), `{username: me, tokenFile: ${tokenFile("token-user", "tok\n")}}`),
      "refused",
    ],
    // The oidc auth-provider: kubectl sends the id-token only with its issuer and client id, and only a
    // JWT that has not expired (it would refresh an expired one, which this client does not).
    [
      "oidc without idp-issuer-url",
      () =>
        kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(3600)}, client-id: c}}}`),
      "refused",
    ],
    [
      "oidc without client-id",
      () =>
        kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(3600)}, ${issuer}}}}`),
      "refused",
    ],
    [
      "oidc with an id-token that has not expired",
      () => kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(3600)}, ${oidc}}}}`),
      { scheme: "https", authorization: `Bearer ${jwt(3600)}`, impersonateUser: null },
    ],
    [
      "oidc with an id-token that expired",
      () => kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(-60)}, ${oidc}}}}`),
      "refused",
    ],
    [
      "oidc with an id-token that expires within 10s",
      () => kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(5)}, ${oidc}}}}`),
      "refused",
    ],
    [
      "oidc with an expired id-token and a refresh-token (kubectl's refresh fails: no issuer)",
      () =>
        kubeconfig(
          secure(),
          `{auth-provider: {name: oidc, config: {id-token: ${jwt(-60)}, refresh-token: r, ${oidc}}}}`,
        ),
      "refused",
    ],
    [
      "oidc with an id-token without exp",
      () => kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: ${jwt()}, ${oidc}}}}`),
      "refused",
    ],
    [
      "oidc with an id-token that is not a JWT",
      () => kubeconfig(secure(), `{auth-provider: {name: oidc, config: {id-token: not-a-jwt, ${oidc}}}}`),
      "refused",
    ],
    // A token, a token file or basic auth comes before the auth-provider: kubectl makes the provider
    // (so it must be supported and have its settings) but never asks it for its id-token.
    [
      "a token and oidc with an id-token that is not a JWT: the token",
      () =>
        kubeconfig(
          secure(),
          `{token: tok-first, auth-provider: {name: oidc, config: {id-token: x, ${oidc}}}}`,
        ),
      { scheme: "https", authorization: "Bearer tok-first", impersonateUser: null },
    ],
    [
      "a tokenFile and oidc with an expired id-token: the file's token",
      () =>
        kubeconfig(
          secure(),
          `{tokenFile: ${tokenFile("token-oidc", "tok-file-oidc\n")}, auth-provider: {name: oidc, config: {id-token: ${jwt(-60)}, ${oidc}}}}`,
        ),
      { scheme: "https", authorization: "Bearer tok-file-oidc", impersonateUser: null },
    ],
    [
      "basic auth and oidc without an id-token: basic auth",
      () =>
        kubeconfig(secure(), `{username: me, password: pw, auth-provider: {name: oidc, config: {${oidc}}}}`),
      { scheme: "https", authorization: `Basic ${b64("me:pw")}`, impersonateUser: null },
    ],
    [
      "a token and oidc without idp-issuer-url",
      () =>
        kubeconfig(secure(), `{token: t, auth-provider: {name: oidc, config: {id-token: x, client-id: c}}}`),
      "refused",
    ],
    [
      "a token and the gcp auth-provider",
      () => kubeconfig(secure(), "{token: t, auth-provider: {name: gcp}}"),
      "refused",
    ],
    [
      "a client certificate and oidc with an id-token that is not a JWT",
      () =>
        kubeconfig(
          secure(),
          `{client-certificate: ${pki.paths.clientCert}, client-key: ${pki.paths.clientKey}, auth-provider: {name: oidc, config: {id-token: x, ${oidc}}}}`,
        ),
      "refused",
    ],
    [
      "proxy-url with the socks scheme (kubectl takes socks5 only)",
      () =>
        kubeconfig(
          `{server: "${tls.url}", certificate-authority: ${pki.paths.caCert}, proxy-url: "socks://127.0.0.1:1"}`,
          "{token: t}",
        ),
      "refused",
    ],
  ];
  for (const [name, text, want] of cases) {
    test(name, async () => {
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
      writeFileSync(file, text());
      const kubectl = await kubectlSends(file);
      assert.deepEqual(kubectl, want, "kubectl does what this case says");
      assert.deepEqual(await weSend(file), kubectl);
    });
  }
});

describe("the decoder's parity with kubectl config view --raw (what each YAML value becomes)", () => {
  const dir = join(root, "decode");
  /** Go's omitempty: false, "", [] and {} are left out (kubectl prints none of them). */
  const omitEmpty = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(omitEmpty);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const y = omitEmpty(x);
        const empty =
          y === false ||
          y === "" ||
          (Array.isArray(y) && !y.length) ||
          (y && typeof y === "object" && !Object.keys(y).length);
        if (!empty) out[k] = y;
      }
      return out;
    }
    return v;
  };
  const doc = (user: string, cluster = "{server: https://k:6443}", extra = "") =>
    `apiVersion: v1\nkind: Config\n${extra}clusters: [{name: k, cluster: ${cluster}}]\nusers: [{name: u, user: ${user}}]\n`;
  const anchors = "a: &a {token: from-a, username: ua}\nb: &b {token: from-b, password: pb}\n";
  const cases: [string, string][] = [
    ["a merge key before explicit keys", doc("{<<: *a, token: explicit}", undefined, anchors)],
    ["a merge key after explicit keys", doc("{token: explicit, <<: *a}", undefined, anchors)],
    ["a list of merge keys: the first wins", doc("{<<: [*a, *b]}", undefined, anchors)],
    ["a duplicate key after a merge", doc("{<<: *a, token: e1, token: e2}", undefined, anchors)],
    ["a date stays a string", doc("{token: 2001-12-14}")],
    ["a leading underscore makes a string (_1, _0x1F)", doc("{token: _1, username: _0x1F}")],
    ["!!binary is decoded", doc("{token: !!binary aGVsbG8=}")],
    ["an unknown tag is ignored", doc("{token: !custom bar}")],
    ["sexagesimal-looking 1:30 is a string", doc("{token: 1:30}")],
    ["a hex number too big for 64 bits is a string", doc("{token: 0xFFFFFFFFFFFFFFFFFFFF}")],
    ["a float out of range is a string", doc("{token: 1e400}")],
    ["NULL is null, nULL and tRUE are strings", doc("{token: NULL, username: nULL, password: tRUE}")],
    ["map keys y, 1.5 and 0x1F", doc("{token: t, as: x, as-user-extra: {y: [a], 1.5: [b], 0x1F: [c]}}")],
    [
      "YAML 1.1 booleans on, Y, off",
      doc("{token: t}", "{server: https://k:6443, insecure-skip-tls-verify: on, disable-compression: Y}"),
    ],
    ["an empty value is null", doc("{token: t, tokenFile: }")],
    ["keys are case-sensitive", doc("{Token: t, token: u}", "{Server: https://x, server: https://k:6443}")],
    ["only the first YAML document", `${doc("{token: first}")}---\n${doc("{token: second}")}`],
    [
      "merge keys inside an extension",
      doc(
        "{token: t}",
        "{server: https://k:6443, extensions: [{name: e, extension: {<<: *a, x: [1, y]}}]}",
        anchors,
      ),
    ],
  ];
  for (const [name, text] of cases) {
    test(name, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
      writeFileSync(file, text);
      const { stdout } = await run(
        "kubectl",
        ["--kubeconfig", file, "config", "view", "--raw", "-o", "json"],
        {
          env: env(file),
        },
      );
      const kubectl = JSON.parse(stdout);
      const ours = parseKubeconfig(text, file);
      assert.deepEqual(omitEmpty(ours.users?.[0]?.user), omitEmpty(kubectl.users[0].user));
      assert.deepEqual(omitEmpty(ours.clusters?.[0]?.cluster), omitEmpty(kubectl.clusters[0].cluster));
    });
  }
});

describe("exec plugins see what kubectl's see (KUBERNETES_EXEC_INFO, args, env)", () => {
  const dir = join(root, "exec-info");
  const plugin = join(dir, "plugin.mjs");
  const seen = join(dir, "seen.json");
  before(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      plugin,
      `import { writeFileSync } from "node:fs";
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ info, args: process.argv.slice(2), foo: process.env.FOO ?? null }));
console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential", status: { token: "tok-exec" } }));
`,
    );
  });

  /** What the plugin saw when kubectl, then we, made one request with `file`. */
  async function seenBy(file: string): Promise<{ kubectl: unknown; ours: unknown }> {
    const read = async () => JSON.parse((await import("node:fs")).readFileSync(seen, "utf8"));
    writeFileSync(seen, "null");
    await run("kubectl", ["--kubeconfig", file, "get", "--raw", "/api", "--request-timeout=5s"], {
      env: env(file),
      timeout: 20_000,
    }).catch(() => undefined); // a proxy-url on a closed port fails after the plugin ran
    const kubectl = await read();
    writeFileSync(seen, "null");
    const { config } = await loadKubeconfig({ path: file });
    const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
    await client
      .request({ method: "GET", path: "/api" })
      .catch(() => undefined)
      .finally(() => client.close());
    return { kubectl, ours: await read() };
  }

  const user = (fields: string, env = "[{name: FOO, value: bar}]") =>
    `{exec: {command: ${process.execPath}, args: [${plugin}, "a b", "--x=1"], env: ${env}, provideClusterInfo: true${fields}}}`;
  const doc = (cluster: string, u: string) => `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: ${cluster}}]
users: [{name: u, user: ${u}}]
`;
  const cases: [string, () => string][] = [
    [
      "CA file, tls-server-name, proxy-url, disable-compression and the exec extension",
      () =>
        doc(
          `{server: "${s1.url}", certificate-authority: ${testPKI().paths.caCert}, tls-server-name: localhost, ` +
            `proxy-url: "http://127.0.0.1:1", disable-compression: true, ` +
            `extensions: [{name: client.authentication.k8s.io/exec, extension: {audience: aud, n: 1}}]}`,
          user(", apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never"),
        ),
    ],
    [
      "insecure-skip-tls-verify, v1beta1 without interactiveMode",
      () =>
        doc(
          `{server: "${s1.url}", insecure-skip-tls-verify: true}`,
          user(", apiVersion: client.authentication.k8s.io/v1beta1"),
        ),
    ],
    // Go's EnvVar has a plain string value: left out or null, it is "", and the variable is set empty.
    [
      "an env entry without a value sets the variable to the empty string",
      () =>
        doc(
          `{server: "${s1.url}", insecure-skip-tls-verify: true}`,
          user(", apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never", "[{name: FOO}]"),
        ),
    ],
    [
      "an env entry with value: null (v1beta1: another plugin than the case above, not its cached token)",
      () =>
        doc(
          `{server: "${s1.url}", insecure-skip-tls-verify: true}`,
          user(", apiVersion: client.authentication.k8s.io/v1beta1", "[{name: FOO, value: null}]"),
        ),
    ],
  ];
  for (const [name, text] of cases) {
    test(name, async () => {
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
      writeFileSync(file, text());
      const { kubectl, ours } = await seenBy(file);
      assert.ok(kubectl, "kubectl ran the plugin");
      assert.deepEqual(ours, kubectl);
    });
  }

  test("a PATH in exec.env is the plugin's: its command is looked up on kubectl's own PATH", async () => {
    const bin = join(dir, "bin");
    const other = join(dir, "bin-other");
    mkdirSync(bin, { recursive: true });
    mkdirSync(other, { recursive: true });
    const script = `#!/bin/sh\nexec "${process.execPath}" "${plugin}" "$@"\n`;
    writeFileSync(join(bin, "kc-parity-plugin"), script, { mode: 0o755 });
    writeFileSync(join(other, "kc-parity-elsewhere"), script, { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${saved}`;
    try {
      const file = (command: string) => {
        const f = join(dir, `path-${command}.yaml`);
        writeFileSync(
          f,
          doc(
            `{server: "${s1.url}", insecure-skip-tls-verify: true}`,
            `{exec: {command: ${command}, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, ` +
              `env: [{name: PATH, value: "${other}"}, {name: FOO, value: path-case}]}}`,
          ),
        );
        return f;
      };
      // On kubectl's PATH only: found, and run with the PATH of exec.env.
      const found = await seenBy(file("kc-parity-plugin"));
      assert.ok(found.kubectl, "kubectl ran the plugin");
      assert.deepEqual(found.ours, found.kubectl);
      // On the PATH of exec.env only: neither finds it.
      assert.deepEqual(await seenBy(file("kc-parity-elsewhere")), { kubectl: null, ours: null });
    } finally {
      process.env.PATH = saved;
    }
  });
});

test('KUBECONFIG=":" names no file: kubectl loads nothing (not ~/.kube/config), and neither do we', async () => {
  const home = join(root, "home-with-config");
  mkdirSync(join(home, ".kube"), { recursive: true });
  writeFileSync(
    join(home, ".kube/config"),
    "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://home.invalid:1'}}]\n",
  );
  for (const list of [delimiter, `${delimiter}${delimiter}`]) {
    const e = { ...process.env, KUBECONFIG: list, HOME: home };
    const { stdout } = await run("kubectl", ["config", "view", "-o", "json"], { env: e });
    assert.deepEqual(JSON.parse(stdout).clusters ?? [], [], "kubectl read no file");
    await assert.rejects(loadKubeconfig({ env: { KUBECONFIG: list, HOME: home } }), (err: unknown) => {
      assert.ok(err instanceof KubeconfigError, String(err));
      assert.match(err.message, /KUBECONFIG is ".*", which names no file/);
      return true;
    });
  }
  // Unset or empty, it is ~/.kube/config for both.
  const { stdout } = await run("kubectl", ["config", "view", "-o", "json"], {
    env: { ...process.env, KUBECONFIG: "", HOME: home },
  });
  assert.equal(JSON.parse(stdout).clusters[0].cluster.server, "https://home.invalid:1");
  const got = await loadKubeconfig({ env: { KUBECONFIG: "", HOME: home } });
  assert.equal(got.config.host, "https://home.invalid:1");
});

describe("exec plugin answers kubectl takes or refuses, and so do we", () => {
  const dir = join(root, "exec-answers");
  const plugin = join(dir, "plugin.mjs");
  let file: string;
  before(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(plugin, "console.log(process.env.ANSWER);\n");
    file = join(dir, "config");
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "${s1.url}", certificate-authority: ${testPKI().paths.caCert}}}]
users: [{name: u, user: {exec: {command: ${process.execPath}, args: [${plugin}], apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}}]
`,
    );
  });

  /** The Authorization kubectl / we send with the plugin printing `answer`, or "refused". */
  async function kubectlWith(answer: string): Promise<string> {
    const n = s1.requests.length;
    try {
      await run("kubectl", ["--kubeconfig", file, "get", "--raw", "/api", "--request-timeout=5s"], {
        env: { ...env(file), ANSWER: answer },
        timeout: 20_000,
      });
    } catch {
      return "refused";
    }
    return s1.requests.slice(n).find((r) => r.url.startsWith("/api"))?.headers.authorization ?? "none";
  }
  async function oursWith(answer: string): Promise<string> {
    const { clearExecCache } = await import("./exec.js");
    clearExecCache();
    const { config } = await loadKubeconfig({ path: file });
    const n = s1.requests.length;
    process.env.ANSWER = answer;
    const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
    try {
      await client.request({ method: "GET", path: "/api" });
    } catch (e) {
      const { ExecPluginError } = await import("./exec.js");
      assert.ok(e instanceof ExecPluginError, String(e));
      assert.ok(e.message.includes(file), e.message);
      return "refused";
    } finally {
      delete process.env.ANSWER;
      await client.close();
    }
    return s1.requests.slice(n).find((r) => r.url.startsWith("/api"))?.headers.authorization ?? "none";
  }

  const v1 = "client.authentication.k8s.io/v1";
  const answer = (o: object) => JSON.stringify({ apiVersion: v1, kind: "ExecCredential", ...o });
  const cases: [string, string, string][] = [
    ["a token", answer({ status: { token: "tok-a" } }), "Bearer tok-a"],
    ["no kind", JSON.stringify({ apiVersion: v1, status: { token: "tok-nokind" } }), "Bearer tok-nokind"],
    ["another kind", answer({ kind: "Foo", status: { token: "t" } }), "refused"],
    ["no apiVersion", JSON.stringify({ kind: "ExecCredential", status: { token: "t" } }), "refused"],
    ["a number as the token", answer({ status: { token: 5 } }), "refused"],
    ["status null", answer({ status: null }), "refused"],
    ["unknown status fields", answer({ status: { token: "tok-u", extra: 1 } }), "Bearer tok-u"],
    [
      "an RFC 3339 expirationTimestamp with an offset and nanoseconds",
      answer({ status: { token: "tok-rfc", expirationTimestamp: "2099-12-02T10:00:00.123456789+01:00" } }),
      "Bearer tok-rfc",
    ],
    [
      "an expirationTimestamp with a space instead of T",
      answer({ status: { token: "t", expirationTimestamp: "2099-12-02 10:00:00" } }),
      "refused",
    ],
    [
      "an expirationTimestamp in lower case",
      answer({ status: { token: "t", expirationTimestamp: "2099-12-02t10:00:00z" } }),
      "refused",
    ],
    ["an empty expirationTimestamp", answer({ status: { token: "t", expirationTimestamp: "" } }), "refused"],
    [
      "a null expirationTimestamp",
      answer({ status: { token: "tok-null", expirationTimestamp: null } }),
      "Bearer tok-null",
    ],
    ["a key without a certificate", answer({ status: { token: "t", clientKeyData: "k" } }), "refused"],
    ["text after the JSON", `${answer({ status: { token: "t" } })} trailing`, "refused"],
  ];
  for (const [name, out, want] of cases) {
    test(name, async () => {
      assert.equal(await kubectlWith(out), want, "kubectl does what this case says");
      assert.equal(await oursWith(out), want);
    });
  }
});

test("an installHint with terminal escapes: kubectl and we print the same, escapes shown as U+001B", async () => {
  const dir = join(root, "install-hint");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "config");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "${s1.url}", certificate-authority: ${testPKI().paths.caCert}}}]
users: [{name: u, user: {exec: {command: no-such-plugin-x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, installHint: "Install \\e[31mit\\e[0m:\\n\\tbrew install x \\a"}}}]
`,
  );
  const kubectl = await run("kubectl", ["--kubeconfig", file, "get", "--raw", "/api"], {
    env: env(file),
  }).then(
    () => assert.fail("kubectl ran a plugin that does not exist"),
    (e: { stderr: string }) => e.stderr.trimEnd(),
  );
  const hint = kubectl.slice(kubectl.lastIndexOf("\n\n") + 2);
  assert.equal(hint, "Install U+001B[31mitU+001B[0m:\n\tbrew install x U+0007");
  const { config } = await loadKubeconfig({ path: file });
  const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
  try {
    await assert.rejects(client.request({ method: "GET", path: "/api" }), (e: Error) => {
      assert.ok(e.message.endsWith(`\n${hint}`), e.message);
      return true;
    });
  } finally {
    await client.close();
  }
});

describe("kubeconfig files in other encodings: kubectl and we read or refuse the same", () => {
  const dir = join(root, "encodings");
  const text = () => `apiVersion: v1\r
kind: Config\r
current-context: c\r
contexts: [{name: c, context: {cluster: k, user: u}}]\r
clusters: [{name: k, cluster: {server: "${s1.url}", certificate-authority: ${testPKI().paths.caCert}}}]\r
users: [{name: u, user: {token: tok-encoded}}]\r
`;
  const utf16be = (s: string) => Buffer.from(s, "utf16le").swap16();
  const cases: [string, () => Buffer, string][] = [
    ["UTF-8 with a byte order mark, CRLF", () => Buffer.from(`\ufeff${text()}`), "Bearer tok-encoded"],
    [
      "UTF-16LE with a byte order mark",
      () => Buffer.from(`\ufeff${text()}`, "utf16le"),
      "Bearer tok-encoded",
    ],
    ["UTF-16BE with a byte order mark", () => utf16be(`\ufeff${text()}`), "Bearer tok-encoded"],
    ["UTF-16LE without a byte order mark", () => Buffer.from(text(), "utf16le"), "refused"],
    [
      "Latin-1 bytes in a value (not UTF-8)",
      () => Buffer.from(text().replace("tok-encoded", "tok-\u00e9"), "latin1"),
      "refused",
    ],
  ];
  for (const [name, bytes, want] of cases) {
    test(name, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
      writeFileSync(file, bytes());
      let n = s1.requests.length;
      const kubectl = await run(
        "kubectl",
        ["--kubeconfig", file, "get", "--raw", "/api", "--request-timeout=5s"],
        { env: env(file), timeout: 20_000 },
      ).then(
        () => s1.requests.slice(n).find((r) => r.url.startsWith("/api"))?.headers.authorization ?? "none",
        () => "refused",
      );
      assert.equal(kubectl, want, "kubectl does what this case says");
      let ours: string;
      try {
        const { config } = await loadKubeconfig({ path: file });
        n = s1.requests.length;
        const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
        await client.request({ method: "GET", path: "/api" }).finally(() => client.close());
        ours = s1.requests.slice(n).find((r) => r.url.startsWith("/api"))?.headers.authorization ?? "none";
      } catch (e) {
        assert.ok(e instanceof KubeconfigError, String(e));
        assert.match(e.message, /save it as UTF-8/);
        ours = "refused";
      }
      assert.equal(ours, want);
    });
  }
});

describe("entries without a name: kubectl's defaults for an empty reference, and ours", () => {
  const dir = join(root, "unnamed");
  let file: string;
  before(() => {
    mkdirSync(dir, { recursive: true });
    file = join(dir, "config");
    const ca = testPKI().paths.caCert;
    // No current-context; the unnamed context, cluster and user are what kubectl uses when none is named.
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
contexts:
- {name: no-cluster, context: {user: named}}
- {name: no-user, context: {cluster: named}}
- context: {cluster: named, user: named, namespace: unnamed-ns}
clusters:
- {name: named, cluster: {server: "${s1.url}", certificate-authority: ${ca}}}
- cluster: {server: "${s2.url}", certificate-authority: ${ca}}
users:
- {name: named, user: {token: tok-named}}
- user: {token: tok-unnamed}
`,
    );
  });

  function kubectlSends(args: string[]): Promise<Omit<Resolved, "user" | "context">> {
    return kubectlRequest(file, ["--kubeconfig", file, ...args]);
  }
  async function weResolve(overrides: KubeconfigOverrides): Promise<Omit<Resolved, "user" | "context">> {
    const got = await loadKubeconfig({ path: file, overrides });
    return { server: got.config.host, namespace: got.namespace, token: got.config.bearerToken ?? "" };
  }

  const cases: [string, string[], KubeconfigOverrides][] = [
    ["no current-context: the unnamed context", [], {}],
    [
      "a context without a cluster: the unnamed cluster",
      ["--context", "no-cluster"],
      { context: "no-cluster" },
    ],
    ["a context without a user: the unnamed user", ["--context", "no-user"], { context: "no-user" }],
    [
      "--cluster with no current-context: the unnamed context's user",
      ["--cluster", "named"],
      { cluster: "named" },
    ],
  ];
  for (const [name, args, overrides] of cases) {
    test(name, async () => {
      assert.deepEqual(await weResolve(overrides), await kubectlSends(args));
    });
  }
});
