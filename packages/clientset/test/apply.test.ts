// Server-side apply (conflicts between field managers, force), dry run, field validation and
// Foreground deletion of a namespace.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigMap, ConfigMapApplyConfiguration } from "@org/api-types/core/v1";
import { isBadRequest, isConflict, isNotFound, PatchType, StatusError } from "@org/rest";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { waitFor } from "../src/wait.js";
import { configMap, env } from "./support.js";

test("server-side apply: a conflict between two field managers, then force wins", async (t) => {
  const ns = await createTestNamespace("cs-ssa");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const desired = (value: string): ConfigMapApplyConfiguration => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "shared", namespace: ns.name },
    data: { owner: value },
  });
  const first = await cms.apply(desired("alpha"), { fieldManager: "alpha" });
  assert.equal(first.data?.owner, "alpha");
  assert.deepEqual(
    first.metadata?.managedFields?.map((f) => [f.manager, f.operation]),
    [["alpha", "Apply"]],
  );
  // Applying the same configuration again changes nothing.
  const again = await cms.apply(desired("alpha"), { fieldManager: "alpha" });
  assert.equal(again.metadata?.resourceVersion, first.metadata?.resourceVersion);

  const err = await cms.apply(desired("beta"), { fieldManager: "beta" }).then(
    () => assert.fail("expected a conflict"),
    (e: unknown) => e,
  );
  assert.ok(isConflict(err));
  assert.ok(err instanceof StatusError);
  assert.ok(
    err.status?.details?.causes?.some((c) => c.field === ".data.owner" && /alpha/.test(c.message ?? "")),
    JSON.stringify(err.status?.details?.causes),
  );
  assert.equal((await cms.get("shared")).data?.owner, "alpha", "nothing changed");

  const forced = await cms.apply(desired("beta"), { fieldManager: "beta", force: true });
  assert.equal(forced.data?.owner, "beta");
  assert.deepEqual(
    forced.metadata?.managedFields?.map((f) => f.manager),
    ["beta"],
    "beta took the field over",
  );

  // The status subresource and the dry run of an apply.
  const dry = await cms.apply(desired("gamma"), { fieldManager: "gamma", force: true, dryRun: "All" });
  assert.equal(dry.data?.owner, "gamma");
  assert.equal((await cms.get("shared")).data?.owner, "beta", "a dry-run apply persists nothing");
  await assert.rejects(cms.apply(desired("x"), { fieldManager: "" }), /field manager/);

  // The same through patch() with the apply patch type and a YAML body, as kubectl sends it.
  const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  owner: delta\n  extra: "1"\n`;
  await assert.rejects(cms.patch("shared", PatchType.Apply, yaml, { fieldManager: "delta" }), isConflict);
  const viaPatch = await cms.patch("shared", PatchType.Apply, yaml, { fieldManager: "delta", force: true });
  assert.deepEqual(viaPatch.data, { owner: "delta", extra: "1" });
});

test("dry run validates and persists nothing: create, update, patch, delete", async (t) => {
  const ns = await createTestNamespace("cs-dryrun");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  const dry = await cms.create(configMap("ghost", { a: "1" }), { dryRun: "All" });
  assert.equal(dry.metadata?.name, "ghost");
  assert.ok(dry.metadata?.uid, "the server filled in the object");
  await assert.rejects(cms.get("ghost"), isNotFound);
  assert.equal((await cms.list()).items.filter((c) => c.metadata?.name === "ghost").length, 0);

  const real = await cms.create(configMap("real", { a: "1" }));
  real.data!.a = "2";
  assert.equal((await cms.update(real, { dryRun: "All" })).data?.a, "2");
  assert.equal((await cms.get("real")).data?.a, "1");
  assert.equal(
    (await cms.patch("real", PatchType.Merge, { data: { a: "3" } }, { dryRun: "All" })).data?.a,
    "3",
  );
  assert.equal((await cms.get("real")).data?.a, "1");
  await cms.delete("real", { dryRun: "All" });
  assert.equal(
    (await cms.get("real")).metadata?.uid,
    real.metadata?.uid,
    "still there after a dry-run delete",
  );
  await assert.rejects(
    cms.create(configMap("Bad_Name"), { dryRun: "All" }),
    (e) => (e as StatusError).code === 422,
  );
});

test("fieldValidation=Strict rejects unknown fields; Ignore drops them", async (t) => {
  const ns = await createTestNamespace("cs-fieldval");
  t.after(ns.cleanup);
  const { rest } = await env();
  const cms = new Clientset(rest).coreV1().configMaps(ns.name);
  // A field the schema does not have (typed clients would not compile it: cast on purpose).
  const withTypo = { ...configMap("typo", { a: "1" }), dataa: { b: "2" } } as ConfigMap;
  const err = await cms.create(withTypo, { fieldValidation: "Strict" }).then(
    () => assert.fail("expected 400"),
    (e: unknown) => e,
  );
  assert.ok(isBadRequest(err), String(err));
  assert.match((err as StatusError).status?.message ?? "", /unknown field "dataa"/);
  const ok = await cms.create(withTypo, { fieldValidation: "Ignore" });
  assert.equal((ok as Record<string, unknown>).dataa, undefined);
});

test("Foreground deletion of a namespace completes", async () => {
  const { rest } = await env();
  const core = new Clientset(rest).coreV1();
  const name = uniqueNamespaceName("cs-foreground");
  const created = await core.namespaces().create({ metadata: { name } });
  await core.configMaps(name).create(configMap("content"));
  const seen: string[] = [];
  const watching = waitFor(
    (rv) =>
      core.namespaces().watch({
        fieldSelector: `metadata.name=${name}`,
        resourceVersion: rv ?? created.metadata?.resourceVersion,
      }),
    (ev) => {
      const fin = ev.object.metadata?.finalizers ?? [];
      seen.push(
        `${ev.type}${ev.object.metadata?.deletionTimestamp ? " deleting" : ""}${fin.includes("foregroundDeletion") ? " foreground" : ""}`,
      );
      return ev.type === "DELETED";
    },
    { timeoutMs: 120_000 },
  );
  await core.namespaces().delete(name, { propagationPolicy: "Foreground" });
  await watching;
  assert.ok(seen.includes("MODIFIED deleting foreground"), `events: ${seen.join(", ")}`);
  assert.equal(seen.at(-1)?.startsWith("DELETED"), true);
  await assert.rejects(core.namespaces().get(name), isNotFound);
  await assert.rejects(core.configMaps(name).get("content"), isNotFound);
});
