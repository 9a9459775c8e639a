// Bad input: malformed kubeconfigs and credentials. Each one ends in a typed error (KubeconfigError,
// or ExecPluginError for a plugin that misbehaves) that names the kubeconfig file and the entry, never
// a TypeError, never a hang, never a secret value from the input.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RESTClient } from "./client.js";
import type { RestConfig } from "./config.js";
import { ConfigError, TransportError } from "./errors.js";
import { ExecPluginError } from "./exec.js";
import { KubeconfigError, loadKubeconfig } from "./kubeconfig.js";
import { testPKI } from "./testing/tls.js";

const dir = mkdtempSync(join(tmpdir(), "rest-badinput-"));
const pki = testPKI();
const b64 = (s: string) => Buffer.from(s).toString("base64");

// Every secret of the inputs: none may appear in any message.
const token = "s3cr3t-token-0b5e";
const password = "s3cr3t-password-9c1d";
const idToken = "s3cr3t-id-token-77aa";
const proxyPassword = "s3cr3t-proxy-pw-41f0";
const keyData = b64(pki.clientKey);
const keyBody = pki.clientKey.split("\n")[1]!;
/** An unsigned JWT that expires `inSeconds` from now: its signature part is a secret too. */
const jwtSignature = "s3cr3tSignatureQ2k";
const jwt = (inSeconds: number) => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ exp: Math.floor(Date.now() / 1000) + inSeconds })}.${jwtSignature}`;
};
const oidcArgs = "idp-issuer-url: 'https://idp.example', client-id: c";
const secrets = [token, password, idToken, jwtSignature, proxyPassword, keyData, keyBody];

const files = {
  ca: pki.paths.caCert,
  cert: pki.paths.clientCert,
  key: pki.paths.clientKey,
  otherCA: pki.paths.otherCaCert,
  fifo: join(dir, "key.fifo"),
  tokenFifo: join(dir, "token.fifo"),
  notPEM: join(dir, "not-pem.crt"),
  missing: join(dir, "missing.pem"),
  // A plugin that never exits, one that prints garbage, one that fails, one that answers another apiVersion.
  hang: join(dir, "hang.mjs"),
  garbage: join(dir, "garbage.mjs"),
  fail: join(dir, "fail.mjs"),
  wrongVersion: join(dir, "wrong-version.mjs"),
};

before(() => {
  execFileSync("mkfifo", [files.fifo, files.tokenFifo]);
  writeFileSync(files.notPEM, "this is not a certificate\n");
  writeFileSync(files.hang, "setInterval(() => {}, 1000);\n");
  writeFileSync(files.garbage, `console.log("token: ${token}");\n`);
  writeFileSync(files.fail, `console.error("login failed"); process.exit(2);\n`);
  writeFileSync(
    files.wrongVersion,
    `console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token: "${token}" } }));\n`,
  );
});

const server = "https://127.0.0.1:1";
const cluster = (fields = "") => `{server: "${server}", certificate-authority: ${files.ca}${fields}}`;

/** A one-context kubeconfig with cluster "k" and user "u" (flow mappings), plus extra top-level YAML. */
const kc = (c: string, u: string, extra = "") => `apiVersion: v1
kind: Config
current-context: c
${extra}contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: ${c}}]
users: [{name: u, user: ${u}}]
`;
const exec = (fields: string) =>
  `{exec: {command: ${process.execPath}, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never${fields}}}`;

interface Case {
  name: string;
  text: string;
  /** What the message must name besides the file: the entry (or, for broken YAML, the position). */
  names: RegExp;
  /** The error's `entry`, when the error has one. */
  entry?: string;
  /** The error appears on the first request (an exec plugin), not at load. */
  onRequest?: boolean;
  /** The exec plugin's timeout for this case. */
  execTimeoutMs?: number;
}

const user = 'user "u"';
const clusterK = 'cluster "k"';
const cases: Case[] = [
  // -- YAML and document shape
  {
    name: "broken YAML",
    text: `users:\n- name: u\n  user: {token: ${token}\n`,
    names: /line \d+, column \d+/,
  },
  { name: "a list instead of a Config", text: "- a\n- b\n", names: /kind: Config/ },
  {
    name: "apiVersion v2",
    text: "apiVersion: v2\nkind: Config\n",
    names: /apiVersion "v2"/,
    entry: "apiVersion",
  },
  { name: "kind Pod", text: "apiVersion: v1\nkind: Pod\n", names: /kind "Pod"/, entry: "kind" },
  {
    name: "clusters as a mapping",
    text: "clusters: {k: {server: https://a}}\n",
    names: /clusters must be a list/,
    entry: "clusters",
  },
  {
    name: "two clusters without a name (one is kubectl's unnamed cluster)",
    text: "clusters: [{cluster: {server: https://a}}, {name: k, cluster: {server: https://k}}, {cluster: {server: https://b}}]\n",
    names: /clusters\[0\] and clusters\[2\] both have no name \(two clusters named ""\)/,
    entry: "clusters[2]",
  },
  {
    name: "a user name that is a number",
    text: `users: [{name: 5, user: {token: ${token}}}]\n`,
    names: /users\[0\]\.name must be a string/,
    entry: "users[0]",
  },
  {
    name: "current-context: 5",
    text: "current-context: 5\n",
    names: /current-context must be a string/,
    entry: "current-context",
  },
  {
    name: "a merge key on a scalar",
    text: kc(cluster(), `{<<: *s, token: ${token}}`, "x: &s just-a-string\n"),
    names: /users\[0\]\.user\.<< is a merge key/,
    entry: user,
  },
  {
    name: ".nan as a token",
    text: kc(cluster(), "{token: .nan}"),
    names: /users\[0\]\.user\.token is \.nan or \.inf/,
    entry: user,
  },
  // -- typing (YAML 1.1, then JSON types)
  {
    name: "server: 6443",
    text: kc("{server: 6443}", `{token: ${token}}`),
    names: /server must be a string/,
    entry: clusterK,
  },
  {
    name: "server: yes",
    text: kc("{server: yes}", `{token: ${token}}`),
    names: /server must be a string, but it is a boolean/,
    entry: clusterK,
  },
  {
    name: "token: no",
    text: kc(cluster(), "{token: no}"),
    names: /token must be a string, but it is a boolean/,
    entry: user,
  },
  {
    name: "token: 0x1F",
    text: kc(cluster(), "{token: 0x1F}"),
    names: /token must be a string, but it is a number/,
    entry: user,
  },
  { name: "token: 1e3", text: kc(cluster(), "{token: 1e3}"), names: /token must be a string/, entry: user },
  {
    name: "password: on",
    text: kc(cluster(), "{username: me, password: on}"),
    names: /password must be a string/,
    entry: user,
  },
  {
    name: 'insecure-skip-tls-verify: "false"',
    text: kc(`{server: "${server}", insecure-skip-tls-verify: "false"}`, `{token: ${token}}`),
    names: /insecure-skip-tls-verify must be a boolean/,
    entry: clusterK,
  },
  {
    name: "insecure-skip-tls-verify: 1",
    text: kc(`{server: "${server}", insecure-skip-tls-verify: 1}`, `{token: ${token}}`),
    names: /insecure-skip-tls-verify must be a boolean/,
    entry: clusterK,
  },
  {
    name: "exec args: [y]",
    text: kc(cluster(), exec(", args: [y]")),
    names: /exec\.args\[0\] must be a string/,
    entry: user,
  },
  {
    name: "exec env value: 5",
    text: kc(cluster(), exec(", env: [{name: X, value: 5}]")),
    names: /exec\.env\[0\]\.value must be a string/,
    entry: user,
  },
  {
    name: "exec env as a mapping",
    text: kc(cluster(), exec(", env: {X: y}")),
    names: /exec\.env must be a list/,
    entry: user,
  },
  {
    name: "as-groups: a string",
    text: kc(cluster(), `{token: ${token}, as: jane, as-groups: admins}`),
    names: /as-groups must be a list of strings/,
    entry: user,
  },
  {
    name: "as-user-extra values not lists",
    text: kc(cluster(), `{token: ${token}, as: jane, as-user-extra: {team: web}}`),
    names: /as-user-extra\.team must be a list of strings/,
    entry: user,
  },
  {
    name: "auth-provider config value: 123",
    text: kc(cluster(), "{auth-provider: {name: oidc, config: {id-token: 123}}}"),
    names: /auth-provider\.config\.id-token must be a string/,
    entry: user,
  },
  {
    name: "context namespace: a list",
    text: kc(cluster(), `{token: ${token}}`).replace("user: u}}]", "user: u, namespace: [a]}}]"),
    names: /context "c": contexts\[0\]\.context\.namespace must be a string/,
    entry: 'context "c"',
  },
  {
    name: "certificate-authority-data with a space",
    text: kc(
      `{server: "${server}", certificate-authority-data: "${b64(pki.caCert).slice(0, 8)} ${b64(pki.caCert).slice(8)}"}`,
      `{token: ${token}}`,
    ),
    names: /certificate-authority-data is not valid base64/,
    entry: clusterK,
  },
  {
    name: "client-key-data without padding",
    text: kc(
      cluster(),
      `{client-certificate-data: ${b64(pki.clientCert)}, client-key-data: ${keyData.replace(/=+$/, "")}x}`,
    ),
    names: /client-key-data is not valid base64/,
    entry: user,
  },
  // -- names
  {
    name: "the same cluster twice",
    text: kc(cluster(), `{token: ${token}}`).replace(
      "clusters: [",
      `clusters: [{name: k, cluster: {server: "https://b"}}, `,
    ),
    names: /cluster "k" is defined twice/,
    entry: clusterK,
  },
  {
    name: "the same user twice (tokens not shown)",
    text: kc(cluster(), `{token: ${token}}`).replace(
      "users: [",
      `users: [{name: u, user: {password: ${password}}}, `,
    ),
    names: /user "u" is defined twice/,
    entry: user,
  },
  {
    name: "the same context twice",
    text: kc(cluster(), `{token: ${token}}`).replace(
      "contexts: [",
      "contexts: [{name: c, context: {cluster: k}}, ",
    ),
    names: /context "c" is defined twice/,
    entry: 'context "c"',
  },
  {
    name: "a context that names a missing user",
    text: kc(cluster(), `{token: ${token}}`).replace("user: u}}]", "user: ghost}}]"),
    names: /user "ghost", used by context "c"/,
    entry: 'user "ghost"',
  },
  // -- the server
  {
    name: "server: not a url",
    text: kc("{server: not a url}", `{token: ${token}}`),
    names: /cluster "k" .*is not a URL/,
    entry: clusterK,
  },
  {
    name: "server: ftp://",
    text: kc('{server: "ftp://a:1"}', `{token: ${token}}`),
    names: /cluster "k" .*scheme ftp:/,
    entry: clusterK,
  },
  {
    name: "server: host:port/path",
    text: kc('{server: "a:1/p"}', `{token: ${token}}`),
    names: /cluster "k" .*host must be a URL/,
    entry: clusterK,
  },
  {
    name: "server: '6443'",
    text: kc("{server: '6443'}", `{token: ${token}}`),
    names: /cluster "k" .*host "6443"/,
    entry: clusterK,
  },
  {
    name: "no server",
    text: kc("{insecure-skip-tls-verify: true}", `{token: ${token}}`),
    names: /cluster "k" .*has no server/,
    entry: clusterK,
  },
  {
    name: "server with a password in it, and a bad scheme",
    text: kc(`{server: "ftp://me:${password}@a:1"}`, `{token: ${token}}`),
    names: /cluster "k" .*scheme ftp:/,
    entry: clusterK,
  },
  // -- TLS
  {
    name: "insecure-skip-tls-verify with a CA",
    text: kc(cluster(", insecure-skip-tls-verify: true"), `{token: ${token}}`),
    names: /cluster "k" .*specifying a root certificates file with the insecure flag is not allowed/,
    entry: clusterK,
  },
  {
    name: "certificate-authority-data and certificate-authority",
    text: kc(cluster(`, certificate-authority-data: ${b64(pki.caCert)}`), `{token: ${token}}`),
    names: /cluster "k" .*both certificate-authority-data and certificate-authority/,
    entry: clusterK,
  },
  {
    name: "certificate-authority-data that is not PEM",
    text: kc(`{server: "${server}", certificate-authority-data: ${b64("hello")}}`, `{token: ${token}}`),
    names: /cluster "k" .*not a PEM CA certificate/,
    entry: clusterK,
  },
  {
    name: "a certificate-authority file that is not PEM",
    text: kc(`{server: "${server}", certificate-authority: ${files.notPEM}}`, `{token: ${token}}`),
    names: /cluster "k" .*not a PEM CA certificate/,
    entry: clusterK,
  },
  {
    name: "a missing certificate-authority file",
    text: kc(`{server: "${server}", certificate-authority: ${files.missing}}`, `{token: ${token}}`),
    names: /cluster "k" has certificate-authority .*missing\.pem, which does not exist/,
    entry: clusterK,
  },
  {
    name: "a certificate-authority that is a directory",
    text: kc(`{server: "${server}", certificate-authority: ${dir}}`, `{token: ${token}}`),
    names: /cluster "k" .*is a directory/,
    entry: clusterK,
  },
  {
    name: "client-certificate-data and client-certificate",
    text: kc(
      cluster(),
      `{client-certificate-data: ${b64(pki.clientCert)}, client-certificate: ${files.cert}, client-key-data: ${keyData}}`,
    ),
    names: /user "u" sets both client-certificate-data and client-certificate/,
    entry: user,
  },
  {
    name: "client-key-data and client-key",
    text: kc(
      cluster(),
      `{client-certificate: ${files.cert}, client-key: ${files.key}, client-key-data: ${keyData}}`,
    ),
    names: /user "u" sets both client-key-data and client-key/,
    entry: user,
  },
  {
    name: "a client certificate without a key",
    text: kc(cluster(), `{client-certificate: ${files.cert}}`),
    names: /user "u" has a client certificate without its key/,
    entry: user,
  },
  {
    name: "a client-key that is a FIFO (no blocking read)",
    text: kc(cluster(), `{client-certificate: ${files.cert}, client-key: ${files.fifo}}`),
    names: /user "u" has client-key .*key\.fifo, which is a named pipe/,
    entry: user,
  },
  {
    name: "a missing client-key file",
    text: kc(cluster(), `{client-certificate: ${files.cert}, client-key: ${files.missing}}`),
    names: /user "u" has client-key .*, which does not exist/,
    entry: user,
  },
  {
    name: "a client-key that is a directory (unreadable)",
    text: kc(cluster(), `{client-certificate: ${files.cert}, client-key: ${dir}}`),
    names: /user "u" has client-key .*, which is a directory/,
    entry: user,
  },
  {
    name: "client-certificate-data that is not PEM",
    text: kc(cluster(), `{client-certificate-data: ${b64("nope")}, client-key-data: ${keyData}}`),
    names: /user "u" has client-certificate-data that is not a PEM certificate/,
    entry: user,
  },
  {
    name: "client-key-data that is not a key",
    text: kc(
      cluster(),
      `{client-certificate-data: ${b64(pki.clientCert)}, client-key-data: ${b64(`${token}\n`)}}`,
    ),
    names: /user "u" has client-key-data that is not an unencrypted PEM private key/,
    entry: user,
  },
  {
    name: "a client key that belongs to another certificate",
    text: kc(cluster(), `{client-certificate: ${files.otherCA}, client-key: ${files.key}}`),
    names: /user "u" has client-key .* that does not belong to client-certificate/,
    entry: user,
  },
  // -- proxies: the message names the cluster and its server, and hides the proxy's password
  {
    name: "proxy-url with ftp",
    text: kc(cluster(', proxy-url: "ftp://p:1"'), `{token: ${token}}`),
    names: /cluster "k" \(server "https:\/\/127\.0\.0\.1:1"\) has proxy-url "ftp:\/\/p:1"/,
    entry: clusterK,
  },
  {
    name: "proxy-url that is not a URL, with a password",
    text: kc(cluster(`, proxy-url: "http://me:${proxyPassword}@a b:1"`), `{token: ${token}}`),
    names: /cluster "k" \(server "https:\/\/127\.0\.0\.1:1"\) has a proxy-url that is not a URL/,
    entry: clusterK,
  },
  {
    name: "proxy-url with a password and the socks scheme",
    text: kc(cluster(`, proxy-url: "socks://me:${proxyPassword}@p:1"`), `{token: ${token}}`),
    names: /cluster "k" .*proxy-url "socks:\/\/…@p:1"/,
    entry: clusterK,
  },
  // -- credentials
  {
    name: "a token and basic auth",
    text: kc(cluster(), `{token: ${token}, username: me, password: ${password}}`),
    names: /user "u" has more than one authentication method/,
    entry: user,
  },
  {
    name: "a missing tokenFile",
    text: kc(cluster(), `{tokenFile: ${files.missing}}`),
    names: /user "u" has tokenFile .*, which does not exist/,
    entry: user,
  },
  {
    name: "a tokenFile that is a FIFO",
    text: kc(cluster(), `{tokenFile: ${files.tokenFifo}}`),
    names: /user "u" has tokenFile .*token\.fifo, which is a named pipe/,
    entry: user,
  },
  {
    name: "as-groups without as",
    text: kc(cluster(), `{token: ${token}, as-groups: [admins]}`),
    names: /user "u" sets as-uid, as-groups or as-user-extra without as/,
    entry: user,
  },
  {
    name: "auth-provider gcp",
    text: kc(cluster(), "{auth-provider: {name: gcp}}"),
    names: /user "u" cannot be used: its auth-provider "gcp" is unsupported.*gke-gcloud-auth-plugin/,
    entry: user,
  },
  {
    name: "auth-provider oidc without an id-token",
    text: kc(cluster(), `{auth-provider: {name: oidc, config: {refresh-token: ${token}, ${oidcArgs}}}}`),
    names: /user "u" cannot be used: its auth-provider oidc has no id-token/,
    entry: user,
  },
  {
    name: "auth-provider oidc without idp-issuer-url",
    text: kc(cluster(), `{auth-provider: {name: oidc, config: {id-token: ${jwt(3600)}, client-id: c}}}`),
    names:
      /user "u" cannot be used: its auth-provider oidc has no idp-issuer-url .*"Must provide idp-issuer-url"/,
    entry: user,
  },
  {
    name: "auth-provider oidc with an id-token that is not a JWT",
    text: kc(cluster(), `{auth-provider: {name: oidc, config: {id-token: ${idToken}, ${oidcArgs}}}}`),
    names: /user "u" cannot be used: its auth-provider oidc has an id-token that is not a JWT/,
    entry: user,
  },
  {
    name: "auth-provider oidc with an expired id-token and a refresh-token",
    text: kc(
      cluster(),
      `{auth-provider: {name: oidc, config: {id-token: ${jwt(-60)}, refresh-token: ${token}, ${oidcArgs}}}}`,
    ),
    names:
      /user "u" cannot be used: its auth-provider oidc has an id-token that expired at .*does not refresh it.*run any kubectl command/,
    entry: user,
  },
  {
    name: "exec and auth-provider",
    text: kc(
      cluster(),
      `{exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}, auth-provider: {name: oidc, config: {id-token: ${idToken}}}}`,
    ),
    names: /user "u" has both an exec plugin and an auth-provider/,
    entry: user,
  },
  {
    name: "exec without a command",
    text: kc(cluster(), "{exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}"),
    names: /user "u" has an exec section without a command/,
    entry: user,
  },
  {
    name: "exec without an apiVersion",
    text: kc(cluster(), `{exec: {command: ${process.execPath}, interactiveMode: Never}}`),
    names: /user "u" has an exec section that has no apiVersion/,
    entry: user,
  },
  {
    name: "exec apiVersion v1alpha1",
    text: kc(cluster(), exec("").replace("/v1,", "/v1alpha1,")),
    names: /user "u" has an exec section that has apiVersion "client\.authentication\.k8s\.io\/v1alpha1"/,
    entry: user,
  },
  {
    name: "exec v1 without interactiveMode",
    text: kc(
      cluster(),
      `{exec: {command: ${process.execPath}, apiVersion: client.authentication.k8s.io/v1}}`,
    ),
    names: /user "u" has an exec section that needs interactiveMode/,
    entry: user,
  },
  {
    name: "exec interactiveMode: Sometimes",
    text: kc(cluster(), exec("").replace("Never", "Sometimes")),
    names: /user "u" has an exec section that has interactiveMode "Sometimes"/,
    entry: user,
  },
  {
    name: "exec env entry without a name",
    text: kc(cluster(), exec(", env: [{value: x}]")),
    names: /user "u" has an exec section that has an env entry without a name/,
    entry: user,
  },
  // -- exec plugins that misbehave when they run (ExecPluginError, naming the plugin and its user)
  {
    name: "an exec plugin that never exits",
    text: kc(cluster(), exec(`, args: [${files.hang}]`)),
    names: /exec plugin .* \(user "u" in kubeconfig .*\) did not finish within 0\.5s and was stopped/,
    onRequest: true,
    execTimeoutMs: 500,
  },
  {
    name: "an exec plugin that prints garbage (with the token in it)",
    text: kc(cluster(), exec(`, args: [${files.garbage}]`)),
    names: /exec plugin .* \(user "u" in kubeconfig .*\) printed something that is not an ExecCredential/,
    onRequest: true,
  },
  {
    name: "an exec plugin that fails",
    text: kc(cluster(), exec(`, args: [${files.fail}]`)),
    names: /exec plugin .* \(user "u" in kubeconfig .*\) failed \(exit code 2\)/,
    onRequest: true,
  },
  {
    name: "an exec plugin that answers another apiVersion",
    text: kc(cluster(), exec(`, args: [${files.wrongVersion}]`)),
    names: /exec plugin .* \(user "u" in kubeconfig .*\) returned apiVersion/,
    onRequest: true,
  },
  {
    name: "an exec plugin that is not installed",
    text: kc(cluster(), exec("").replace(process.execPath, join(dir, "no-such-plugin"))),
    names: /exec plugin .*no-such-plugin" \(user "u" in kubeconfig .*\) was not found/,
    onRequest: true,
  },
];

describe(`bad kubeconfigs and credentials (${cases.length} cases): typed errors naming file and entry, no secrets`, () => {
  for (const [i, c] of cases.entries()) {
    test(c.name, { timeout: 20_000 }, async () => {
      const file = join(dir, `case-${i}.yaml`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, c.text);
      let err: unknown;
      try {
        const { config } = await loadKubeconfig({ path: file });
        assert.ok(c.onRequest, "the kubeconfig loaded, but this case must be refused at load");
        if (config.exec && c.execTimeoutMs) config.exec.timeoutMs = c.execTimeoutMs;
        const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
        try {
          await client.request({ method: "GET", path: "/api" });
        } finally {
          await client.close();
        }
        assert.fail("the request succeeded");
      } catch (e) {
        err = e;
      }
      assert.ok(!(err instanceof TypeError), `a TypeError: ${(err as Error)?.stack}`);
      const want = c.onRequest ? ExecPluginError : KubeconfigError;
      assert.ok(err instanceof want, `${want.name} expected, got ${(err as Error)?.stack ?? err}`);
      const message = (err as Error).message;
      assert.ok(message.includes(file), `the message names the file ${file}: ${message}`);
      assert.match(message, c.names);
      if (c.entry !== undefined) assert.equal((err as KubeconfigError).entry, c.entry);
      if (err instanceof KubeconfigError) assert.deepEqual(err.files, [file]);
      for (const s of secrets) assert.ok(!message.includes(s), `the message shows a secret: ${message}`);
    });
  }
});

describe("a RestConfig made by hand gets the same host and TLS rules when its client is made", () => {
  const cases: [string, () => RestConfig, RegExp][] = [
    [
      "insecure with a CA",
      () => ({ host: server, tls: { insecure: true, caData: pki.caCert } }),
      /specifying a root certificates file with the insecure flag is not allowed/,
    ],
    [
      "a key file that is a FIFO (no blocking read)",
      () => ({ host: server, tls: { certFile: files.cert, keyFile: files.fifo } }),
      /client key file .*key\.fifo: not a regular file/,
    ],
    [
      "a CA file that is a directory",
      () => ({ host: server, tls: { caFile: dir } }),
      /certificate authority file .*: not a regular file/,
    ],
    [
      "a proxyURL with an unsupported scheme: the proxy and the API server are named",
      () => ({ host: server, proxyURL: `ftp://me:${proxyPassword}@proxy.example:21` }),
      /the proxy \(proxyURL\) for the API server 127\.0\.0\.1:1, ftp:\/\/proxy\.example, has the scheme ftp:/,
    ],
    [
      "a proxyURL that is not a URL",
      () => ({ host: server, proxyURL: `http://me:${proxyPassword}@a b:1` }),
      /the proxy \(proxyURL\) for the API server 127\.0\.0\.1:1 is not a valid URL/,
    ],
    ["a host that is not a URL", () => ({ host: "not a url" }), /RestConfig.host "not a url" is not a URL/],
    ["an empty host", () => ({ host: "  " }), /RestConfig.host is empty/],
    [
      "a host that is a number (as a JSON config may have it)",
      () => ({ host: 6443 as unknown as string }),
      /RestConfig.host is a number \(6443\)/,
    ],
    ["a host with another scheme", () => ({ host: "ftp://127.0.0.1:21" }), /has scheme ftp:/],
  ];
  for (const [name, config, re] of cases) {
    test(name, { timeout: 20_000 }, () => {
      assert.throws(
        () => RESTClient.forConfig(config()),
        (e: unknown) =>
          e instanceof ConfigError && re.test(e.message) && !secrets.some((x) => e.message.includes(x)),
      );
    });
  }
});

