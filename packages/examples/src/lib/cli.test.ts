import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration, parseFlags } from "./cli.js";

test("parseDuration reads Go durations and plain seconds", () => {
  assert.equal(parseDuration("10s"), 10_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("1.5"), 1500);
  assert.throws(() => parseDuration("ten"), /invalid duration "ten"/);
});

test("parseFlags accepts --name value, --name=value and Go's -name value", () => {
  const options = {
    kubeconfig: { type: "string", default: "/home/u/.kube/config" },
    namespace: { type: "string", default: "kubeless" },
    once: { type: "boolean", default: false },
  } as const;
  const a = parseFlags("p", options, ["-kubeconfig", "/tmp/kc", "--namespace=web", "-once"]);
  assert.equal(a.values.kubeconfig, "/tmp/kc");
  assert.equal(a.values.namespace, "web");
  assert.equal(a.values.once, true);
  const b = parseFlags("p", options, []);
  assert.equal(b.values.kubeconfig, "/home/u/.kube/config");
  assert.equal(b.values.once, false);
});
