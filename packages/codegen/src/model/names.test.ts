import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareVersions,
  definitionModule,
  groupMethodNames,
  lowerCamel,
  modulePrefix,
  pluralKind,
  resourceGetter,
} from "./names.js";

describe("definitionModule", () => {
  it("places definitions after their Go package", () => {
    const cases: [string, string, string][] = [
      ["io.k8s.api.core.v1.Pod", "core/v1", "Pod"],
      [
        "io.k8s.api.storagemigration.v1beta1.StorageVersionMigration",
        "storagemigration/v1beta1",
        "StorageVersionMigration",
      ],
      ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "meta/v1", "ObjectMeta"],
      ["io.k8s.apimachinery.pkg.api.resource.Quantity", "resource", "Quantity"],
      ["io.k8s.apimachinery.pkg.util.intstr.IntOrString", "intstr", "IntOrString"],
      ["io.k8s.apimachinery.pkg.runtime.RawExtension", "runtime", "RawExtension"],
      ["io.k8s.apimachinery.pkg.version.Info", "version", "Info"],
      [
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
        "apiextensions/v1",
        "JSONSchemaProps",
      ],
      ["io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService", "apiregistration/v1", "APIService"],
      ["com.example.stable.v1.CronTab", "stable.example.com/v1", "CronTab"],
    ];
    for (const [def, module, name] of cases) assert.deepEqual(definitionModule(def), { module, name }, def);
  });
});

describe("client-go names", () => {
  it("camelCases kinds and plurals like client-go's getters", () => {
    assert.equal(lowerCamel("CSIDrivers"), "csiDrivers");
    assert.equal(lowerCamel("APIServices"), "apiServices");
    assert.equal(lowerCamel("Pods"), "pods");
    assert.equal(pluralKind("NetworkPolicy", "networkpolicies"), "NetworkPolicies");
    assert.equal(resourceGetter("Endpoints", "endpoints"), "endpoints");
    assert.equal(resourceGetter("ComponentStatus", "componentstatuses"), "componentStatuses");
    assert.equal(resourceGetter("ServiceCIDR", "servicecidrs"), "serviceCIDRs");
    assert.equal(resourceGetter("IPAddress", "ipaddresses"), "ipAddresses");
  });
  it("names group-versions by the group's first DNS label; a clashing CRD group gets every label", () => {
    const names = groupMethodNames([
      { group: "", version: "v1" },
      { group: "admissionregistration.k8s.io", version: "v1" },
      { group: "storagemigration.k8s.io", version: "v1beta1" },
      { group: "apps", version: "v1" },
      { group: "apps.example.com", version: "v1alpha1" },
    ]);
    assert.deepEqual(Object.fromEntries(names), {
      "/v1": "coreV1",
      "admissionregistration.k8s.io/v1": "admissionregistrationV1",
      "storagemigration.k8s.io/v1beta1": "storagemigrationV1beta1",
      "apps/v1": "appsV1",
      "apps.example.com/v1alpha1": "appsExampleComV1alpha1",
    });
  });
  it("gives distinct module paths distinct alias prefixes (v1-1 and v11 were both V11)", () => {
    assert.equal(modulePrefix("events/v1"), "EventsV1");
    assert.equal(modulePrefix("meta/v1"), "MetaV1");
    assert.equal(modulePrefix("stable.example.com/v1beta1"), "StableExampleComV1beta1");
    assert.equal(modulePrefix("2fa.example.com/v1"), "_2faExampleComV1");
    const paths = [
      "n.example.com/v1-1",
      "n.example.com/v11",
      "n.example.com/v1--1",
      "n.example.com/v1-1-1",
      "n.example.com/v1-11",
      "x-y.example.com/v1",
      "x.y.example.com/v1",
      "xy.example.com/v1",
      "x--y.example.com/v1",
      "a.1b.com/v1",
      "a1b.com/v1",
      "a-1b.com/v1",
      "a--1b.com/v1",
    ];
    const prefixes = paths.map(modulePrefix);
    assert.equal(new Set(prefixes).size, paths.length, prefixes.join(" "));
    assert.deepEqual(prefixes.slice(0, 2), ["NExampleComV1_1", "NExampleComV11"]);
    for (const p of prefixes) assert.match(p, /^[A-Za-z_$][A-Za-z0-9_$]*$/);
  });

  it("orders versions as Kubernetes does", () => {
    const sorted = ["v1alpha1", "v1beta1", "v2", "v1", "v1beta2", "v2beta1"].sort(compareVersions);
    assert.deepEqual(sorted, ["v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1"]);
  });
});