describe("a kubeconfig proxy that fails at run time: the error names the proxy and the API server", () => {
  let refusing: { port: number; close(): void };
  let closedPort: number;
  before(async () => {
    const { createServer } = await import("node:http");
    const { createServer: tcp } = await import("node:net");
    const proxy = createServer();
    proxy.on("connect", (_req, socket) => socket.end("HTTP/1.1 403 Forbidden\r\n\r\n"));
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    refusing = { port: (proxy.address() as import("node:net").AddressInfo).port, close: () => proxy.close() };
    // A port nobody listens on: open one, note it, close it.
    const probe = tcp();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    closedPort = (probe.address() as import("node:net").AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  after(() => refusing?.close());

  const apiServer = "https://10.255.0.1:6443";
  const cases: [string, () => string, RegExp][] = [
    [
      "the proxy refuses the connection",
      () => `http://me:${proxyPassword}@127.0.0.1:${closedPort}`,
      /connection refused by the proxy 127\.0\.0\.1:\d+ \(for the API server 10\.255\.0\.1:6443\): is the proxy running\?/,
    ],
    [
      "the proxy refuses to tunnel (403 to CONNECT)",
      () => `http://127.0.0.1:${refusing.port}`,
      /the proxy 127\.0\.0\.1:\d+ \(for the API server 10\.255\.0\.1:6443\) did not open a tunnel to the API server \(Proxy response \(403\)/,
    ],
  ];
  for (const [name, proxyURL, re] of cases) {
    test(name, { timeout: 20_000 }, async () => {
      const file = join(dir, `proxy-${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
      writeFileSync(
        file,
        kc(
          `{server: "${apiServer}", certificate-authority: ${files.ca}, proxy-url: "${proxyURL()}"}`,
          `{token: ${token}}`,
        ),
      );
      const { config } = await loadKubeconfig({ path: file });
      const client = RESTClient.forConfig({ ...config, maxRetries: 0 });
      try {
        await assert.rejects(client.request({ method: "GET", path: "/api" }), (e: unknown) => {
          assert.ok(e instanceof TransportError, String(e));
          assert.match(e.message, re);
          assert.match(e.message, /^GET https:\/\/10\.255\.0\.1:6443\/api: /);
          for (const s of secrets) assert.ok(!e.message.includes(s), e.message);
          return true;
        });
      } finally {
        await client.close();
      }
    });
  }
});

test("an empty kubeconfig passed by path, and a directory in KUBECONFIG, say what they are", async () => {
  const empty = join(dir, "empty.yaml");
  writeFileSync(empty, "");
  await assert.rejects(loadKubeconfig({ path: empty }), (e: unknown) => {
    assert.ok(e instanceof KubeconfigError);
    assert.match(e.message, /empty\.yaml has no clusters and no contexts \(an empty kubeconfig\); add them/);
    assert.doesNotMatch(e.message, /pass a kubeconfig path/, "a path was passed");
    return true;
  });
  const adir = join(dir, "a-directory");
  mkdirSync(adir, { recursive: true });
  await assert.rejects(loadKubeconfig({ path: adir }), /a-directory is a directory, not a kubeconfig file/);
});
