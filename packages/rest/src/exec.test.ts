import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { beforeEach, describe, test } from "node:test";
import { RESTClient } from "./client.js";
import type { ExecConfig, RestConfig } from "./config.js";
import { isUnauthorized } from "./errors.js";
import { clearExecCache, ExecPluginError, execRuns, lookPath } from "./exec.js";
import { json, localFixtures, startTestServer, type TestServer, testPKI } from "./testing/tls.js";

// A real plugin: counts its runs, records KUBERNETES_EXEC_INFO, prints an ExecCredential.
const dir = mkdtempSync(join(tmpdir(), "rest-exec-"));
const plugin = join(dir, "plugin.mjs");
writeFileSync(
  plugin,
  `
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const state = process.env.STATE;
const n = (existsSync(state) ? Number(readFileSync(state, "utf8")) : 0) + 1;
writeFileSync(state, String(n));
writeFileSync(state + ".info." + n, process.env.KUBERNETES_EXEC_INFO ?? "");
writeFileSync(state + ".pid", String(process.pid));
const mode = process.env.MODE ?? "token";
await new Promise((r) => setTimeout(r, Number(process.env.DELAY_MS ?? 0)));
if (mode === "fail") { console.error("plugin: cannot log in"); process.exit(3); }
if (mode === "garbage") { console.log("hello"); process.exit(0); }
if (mode === "raw") { console.log(process.env.RAW); process.exit(0); }
const status = {};
if (mode === "cert") { status.clientCertificateData = process.env.CERT; status.clientKeyData = process.env.KEY; }
else status.token = "tok-" + n;
const exp = process.env.EXPIRES_IN_MS;
if (exp) status.expirationTimestamp = new Date(Date.now() + Number(exp)).toISOString();
const apiVersion = process.env.ANSWER_VERSION ?? JSON.parse(process.env.KUBERNETES_EXEC_INFO).apiVersion;
console.log(JSON.stringify({ apiVersion, kind: "ExecCredential", status }));
`,
);

let stateN = 0;
function execConfig(
  env: Record<string, string> = {},
  extra: Partial<ExecConfig> = {},
): { exec: ExecConfig; state: string } {
  const state = join(dir, `state-${++stateN}`);
  return {
    state,
    exec: {
      command: process.execPath,
      args: [plugin],
      apiVersion: "client.authentication.k8s.io/v1",
      interactiveMode: "Never",
      env: Object.entries({ STATE: state, ...env }).map(([name, value]) => ({ name, value })),
      ...extra,
    },
  };
}
const runsOf = (state: string) => Number(readFileSync(state, "utf8"));

const { servers, clients } = localFixtures();
beforeEach(() => clearExecCache());

/** A server that accepts the tokens in `valid` (all "tok-*" when undefined). */
async function server(valid?: Set<string>, opts: { requestCert?: boolean } = {}): Promise<TestServer> {
  const s = await startTestServer((req, res, rec) => {
    const tok = req.headers.authorization?.replace(/^Bearer /, "");
    if (rec.clientCertCN || (tok && (valid ? valid.has(tok) : tok.startsWith("tok-"))))
      json(res, 200, { token: tok ?? null });
    else json(res, 401, { kind: "Status", code: 401, reason: "Unauthorized", message: "Unauthorized" });
  }, opts);
  servers.push(s);
  return s;
}

function client(s: TestServer, exec: ExecConfig, extra: Partial<RestConfig> = {}): RESTClient {
  const c = RESTClient.forConfig({
    host: s.url,
    tls: { caData: testPKI().caCert },
    rateLimiter: null,
    exec,
    ...extra,
  });
  clients.push(c);
  return c;
}

