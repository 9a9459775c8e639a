import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { credentialFor } from "./auth.js";
import { ConfigError } from "./errors.js";
import { type InClusterOptions, inClusterConfig, NotInClusterError } from "./incluster.js";
import { testPKI } from "./testing/tls.js";

const inPod = { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" };

/** A service-account directory as the kubelet lays it out; `files` overrides (null: leave out). */
function saDir(files: Record<string, string | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "rest-sa-"));
  const all: Record<string, string | null> = {
    token: "tok",
    "ca.crt": testPKI().caCert,
    namespace: "team-x",
    ...files,
  };
  for (const [name, text] of Object.entries(all)) if (text !== null) writeFileSync(join(dir, name), text);
  return dir;
}

/** inClusterConfig with the warnings it gives. */
async function load(dir: string, env: NodeJS.ProcessEnv = inPod, opts: InClusterOptions = {}) {
  const warnings: string[] = [];
  const config = await inClusterConfig({
    serviceAccountDir: dir,
    env,
    warn: (m) => warnings.push(m),
    ...opts,
  });
  return { config, warnings };
}

describe("inClusterConfig", () => {
  test("host from the environment; token, CA and namespace from the directory", async () => {
    const dir = saDir({ namespace: "team-x\n" });
    const { config, warnings } = await load(dir);
    assert.deepEqual(config, {
      host: "https://10.0.0.1:443",
      bearerToken: "tok",
      bearerTokenFile: join(dir, "token"),
      tls: { caFile: join(dir, "ca.crt") },
      namespace: "team-x",
    });
    assert.deepEqual(warnings, []);
  });

  test("an IPv6 host is bracketed (net.JoinHostPort)", async () => {
    const { config } = await load(saDir(), {
      KUBERNETES_SERVICE_HOST: "fd00::1",
      KUBERNETES_SERVICE_PORT: "6443",
    });
    assert.equal(config.host, "https://[fd00::1]:6443");
  });

  test("namespace: POD_NAMESPACE wins, else the file (trimmed), else default", async () => {
    assert.equal((await load(saDir(), { ...inPod, POD_NAMESPACE: "from-env" })).config.namespace, "from-env");
    assert.equal((await load(saDir({ namespace: null }))).config.namespace, "default");
    assert.equal((await load(saDir({ namespace: " \n" }))).config.namespace, "default");
    assert.equal((await load(saDir(), { ...inPod, POD_NAMESPACE: "" })).config.namespace, "team-x");
  });

  test("KUBERNETES_SERVICE_HOST or _PORT unset or empty: NotInClusterError naming them", async () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{}, /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/],
      [{ KUBERNETES_SERVICE_PORT: "443" }, /KUBERNETES_SERVICE_HOST is not set/],
      [{ KUBERNETES_SERVICE_HOST: "", KUBERNETES_SERVICE_PORT: "443" }, /KUBERNETES_SERVICE_HOST is not set/],
      [
        { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "" },
        /KUBERNETES_SERVICE_PORT is not set/,
      ],
    ];
    for (const [env, message] of cases) {
      await assert.rejects(inClusterConfig({ env, serviceAccountDir: saDir() }), (e: unknown) => {
        assert.ok(e instanceof NotInClusterError, String(e));
        assert.match(e.message, message);
        assert.match(e.message, /outside a pod use a kubeconfig/);
        return true;
      });
    }
  });

  test("a port that is not a number, a host that is no host: a ConfigError naming the variable", async () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [
        { ...inPod, KUBERNETES_SERVICE_PORT: "https" },
        /KUBERNETES_SERVICE_PORT is "https", which is not a port/,
      ],
      [{ ...inPod, KUBERNETES_SERVICE_PORT: "65536" }, /KUBERNETES_SERVICE_PORT is "65536"/],
      [{ ...inPod, KUBERNETES_SERVICE_PORT: "0" }, /KUBERNETES_SERVICE_PORT is "0"/],
      [{ ...inPod, KUBERNETES_SERVICE_PORT: " 443" }, /KUBERNETES_SERVICE_PORT is " 443"/],
      [
        { ...inPod, KUBERNETES_SERVICE_HOST: "[fd00::1]" },
        /KUBERNETES_SERVICE_HOST is "\[fd00::1\]", which is not an IPv6/,
      ],
      [{ ...inPod, KUBERNETES_SERVICE_HOST: "10.0.0.1:443" }, /KUBERNETES_SERVICE_HOST is "10.0.0.1:443"/],
      [
        { ...inPod, KUBERNETES_SERVICE_HOST: "api server" },
        /KUBERNETES_SERVICE_HOST is "api server", which is not a host/,
      ],
      [{ ...inPod, KUBERNETES_SERVICE_HOST: "h/x" }, /KUBERNETES_SERVICE_HOST is "h\/x"/],
    ];
    for (const [env, message] of cases) {
      await assert.rejects(load(saDir(), env), (e: unknown) => {
        assert.ok(e instanceof ConfigError && !(e instanceof NotInClusterError), String(e));
        assert.match(e.message, message);
        return true;
      });
    }
  });

  test("the token: trimmed; missing, empty or not a file is a ConfigError naming it (not NotInClusterError)", async () => {
    assert.equal((await load(saDir({ token: "\n  tok \n" }))).config.bearerToken, "tok");
    const missing = saDir({ token: null });
    const dirToken = saDir({ token: null });
    mkdirSync(join(dirToken, "token"));
    const cases: [string, RegExp][] = [
      [
        missing,
        /cannot read the service account token .*\/token: ENOENT; mount the pod's service account token/,
      ],
      [saDir({ token: "" }), /the service account token .*\/token is empty/],
      [saDir({ token: " \n" }), /the service account token .*\/token is empty/],
      [dirToken, /cannot read the service account token .*\/token: not a regular file/],
    ];
    for (const [dir, message] of cases) {
      await assert.rejects(load(dir), (e: unknown) => {
        assert.ok(e instanceof ConfigError && !(e instanceof NotInClusterError), String(e));
        assert.match(e.message, message);
        assert.ok(e.message.includes(join(dir, "token")), e.message);
        return true;
      });
    }
    rmSync(missing, { recursive: true });
  });

  test("ca.crt missing or without a PEM certificate: a warning naming it, the system roots (as client-go)", async () => {
    for (const [files, why] of [
      [{ "ca.crt": null }, /cannot read it \(ENOENT\)/],
      [{ "ca.crt": "not a certificate\n" }, /holds no PEM certificate/],
      [{ "ca.crt": testPKI().clientKey }, /holds no PEM certificate/],
      [
        { "ca.crt": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" },
        /holds no PEM certificate/,
      ],
    ] as const) {
      const dir = saDir(files);
      const { config, warnings } = await load(dir);
      assert.equal(config.tls, undefined);
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0]!.startsWith(`cannot use the cluster CA ${join(dir, "ca.crt")}: `), warnings[0]);
      assert.match(warnings[0]!, why);
      assert.match(warnings[0]!, /using the system roots instead/);
    }
  });
});

test("the in-cluster token is re-read once it is 50 s old, as client-go's cached file token source", async (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  const dir = saDir({ token: "first\n" });
  const { config } = await load(dir);
  const credential = credentialFor(config);
  assert.equal((await credential.refresh!()).authorization, "Bearer first");
  writeFileSync(join(dir, "token"), "second\n"); // the kubelet's rotation
  t.mock.timers.tick(49_999);
  assert.equal((await credential.refresh!()).authorization, "Bearer first");
  t.mock.timers.tick(1);
  assert.equal((await credential.refresh!()).authorization, "Bearer second");
  // A rotation that leaves the file unreadable keeps the last token, as client-go does.
  rmSync(join(dir, "token"));
  t.mock.timers.tick(50_000);
  assert.equal((await credential.refresh!()).authorization, "Bearer second");
});
