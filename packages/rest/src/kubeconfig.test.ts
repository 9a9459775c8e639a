import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import { ConfigError } from "./errors.js";
import { NotInClusterError } from "./incluster.js";
import {
  buildConfigFromFlags,
  configFromKubeconfigText,
  KubeconfigError,
  kubeconfigPaths,
  loadKubeconfig,
} from "./kubeconfig.js";
import { testPKI } from "./testing/tls.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "rest-kc-"));
}

function write(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** Writes fileA as `name` in `d`, with the certificate files it names (a/certs/ca.crt, client.crt, abs/client.key). */
function writeA(d: string, name = "a/config"): string {
  const pki = testPKI();
  write(d, join(name, "../certs/ca.crt"), pki.caCert);
  write(d, join(name, "../../client.crt"), pki.clientCert);
  write(d, "abs/client.key", pki.clientKey);
  return write(d, name, fileA(join(d, "abs")));
}

// fileA names certificate files; kubectl (and so the loader) requires them to exist.
const fileA = (abs: string) => `
apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: c1
  cluster: {server: "https://a.example:6443", certificate-authority: certs/ca.crt}
users:
- name: u1
  user: {token: tok-a, client-certificate: ../client.crt, client-key: ${abs}/client.key}
contexts:
- name: ctx-a
  context: {cluster: c1, user: u1, namespace: team-a}
`;
const fileB = `
apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: c1
  cluster: {server: "https://b.example:6443"}
- name: c2
  cluster: {server: "https://c2.example:6443", tls-server-name: c2.internal}
users:
- name: u1
  user: {token: tok-b}
- name: u2
  user: {username: admin, password: hunter2}
contexts:
- name: ctx-a
  context: {cluster: c2, user: u2}
- name: ctx-b
  context: {cluster: c2, user: u2}
`;

describe("kubeconfig loading rules", () => {
  test("explicit path, else KUBECONFIG list (deduplicated, empty entries skipped), else ~/.kube/config", () => {
    assert.deepEqual(kubeconfigPaths({ path: "/x/config", env: { KUBECONFIG: "/a" } }), {
      files: ["/x/config"],
      explicit: true,
    });
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: ["/a", "", "/b", "/a"].join(delimiter) } }), {
      files: ["/a", "/b"],
      explicit: false,
    });
    assert.deepEqual(kubeconfigPaths({ env: { HOME: "/home/me" } }), {
      files: ["/home/me/.kube/config"],
      explicit: false,
    });
    // Set but naming no file (KUBECONFIG=$A:$B with both unset): no file, not ~/.kube/config.
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: delimiter, HOME: "/home/me" } }), {
      files: [],
      explicit: false,
    });
  });

  test("KUBECONFIG merge: first file to set current-context or define a name wins, entries not field-merged", async () => {
    const d = tmp();
    const a = writeA(d);
    const b = write(d, "b/config", fileB);
    const got = await loadKubeconfig({ env: { KUBECONFIG: [a, join(d, "missing"), b].join(delimiter) } });
    assert.equal(got.context, "ctx-a");
    assert.equal(got.cluster, "c1");
    assert.equal(got.user, "u1");
    assert.equal(got.namespace, "team-a");
    assert.equal(got.config.host, "https://a.example:6443");
    assert.equal(got.config.bearerToken, "tok-a");
    assert.equal(got.config.tls?.serverName, undefined);
    assert.deepEqual(got.files, [a, b]);
    // The second file's entries are still reachable.
    const b2 = await loadKubeconfig({
      env: { KUBECONFIG: [a, b].join(delimiter) },
      overrides: { context: "ctx-b" },
    });
    assert.equal(b2.config.host, "https://c2.example:6443");
    assert.equal(b2.config.tls?.serverName, "c2.internal");
    assert.equal(b2.config.username, "admin");
    assert.equal(b2.namespace, "default");
  });

  test("paths are relative to the file that holds them", async () => {
    const d = tmp();
    const a = writeA(d);
    const got = await loadKubeconfig({ path: a });
    assert.equal(got.config.tls?.caFile, join(d, "a/certs/ca.crt"));
    assert.equal(got.config.tls?.certFile, join(d, "client.crt"));
    assert.equal(got.config.tls?.keyFile, join(d, "abs/client.key"));
  });

  test("overrides: context, cluster, user, namespace, server (server clears tls-server-name)", async () => {
    const d = tmp();
    const env = { KUBECONFIG: [writeA(d), write(d, "b", fileB)].join(delimiter) };
    const got = await loadKubeconfig({
      env,
      overrides: { context: "ctx-b", cluster: "c1", user: "u1", namespace: "ns-x" },
    });
    assert.equal(got.config.host, "https://a.example:6443");
    assert.equal(got.config.bearerToken, "tok-a");
    assert.equal(got.namespace, "ns-x");
    assert.equal(got.config.namespace, "ns-x");
    const s = await loadKubeconfig({ env, overrides: { context: "ctx-b", server: "https://other:1" } });
    assert.equal(s.config.host, "https://other:1");
    assert.equal(s.config.tls?.serverName, undefined);
    const i = await loadKubeconfig({ env, overrides: { insecureSkipTLSVerify: true } });
    assert.equal(i.config.tls?.insecure, true);
    assert.equal(i.config.tls?.caFile, undefined);
  });

  test("data fields are base64-decoded; impersonation, exec and auth-provider are carried over", async () => {
    const ca = Buffer.from(testPKI().caCert);
    const got = await configFromKubeconfigText(
      `
current-context: c
clusters:
- name: k
  cluster:
    server: https://k:6443
    certificate-authority-data: ${ca.toString("base64")}
    proxy-url: http://proxy:3128
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: x}
users:
- name: u
  user:
    as: jane
    as-uid: "7"
    as-groups: [g1, g2]
    as-user-extra: {reason: [debug]}
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [--a]
      env: [{name: K, value: V}]
      interactiveMode: Never
      provideClusterInfo: true
contexts:
- name: c
  context: {cluster: k, user: u}
`,
      { baseDir: "/base" },
    );
    assert.deepEqual(Buffer.from(got.config.tls!.caData as Uint8Array), ca);
    assert.equal(got.config.proxyURL, "http://proxy:3128");
    assert.deepEqual(got.config.impersonate, {
      user: "jane",
      uid: "7",
      groups: ["g1", "g2"],
      extra: { reason: ["debug"] },
    });
    assert.equal(got.config.exec?.command, "/base/bin/plugin");
    assert.deepEqual(got.config.exec?.clusterConfig, { audience: "x" });
    assert.equal(got.config.exec?.interactiveMode, "Never");
    // kubectl's oidc provider needs the issuer, the client id and a JWT that has not expired.
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const idToken = `${part({ alg: "RS256" })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;
    const p = await configFromKubeconfigText(
      `current-context: c\nclusters: [{name: k, cluster: {server: 'https://k'}}]\nusers: [{name: u, user: {auth-provider: {name: oidc, config: {id-token: ${idToken}, idp-issuer-url: 'https://idp', client-id: cid}}}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n`,
    );
    assert.deepEqual(p.config.authProvider, {
      name: "oidc",
      config: { "id-token": idToken, "idp-issuer-url": "https://idp", "client-id": "cid" },
    });
  });

  test("YAML 1.1-style booleans and quoted numbers parse as Go's YAML does", async () => {
    const got = await configFromKubeconfigText(
      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://k', insecure-skip-tls-verify: True}}]\nusers: [{name: u, user: {token: '0123'}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n",
    );
    assert.equal(got.config.tls?.insecure, true);
    assert.equal(got.config.bearerToken, "0123");
  });

  test("no credentials for plain-http servers (like client-go)", async () => {
    const got = await configFromKubeconfigText(
      "current-context: c\nclusters: [{name: k, cluster: {server: 'http://k:8080'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n",
    );
    assert.equal(got.config.bearerToken, undefined);
  });
});

describe("kubeconfig errors name the file and entry, say what to do, and never leak secrets", () => {
  const check = (e: unknown, ...patterns: RegExp[]) => {
    assert.ok(e instanceof KubeconfigError, String(e));
    for (const p of patterns) assert.match(e.message, p);
    assert.doesNotMatch(e.message, /tok-a|tok-b|hunter2|s3cr3t/);
    return true;
  };

  test("missing explicit file", async () => {
    await assert.rejects(loadKubeconfig({ path: "/nonexistent/kc" }), (e) =>
      check(e, /\/nonexistent\/kc does not exist/),
    );
  });

  test("no kubeconfig anywhere", async () => {
    const d = tmp();
    await assert.rejects(loadKubeconfig({ env: { HOME: d } }), (e) =>
      check(e, /no kubeconfig found/, /KUBECONFIG/),
    );
  });

  test("invalid YAML: position only, no snippet of the file", async () => {
    const d = tmp();
    const p = write(d, "bad", "users:\n- name: u\n  user: {token: s3cr3t\n");
    await assert.rejects(loadKubeconfig({ path: p }), (e) =>
      check(e, /is not valid YAML/, /line \d+/, new RegExp(p)),
    );
  });

  test("unknown context, cluster and user", async () => {
    const d = tmp();
    const a = writeA(d);
    await assert.rejects(loadKubeconfig({ path: a, overrides: { context: "nope" } }), (e) =>
      check(e, /context "nope" not found/, /contexts: "ctx-a"/, new RegExp(a)),
    );
    await assert.rejects(loadKubeconfig({ path: a, overrides: { cluster: "nope" } }), (e) =>
      check(e, /cluster "nope"/, /clusters: "c1"/),
    );
    const ref = write(d, "ref", fileA(d).replace("user: u1, namespace", "user: ghost, namespace"));
    await assert.rejects(loadKubeconfig({ path: ref }), (e) =>
      check(e, /user "ghost", used by context "ctx-a"/, /add it/),
    );
  });

  test("no current-context; cluster without server; bad base64; token and basic auth together", async () => {
    await assert.rejects(
      () =>
        configFromKubeconfigText(
          "contexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: https://c}}]\n",
        ),
      (e) => check(e, /no current-context/, /use-context/),
    );
    await assert.rejects(
      () =>
        configFromKubeconfigText(
          "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {}}]\n",
        ),
      (e) => check(e, /cluster "c" .* has no server/),
    );
    await assert.rejects(
      () =>
        configFromKubeconfigText(
          "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: https://c}}]\nusers: [{name: u, user: {client-key-data: 's3cr3t!!'}}]\n",
        ),
      (e) => check(e, /user "u": users\[0\]\.user\.client-key-data is not valid base64/),
    );
    await assert.rejects(
      () =>
        configFromKubeconfigText(
          "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: https://c}}]\nusers: [{name: u, user: {token: tok-a, password: hunter2}}]\n",
        ),
      (e) => check(e, /more than one authentication method/),
    );
    // The same one check as a RestConfig's: a token file counts as a token (as in clientcmd), and an
    // exec section needs a command; both name the file and the user.
    for (const [user, pattern] of [
      ["{tokenFile: /t, username: me}", /user "u" has more than one authentication method/],
      [
        "{exec: {apiVersion: client.authentication.k8s.io/v1}}",
        /user "u" has an exec section without a command/,
      ],
    ] as const) {
      await assert.rejects(
        () =>
          configFromKubeconfigText(
            `current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: https://c}}]\nusers: [{name: u, user: ${user}}]\n`,
            { name: "/kc" },
          ),
        (e) => check(e, pattern, /kubeconfig \/kc/),
      );
    }
  });
});

