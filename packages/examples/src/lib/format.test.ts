import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "@org/api-types/core/v1";
import { disagreements, fields, formatMap, podTable, prettyPrint, table } from "./format.js";

test("table aligns every column but the last and keeps no trailing blanks", () => {
  assert.equal(
    table(
      ["NAME", "STATUS", "CREATETIME"],
      [
        ["ui-abc", "Running", "2026-01-02T03:04:05Z"],
        ["kubeless-controller-manager-x", "Pending", ""],
      ],
    ),
    [
      "NAME                            STATUS    CREATETIME",
      "ui-abc                          Running   2026-01-02T03:04:05Z",
      "kubeless-controller-manager-x   Pending",
    ].join("\n"),
  );
});

test("formatMap sorts keys and prints <none> for an empty or missing map", () => {
  assert.equal(formatMap({ b: "2", a: "1" }), "a=1, b=2");
  assert.equal(formatMap({}), "<none>");
  assert.equal(formatMap(undefined), "<none>");
});

test("fields puts every value in one column", () => {
  assert.equal(
    fields([
      ["Name", "x"],
      ["NodeName", "y"],
    ]),
    "Name:     x\nNodeName: y",
  );
});

test("prettyPrint prints the tutorial's ten fields, aligned", () => {
  const pod: Pod = {
    metadata: {
      name: "ui-5ff45cd65d-2frkx",
      namespace: "kubeless",
      uid: "8a1e2b3c-0000-4000-8000-000000000001",
      labels: { app: "ui", "pod-template-hash": "5ff45cd65d" },
    },
    spec: { nodeName: "minikube", containers: [{ name: "ui", image: "bitnami/kubeless-ui:latest" }] },
    status: { phase: "Running", podIP: "10.244.0.7" },
  };
  assert.equal(
    prettyPrint(pod),
    [
      "Name:        ui-5ff45cd65d-2frkx",
      "Namespaces:  kubeless",
      "NodeName:    minikube",
      "Annotations: <none>",
      "Labels:      app=ui, pod-template-hash=5ff45cd65d",
      "SelfLink:    <none>",
      "Uid:         8a1e2b3c-0000-4000-8000-000000000001",
      "Status:      Running",
      "IP:          10.244.0.7",
      "Image:       bitnami/kubeless-ui:latest",
    ].join("\n"),
  );
});

test("podTable lists name, phase and creation time", () => {
  const out = podTable([
    { metadata: { name: "a", creationTimestamp: "2026-01-01T00:00:00Z" }, status: { phase: "Running" } },
    { metadata: { name: "bb" } },
  ]);
  assert.deepEqual(out.split("\n"), [
    "NAME   STATUS    CREATETIME",
    "a      Running   2026-01-01T00:00:00Z",
    "bb     Unknown",
  ]);
});

test("disagreements compares a program's pod listing with kubectl's pods", () => {
  const out = [
    "There are 7 pods in the cluster",
    "There are 2 pods in namespace kubeless",
    "NAME   STATUS    CREATETIME",
    "a      Running   2026-01-01T00:00:00Z",
    "b      Pending   2026-01-01T00:00:00Z",
  ].join("\n");
  const kubectl = [
    { name: "a", phase: "Running" },
    { name: "b", phase: "Pending" },
  ];
  assert.deepEqual(disagreements(out, "kubeless", kubectl), []);
  assert.deepEqual(
    disagreements(out, "kubeless", [
      { name: "a", phase: "Failed" },
      { name: "c", phase: "Running" },
      { name: "d", phase: "Running" },
    ]),
    [
      "it counts 2 pods in kubeless, kubectl 3",
      "it shows pod a as Running, kubectl as Failed",
      "it does not list pod c",
      "it does not list pod d",
    ],
  );
  assert.deepEqual(disagreements(out, "web", []), ["it prints no pod count for namespace web"]);
});