describe("exec credential plugins", () => {
  test("the token is used and cached; KUBERNETES_EXEC_INFO carries the spec and the cluster", async () => {
    const s = await server();
    const { exec, state } = execConfig({}, { provideClusterInfo: true, clusterConfig: { audience: "a" } });
    const c = client(s, exec);
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { token: "tok-1" });
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { token: "tok-1" });
    assert.equal(runsOf(state), 1);
    const info = JSON.parse(readFileSync(`${state}.info.1`, "utf8"));
    assert.equal(info.apiVersion, "client.authentication.k8s.io/v1");
    assert.equal(info.kind, "ExecCredential");
    assert.equal(info.spec.interactive, false);
    assert.equal(info.spec.cluster.server, s.url);
    assert.equal(
      Buffer.from(info.spec.cluster["certificate-authority-data"], "base64").toString(),
      testPKI().caCert,
    );
    assert.deepEqual(info.spec.cluster.config, { audience: "a" });
  });

  test("v1beta1 works and defaults interactiveMode; no cluster without provideClusterInfo", async () => {
    const s = await server();
    const { exec, state } = execConfig({}, { apiVersion: "client.authentication.k8s.io/v1beta1" });
    delete exec.interactiveMode;
    await client(s, exec).request({ method: "GET", path: "/x" });
    const info = JSON.parse(readFileSync(`${state}.info.1`, "utf8"));
    assert.equal(info.apiVersion, "client.authentication.k8s.io/v1beta1");
    assert.equal(info.spec.cluster, undefined);
  });

  test("single-flight: concurrent requests share one plugin run", async () => {
    const s = await server();
    const { exec, state } = execConfig({ DELAY_MS: "300" });
    const c = client(s, exec);
    const out = await Promise.all(
      Array.from({ length: 10 }, () => c.request<{ token: string }>({ method: "GET", path: "/x" })),
    );
    assert.deepEqual(new Set(out.map((o) => o.token)), new Set(["tok-1"]));
    assert.equal(runsOf(state), 1);
    assert.equal(execRuns(c.config), 1);
  });

  test("an expired credential is refreshed; a valid one is kept until its expirationTimestamp", async () => {
    const s = await server();
    const expired = execConfig({ EXPIRES_IN_MS: "-1000" });
    const c = client(s, expired.exec);
    await c.request({ method: "GET", path: "/x" });
    assert.deepEqual(await c.request({ method: "GET", path: "/x" }), { token: "tok-2" });
    assert.equal(runsOf(expired.state), 2);
    const fresh = execConfig({ EXPIRES_IN_MS: "3600000" });
    const c2 = client(s, fresh.exec);
    await c2.request({ method: "GET", path: "/x" });
    await c2.request({ method: "GET", path: "/x" });
    assert.equal(runsOf(fresh.state), 1);
  });

  test("after a 401 the plugin runs again once and the request is retried", async () => {
    const s = await server(new Set(["tok-2"]));
    const { exec, state } = execConfig();
    const c = client(s, exec);
    assert.deepEqual(await c.request({ method: "POST", path: "/x", body: {} }), { token: "tok-2" });
    assert.equal(runsOf(state), 2);
    assert.deepEqual(
      s.requests.map((r) => r.headers.authorization),
      ["Bearer tok-1", "Bearer tok-2"],
    );
    // A credential that keeps failing: one re-run, then the 401 is reported.
    const never = await server(new Set());
    const other = execConfig();
    await assert.rejects(client(never, other.exec).request({ method: "GET", path: "/x" }), isUnauthorized);
    assert.equal(runsOf(other.state), 2);
  });

  test("the cache key is the whole exec config plus the cluster", async () => {
    const s1 = await server();
    const s2 = await server();
    const { exec, state } = execConfig();
    await client(s1, exec).request({ method: "GET", path: "/x" });
    await client(s1, { ...exec }).request({ method: "GET", path: "/x" }); // same config, another object
    assert.equal(runsOf(state), 1);
    await client(s2, exec).request({ method: "GET", path: "/x" }); // another cluster
    assert.equal(runsOf(state), 2);
    await client(s1, { ...exec, args: [plugin, "--other"] }).request({ method: "GET", path: "/x" }); // other args
    assert.equal(runsOf(state), 3);
  });

  test("a client certificate from the plugin is presented", async () => {
    const s = await server(new Set(), { requestCert: true });
    const p = testPKI();
    const { exec } = execConfig({ MODE: "cert", CERT: p.clientCert, KEY: p.clientKey });
    await client(s, exec).request({ method: "GET", path: "/x" });
    assert.equal(s.requests[0]!.clientCertCN, "tester");
  });

  test("an explicit token wins over the plugin (client-go precedence)", async () => {
    const s = await server(new Set(["static"]));
    const { exec } = execConfig();
    assert.deepEqual(
      await client(s, exec, { bearerToken: "static" }).request({ method: "GET", path: "/x" }),
      { token: "static" },
    );
  });

  test("a plugin that does not finish is stopped after exec.timeoutMs, with an error that says so", async () => {
    const s = await server();
    const { exec, state } = execConfig({ DELAY_MS: "600000" }, { timeoutMs: 3000 });
    await assert.rejects(client(s, exec).request({ method: "GET", path: "/x" }), (e: unknown) => {
      assert.ok(e instanceof ExecPluginError, String(e));
      assert.match(e.message, /did not finish within 3s and was stopped/);
      assert.match(e.message, /exec\.timeoutMs/);
      return true;
    });
    // The plugin process is gone (SIGTERM, then SIGKILL).
    const pid = Number(readFileSync(`${state}.pid`, "utf8"));
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(), false, "the plugin was stopped");
    // The timeout is not part of the cache key: the same plugin with another limit shares the cache.
    assert.equal(
      execRuns({ host: s.url, tls: { caData: testPKI().caCert }, exec: { ...exec, timeoutMs: 1 } }),
      1,
    );
  });

  test("a bare command is looked up on this process's PATH, not on the PATH of exec.env (as Go's exec does)", async () => {
    const bin = mkdtempSync(join(tmpdir(), "rest-exec-bin-"));
    writeFileSync(join(bin, "rest-test-plugin"), `#!/bin/sh\nexec "${process.execPath}" "${plugin}"\n`, {
      mode: 0o755,
    });
    writeFileSync(join(bin, "not-executable"), "", { mode: 0o644 });
    mkdirSync(join(bin, "a-directory"));
    assert.equal(
      lookPath("rest-test-plugin", `/nonexistent${delimiter}${bin}`),
      join(bin, "rest-test-plugin"),
    );
    assert.equal(lookPath("not-executable", bin), undefined);
    assert.equal(lookPath("a-directory", bin), undefined);
    assert.equal(lookPath("./x/y", ""), "./x/y");
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${saved}`;
    try {
      const s = await server();
      const { exec } = execConfig({ PATH: "/nonexistent" }, { command: "rest-test-plugin", args: [] });
      assert.deepEqual(await client(s, exec).request({ method: "GET", path: "/x" }), { token: "tok-1" });
      // A command only on the PATH of exec.env is not found.
      const { exec: elsewhere } = execConfig({ PATH: bin }, { command: "rest-test-plugin", args: [] });
      process.env.PATH = saved;
      await assert.rejects(
        client(s, elsewhere).request({ method: "GET", path: "/x" }),
        /exec plugin "rest-test-plugin" .*was not found/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  test("failures say which plugin and what to do", async () => {
    const s = await server();
    const check = async (exec: ExecConfig, re: RegExp) =>
      assert.rejects(client(s, exec).request({ method: "GET", path: "/x" }), (e: unknown) => {
        assert.ok(e instanceof ExecPluginError, String(e));
        assert.match(e.message, re);
        return true;
      });
    await check(
      { ...execConfig().exec, command: "/nonexistent/kubectl-oidc", installHint: "install it with brew" },
      /was not found[\s\S]*install it with brew/,
    );
    // A terminal escape sequence in the hint is shown, not sent to the terminal (as kubectl does).
    await check(
      {
        ...execConfig().exec,
        command: "/nonexistent/x",
        installHint: "run \x1b[31mbrew\x1b[0m install x\n\tthen retry \u0007",
      },
      /\nrun U\+001B\[31mbrewU\+001B\[0m install x\n\tthen retry U\+0007$/,
    );
    await check(execConfig({ MODE: "fail" }).exec, /failed \(exit code 3\)/);
    await check(execConfig({ MODE: "garbage" }).exec, /not an ExecCredential/);
    await check(
      execConfig({ ANSWER_VERSION: "client.authentication.k8s.io/v1beta1" }).exec,
      /returned apiVersion/,
    );
    const raw = (status: object) =>
      execConfig({
        MODE: "raw",
        RAW: JSON.stringify({
          apiVersion: "client.authentication.k8s.io/v1",
          kind: "ExecCredential",
          status,
        }),
      }).exec;
    await check(raw({ token: 5 }), /returned status\.token that is not a string/);
    await check(
      raw({ token: "t", expirationTimestamp: "2030-01-02 15:04:05" }),
      /returned expirationTimestamp "2030-01-02 15:04:05", which is not an RFC 3339 time/,
    );
    const { exec: noMode } = execConfig();
    delete noMode.interactiveMode;
    await check(noMode, /interactiveMode must be set/);
    await check({ ...execConfig().exec, interactiveMode: "Always" }, /needs an interactive terminal/);
    await check(
      { ...execConfig().exec, apiVersion: "client.authentication.k8s.io/v1alpha1" },
      /is not supported/,
    );
  });
});
