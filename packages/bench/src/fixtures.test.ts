import assert from "node:assert/strict";
import { test } from "node:test";
import { configMapJSON, makePod, podListJSON, watchStream } from "./fixtures.js";
import { median } from "./stats.js";

test("pods are realistic: 4-8 KB of JSON with managedFields, status and five conditions", () => {
  for (let i = 0; i < 200; i++) {
    const pod = makePod(i, "bench") as {
      metadata: { managedFields: unknown[]; namespace: string };
      status: { conditions: unknown[]; containerStatuses: unknown[] };
    };
    const size = JSON.stringify(pod).length;
    assert.ok(size >= 4000 && size <= 8000, `pod ${i} is ${size} bytes`);
    assert.equal(pod.metadata.managedFields.length, 2);
    assert.equal(pod.metadata.namespace, "bench");
    assert.equal(pod.status.conditions.length, 5);
    assert.ok(pod.status.containerStatuses.length >= 1);
  }
});

test("fixtures are deterministic", () => {
  assert.deepEqual(podListJSON(20, "a"), podListJSON(20, "a"));
  assert.notDeepEqual(makePod(1, "a"), makePod(2, "a"));
});

test("a list is a PodList; a watch stream is one event per line with increasing resourceVersions", () => {
  const list = JSON.parse(podListJSON(3, "a").toString()) as { kind: string; items: unknown[] };
  assert.equal(list.kind, "PodList");
  assert.equal(list.items.length, 3);
  const lines = watchStream(5, 2, "a").toString().split("\n");
  assert.equal(lines.pop(), "");
  const events = lines.map(
    (l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { resourceVersion: string } } },
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ["ADDED", "ADDED", "MODIFIED", "MODIFIED", "MODIFIED"],
  );
  assert.ok(events.every((e) => e.object.kind === "Pod"));
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  assert.deepEqual(
    rvs,
    [...rvs].sort((a, b) => a - b),
  );
  assert.equal(
    (JSON.parse(configMapJSON("a", "cm").toString()) as { metadata: { name: string } }).metadata.name,
    "cm",
  );
});

test("median", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
