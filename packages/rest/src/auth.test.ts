import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mock, test } from "node:test";
import { credentialFor, credentialSource } from "./auth.js";
import type { RestConfig } from "./config.js";

/** The name of the source a config's credential comes from. */
const authMode = (c: RestConfig) => credentialSource(c)?.name ?? "none";

test("a token file is re-read once its copy is 50 s old (client-go: a minute less a 10 s leeway)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "rest-auth-")), "token");
  writeFileSync(file, "first\n");
  mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  try {
    const a = credentialFor({ host: "https://h", bearerTokenFile: file });
    assert.equal((await a.refresh!()).authorization, "Bearer first");
    writeFileSync(file, "second");
    mock.timers.tick(49_000);
    assert.equal((await a.refresh!()).authorization, "Bearer first");
    mock.timers.tick(1_000);
    assert.equal((await a.refresh!()).authorization, "Bearer second");
  } finally {
    mock.timers.reset();
  }
});

test("a missing token file names the path and never a token", async () => {
  const a = credentialFor({ host: "https://h", bearerTokenFile: "/nonexistent/token" });
  await assert.rejects(a.refresh!(), /cannot read bearer token file \/nonexistent\/token: ENOENT/);
});

test("a token file that cannot be read or is empty: the last token read from it, else bearerToken (client-go)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "rest-auth-")), "token");
  // A kubeconfig user with token and tokenFile: kubectl sends the token while the file is missing or empty.
  const both = credentialFor({ host: "https://h", bearerToken: "inline", bearerTokenFile: file });
  assert.equal((await both.refresh!()).authorization, "Bearer inline");
  writeFileSync(file, "\n");
  assert.equal((await both.refresh!()).authorization, "Bearer inline");
  writeFileSync(file, "from-file\n");
  assert.equal((await both.refresh!()).authorization, "Bearer from-file");
  // A rotation that empties or removes the file keeps the last token read (client-go's cached token).
  const only = credentialFor({ host: "https://h", bearerTokenFile: file });
  assert.equal((await only.refresh!()).authorization, "Bearer from-file");
  mock.timers.enable({ apis: ["Date"], now: Date.now() + 61_000 });
  try {
    writeFileSync(file, "");
    assert.equal((await only.refresh!()).authorization, "Bearer from-file");
    rmSync(file);
    assert.equal((await only.refresh!()).authorization, "Bearer from-file");
  } finally {
    mock.timers.reset();
  }
  // With neither, the request fails and says why.
  writeFileSync(file, "");
  await assert.rejects(
    credentialFor({ host: "https://h", bearerTokenFile: file }).refresh!(),
    /bearer token file .* is empty; write the token into it/,
  );
});

test("credential precedence follows client-go", () => {
  const exec = { command: "x", apiVersion: "client.authentication.k8s.io/v1" };
  assert.equal(authMode({ host: "h", bearerToken: "t", bearerTokenFile: "/f" }), "token-file");
  assert.equal(authMode({ host: "h", bearerToken: "t", exec }), "token");
  assert.equal(authMode({ host: "h", username: "u", password: "p", exec }), "basic");
  assert.equal(authMode({ host: "h", exec }), "exec");
  // client-go's HasBasicAuth: a password without a username is no basic auth (so the plugin runs).
  assert.equal(authMode({ host: "h", password: "p", exec }), "exec");
  assert.equal(authMode({ host: "h", password: "p" }), "none");
  assert.equal(authMode({ host: "h", username: "u" }), "basic");
  assert.equal(authMode({ host: "h", bearerTokenFile: "/f", password: "p" }), "token-file");
  assert.throws(() => credentialFor({ host: "h", bearerTokenFile: "/f", username: "u" }), /more than one/);
  assert.equal(authMode({ host: "h", exec, tls: { certData: "c", keyData: "k" } }), "none");
  assert.equal(authMode({ host: "h", authProvider: { name: "oidc" } }), "auth-provider");
  assert.equal(authMode({ host: "h" }), "none");
  assert.throws(
    () => credentialFor({ host: "h", bearerToken: "SECRET", password: "SECRET" }),
    (e: Error) => !e.message.includes("SECRET"),
  );
  assert.throws(
    () => credentialFor({ host: "h", exec, authProvider: { name: "oidc" } }),
    /keep only the exec plugin/,
  );
  assert.throws(
    () => credentialFor({ host: "h", authProvider: { name: "azure" } }),
    /unsupported.*use an exec credential plugin \(kubelogin\)/,
  );
});
