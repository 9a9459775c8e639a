import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeFlags } from "./controlplane.js";
import { kubeconfigYaml } from "./kubeconfig.js";

test("a kubeconfig names the cluster, every user and a context per user; the first is current", () => {
  const yaml = kubeconfigYaml({
    clusterName: "testenv",
    server: "https://127.0.0.1:6443",
    caPem: "CA",
    users: [
      { name: "admin", clientCertificate: "CERT", clientKey: "KEY" },
      { name: "bob", token: 'to"ken' },
    ],
    contextNames: ["testenv-admin", "testenv-bob"],
  });
  assert.equal(
    yaml,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      '- name: "testenv"',
      "  cluster:",
      '    server: "https://127.0.0.1:6443"',
      `    certificate-authority-data: "${Buffer.from("CA").toString("base64")}"`,
      "users:",
      '- name: "admin"',
      "  user:",
      `    client-certificate-data: "${Buffer.from("CERT").toString("base64")}"`,
      `    client-key-data: "${Buffer.from("KEY").toString("base64")}"`,
      '- name: "bob"',
      "  user:",
      '    token: "to\\"ken"',
      "contexts:",
      '- name: "testenv-admin"',
      "  context:",
      '    cluster: "testenv"',
      '    user: "admin"',
      '- name: "testenv-bob"',
      "  context:",
      '    cluster: "testenv"',
      '    user: "bob"',
      'current-context: "testenv-admin"',
      "",
    ].join("\n"),
  );
});

test("a user without credentials is refused", () => {
  assert.throws(
    () => kubeconfigYaml({ clusterName: "c", server: "https://x", caPem: "", users: [{ name: "nobody" }] }),
    /nobody has neither a client certificate nor a token/,
  );
});

test("later flags replace earlier flags of the same name", () => {
  assert.deepEqual(mergeFlags(["--a=1", "--b=2"], ["--a=3", "--c"]), ["--a=3", "--b=2", "--c"]);
});