describe("buildConfigFromFlags", () => {
  test("kubeconfig path with a master URL override; master URL alone", async () => {
    const d = tmp();
    const a = writeA(d);
    const c = await buildConfigFromFlags("https://override:443", a);
    assert.equal(c.host, "https://override:443");
    assert.equal(c.bearerToken, "tok-a");
    assert.equal(c.namespace, "team-a");
    assert.deepEqual(await buildConfigFromFlags("https://m:1", ""), {
      host: "https://m:1",
      namespace: "default",
    });
  });

  test("both empty: warns, uses the in-cluster config; without one an error, KUBECONFIG and ~/.kube/config unread", async () => {
    // client-go's BuildConfigFromFlags("", "") loads an explicit path of "": no KUBECONFIG, no ~/.kube/config.
    const d = tmp();
    const a = writeA(d);
    mkdirSync(join(d, ".kube"));
    writeFileSync(join(d, ".kube", "config"), readFileSync(a));
    const saved = { ...process.env };
    process.env.KUBECONFIG = a;
    process.env.HOME = d;
    delete process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_PORT;
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await assert.rejects(buildConfigFromFlags("", ""), (e: unknown) => {
        assert.ok(e instanceof ConfigError && !(e instanceof NotInClusterError), String(e));
        assert.match(
          e.message,
          /^no configuration has been provided: .*in-cluster config is unavailable \(unable to load in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set.*pass a kubeconfig path/,
        );
        assert.ok(e.cause instanceof NotInClusterError);
        return true;
      });
      const sa = join(d, "sa");
      mkdirSync(sa);
      writeFileSync(join(sa, "token"), "sa-token\n");
      writeFileSync(join(sa, "ca.crt"), testPKI().caCert);
      const c = await buildConfigFromFlags("", "", {
        serviceAccountDir: sa,
        env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
      });
      assert.equal(c.host, "https://10.0.0.1:443");
      assert.equal(c.bearerTokenFile, join(sa, "token"));
    } finally {
      process.stderr.write = orig;
      process.env = saved;
    }
    assert.match(writes.join(""), /using the in-cluster config/);
  });
});
