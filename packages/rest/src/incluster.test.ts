import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inClusterConfig, NotInClusterError } from "./incluster.js";

test("inClusterConfig: host from the environment, token file, CA and namespace from the directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rest-sa-"));
  writeFileSync(join(dir, "token"), "tok");
  writeFileSync(join(dir, "ca.crt"), "ca");
  writeFileSync(join(dir, "namespace"), "team-x\n");
  const c = await inClusterConfig({
    serviceAccountDir: dir,
    env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
  });
  assert.deepEqual(c, {
    host: "https://10.0.0.1:443",
    bearerTokenFile: join(dir, "token"),
    tls: { caFile: join(dir, "ca.crt") },
    namespace: "team-x",
  });
  const v6 = await inClusterConfig({
    serviceAccountDir: dir,
    env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443", POD_NAMESPACE: "from-env" },
  });
  assert.equal(v6.host, "https://[fd00::1]:6443");
  assert.equal(v6.namespace, "from-env");
});

test("inClusterConfig outside a cluster: a clear error", async () => {
  await assert.rejects(inClusterConfig({ env: {} }), (e: unknown) => {
    assert.ok(e instanceof NotInClusterError);
    assert.match(
      e.message,
      /not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set/,
    );
    return true;
  });
  await assert.rejects(
    inClusterConfig({
      serviceAccountDir: "/nonexistent",
      env: { KUBERNETES_SERVICE_HOST: "h", KUBERNETES_SERVICE_PORT: "1" },
    }),
    /cannot read \/nonexistent\/token/,
  );
});
