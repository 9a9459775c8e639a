import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type RequestSpec, StatusError } from "@org/rest";
import {
  DeferredRESTMapper,
  DiscoveryCategoryExpander,
  isNoMatchError,
  parseKindArg,
  parseResourceArg,
  RESTMapper,
  UnknownResourceTypeError,
} from "../restmapper/index.js";
import { RecordingRest } from "../testing/recording-rest.js";
import { AGGREGATED_DISCOVERY_ACCEPT, DiscoveryClient, GroupDiscoveryFailedError } from "./index.js";
import type { APIGroupDiscoveryList } from "./types.js";

const aggregatedCore: APIGroupDiscoveryList = {
  kind: "APIGroupDiscoveryList",
  items: [
    {
      metadata: { name: "" },
      versions: [
        {
          version: "v1",
          resources: [
            {
              resource: "pods",
              responseKind: { group: "", version: "v1", kind: "Pod" },
              scope: "Namespaced",
              singularResource: "pod",
              verbs: ["get", "list", "create"],
              shortNames: ["po"],
              categories: ["all"],
              subresources: [
                {
                  subresource: "status",
                  responseKind: { group: "", version: "v1", kind: "Pod" },
                  verbs: ["get"],
                },
                {
                  subresource: "eviction",
                  responseKind: { group: "policy", version: "v1", kind: "Eviction" },
                  verbs: ["create"],
                },
              ],
            },
            {
              resource: "namespaces",
              responseKind: { group: "", version: "v1", kind: "Namespace" },
              scope: "Cluster",
              singularResource: "namespace",
              verbs: ["get", "list"],
              shortNames: ["ns"],
            },
          ],
        },
      ],
    },
  ],
};
const aggregatedApis: APIGroupDiscoveryList = {
  kind: "APIGroupDiscoveryList",
  items: [
    {
      metadata: { name: "autoscaling" },
      versions: [
        {
          version: "v2",
          resources: [
            {
              resource: "horizontalpodautoscalers",
              responseKind: { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" },
              scope: "Namespaced",
              singularResource: "horizontalpodautoscaler",
              verbs: ["get"],
              shortNames: ["hpa"],
              categories: ["all"],
            },
          ],
        },
        {
          version: "v1",
          resources: [
            {
              resource: "horizontalpodautoscalers",
              responseKind: { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" },
              scope: "Namespaced",
              singularResource: "horizontalpodautoscaler",
              verbs: ["get"],
              shortNames: ["hpa"],
              categories: ["all"],
            },
            {
              resource: "oldthings",
              responseKind: { group: "autoscaling", version: "v1", kind: "OldThing" },
              scope: "Cluster",
              singularResource: "oldthing",
              verbs: ["get"],
            },
          ],
        },
      ],
    },
    {
      metadata: { name: "apps" },
      versions: [
        {
          version: "v1",
          resources: [
            {
              resource: "deployments",
              responseKind: { group: "apps", version: "v1", kind: "Deployment" },
              scope: "Namespaced",
              singularResource: "deployment",
              verbs: ["get", "list"],
              shortNames: ["deploy"],
              categories: ["all", "apps-things"],
            },
          ],
        },
      ],
    },
    {
      metadata: { name: "metrics.k8s.io" },
      versions: [{ version: "v1beta1", freshness: "Stale" }],
    },
    {
      // The newer version's aggregated API server is down: the group is served in v1beta1 only.
      metadata: { name: "custom.metrics.k8s.io" },
      versions: [
        { version: "v1beta2", freshness: "Stale" },
        {
          version: "v1beta1",
          freshness: "Current",
          resources: [
            {
              resource: "metricvalues",
              responseKind: { group: "custom.metrics.k8s.io", version: "v1beta1", kind: "MetricValue" },
              scope: "Namespaced",
              singularResource: "metricvalue",
              verbs: ["get"],
            },
          ],
        },
      ],
    },
  ],
};

/**
 * An aggregated-discovery server whose /apis also serves a CRD's group (stable.example.com: CronTab,
 * short name ct, category gear) from its second read on, as after `kubectl apply -f crd.yaml`;
 * `reset()` forgets the reads and the recorded calls.
 */
function installingServer(): { rest: RecordingRest; reset(): void } {
  const crd = {
    metadata: { name: "stable.example.com" },
    versions: [
      {
        version: "v1",
        resources: [
          {
            resource: "crontabs",
            responseKind: { group: "stable.example.com", version: "v1", kind: "CronTab" },
            scope: "Namespaced" as const,
            singularResource: "crontab",
            verbs: ["get"],
            shortNames: ["ct"],
            categories: ["gear"],
          },
        ],
      },
    ],
  };
  let reads = 0;
  const rest = new RecordingRest((s: RequestSpec) => {
    if (s.path === "/api") return aggregatedCore;
    if (s.path === "/apis") {
      reads++;
      return { ...aggregatedApis, items: [...(aggregatedApis.items ?? []), ...(reads > 1 ? [crd] : [])] };
    }
    throw new Error(`unexpected request ${s.path}`);
  });
  return {
    rest,
    reset() {
      reads = 0;
      rest.calls.length = 0;
    },
  };
}

function aggregatedServer(): RecordingRest {
  return new RecordingRest((s: RequestSpec) => {
    if (s.path === "/api") return aggregatedCore;
    if (s.path === "/apis") return aggregatedApis;
    if (s.path === "/version") return { major: "1", minor: "36", gitVersion: "v1.36.3" };
    throw new Error(`unexpected request ${s.path}`);
  });
}

describe("DiscoveryClient with aggregated discovery", () => {
  test("two requests (/api, /apis) with the aggregated Accept header, then the memory cache", async () => {
    const rest = aggregatedServer();
    const d = new DiscoveryClient(rest);
    const groups = await d.serverGroups();
    assert.deepEqual(
      groups.groups.map((g) => [g.name, g.preferredVersion?.groupVersion, g.versions.map((v) => v.version)]),
      [
        ["", "v1", ["v1"]],
        ["autoscaling", "autoscaling/v2", ["v2", "v1"]],
        ["apps", "apps/v1", ["v1"]],
        ["metrics.k8s.io", undefined, []],
        ["custom.metrics.k8s.io", "custom.metrics.k8s.io/v1beta1", ["v1beta1"]],
      ],
      "stale versions are not served (kubectl api-versions leaves them out); the preferred one is the first current one",
    );
    assert.deepEqual(
      rest.calls.map((c) => [c.path, c.accept]),
      [
        ["/api", AGGREGATED_DISCOVERY_ACCEPT],
        ["/apis", AGGREGATED_DISCOVERY_ACCEPT],
      ],
    );
    const core = await d.serverResourcesForGroupVersion("v1");
    assert.deepEqual(
      core.resources.map((r) => [r.name, r.kind, r.namespaced, r.group, r.version]),
      [
        ["pods", "Pod", true, "", "v1"],
        ["pods/status", "Pod", true, "", "v1"],
        ["pods/eviction", "Eviction", true, "policy", "v1"],
        ["namespaces", "Namespace", false, "", "v1"],
      ],
    );
    assert.deepEqual(core.resources[0]?.shortNames, ["po"]);
    assert.equal(core.resources[0]?.singularName, "pod");
    assert.equal(rest.calls.length, 2, "served from the cache");
    assert.equal(await d.usesAggregatedDiscovery(), true);
    await assert.rejects(d.serverResourcesForGroupVersion("metrics.k8s.io/v1beta1"), /stale/);

    d.invalidate();
    await d.serverGroups();
    assert.equal(rest.calls.length, 4, "invalidate() asks the server again");
  });

  test("serverPreferredResources: the preferred version per resource, failures reported with the partial result", async () => {
    const d = new DiscoveryClient(aggregatedServer());
    const err = await d.serverPreferredResources().then(
      () => assert.fail("the stale group must be reported"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GroupDiscoveryFailedError);
    assert.deepEqual([...err.groups.keys()], ["metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2"]);
    assert.equal(
      err.message,
      "unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server's " +
        "discovery document for metrics.k8s.io/v1beta1 is stale (its API server is unreachable), " +
        "custom.metrics.k8s.io/v1beta2: the server's discovery document for custom.metrics.k8s.io/v1beta2 " +
        "is stale (its API server is unreachable); check those APIServices (kubectl get apiservices) or " +
        "use the partial result in .resources",
      "each group-version with why",
    );
    assert.deepEqual(
      err.resources.map((l) => [l.groupVersion, l.resources.map((r) => r.name)]),
      [
        ["v1", ["pods", "namespaces"]],
        ["autoscaling/v2", ["horizontalpodautoscalers"]],
        ["autoscaling/v1", ["oldthings"]],
        ["apps/v1", ["deployments"]],
        ["custom.metrics.k8s.io/v1beta1", ["metricvalues"]],
      ],
    );
    const m = await RESTMapper.fromDiscovery(d);
    assert.deepEqual(m.resourceFor({ resource: "metricvalues" }), {
      group: "custom.metrics.k8s.io",
      version: "v1beta1",
      resource: "metricvalues",
    });
    // What is asked of a group-version that could not be discovered says so, not "is it installed?".
    assert.throws(
      () => m.restMapping({ group: "metrics.k8s.io", kind: "PodMetrics" }, "v1beta1"),
      (e: unknown) =>
        isNoMatchError(e) &&
        e.message ===
          'no matches for kind "PodMetrics" in group "metrics.k8s.io", version "v1beta1"; ' +
            "metrics.k8s.io/v1beta1 is served but could not be discovered (the server's discovery " +
            "document for metrics.k8s.io/v1beta1 is stale (its API server is unreachable))",
    );
    assert.throws(
      () => m.resourceFor({ group: "metrics.k8s.io", resource: "pods" }),
      /could not be discovered/,
    );
    assert.throws(
      () => m.restMapping({ group: "custom.metrics.k8s.io", kind: "MetricValue" }, "v1beta2"),
      /custom.metrics.k8s.io\/v1beta2 is served but could not be discovered/,
    );
    assert.throws(
      () => m.restMapping({ group: "apps", kind: "Nothing" }),
      /no matches for kind "Nothing" in group "apps"; check the spelling/,
    );
  });

  test("serverVersion asks /version", async () => {
    const rest = aggregatedServer();
    const v = await new DiscoveryClient(rest).serverVersion();
    assert.equal(v.gitVersion, "v1.36.3");
    assert.equal(rest.calls[0]?.path, "/version");
  });

  test("a resource or subresource without a kind is left out, as client-go converts aggregated discovery", async () => {
    const rest = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api") return { kind: "APIGroupDiscoveryList", items: [] };
      if (s.path === "/apis")
        return {
          kind: "APIGroupDiscoveryList",
          items: [
            {
              metadata: { name: "example.com" },
              versions: [
                {
                  version: "v1",
                  resources: [
                    {
                      // Served through its subresources only: an empty responseKind, as some servers send.
                      resource: "widgets",
                      responseKind: {},
                      scope: "Namespaced",
                      singularResource: "widget",
                      verbs: [],
                      subresources: [
                        {
                          subresource: "scale",
                          responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
                          verbs: ["get"],
                        },
                        { subresource: "status", responseKind: {}, verbs: ["get"] },
                        { subresource: "proxy", verbs: ["get"] },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        } satisfies APIGroupDiscoveryList;
      throw new Error(`unexpected request ${s.path}`);
    });
    const d = new DiscoveryClient(rest);
    const list = await d.serverResourcesForGroupVersion("example.com/v1");
    assert.deepEqual(
      list.resources.map((r) => [r.name, r.singularName, r.kind, r.group, r.version]),
      [["widgets/scale", "widget", "Scale", "autoscaling", "v1"]],
      "the subresource has its parent's singular name",
    );
    const m = await RESTMapper.fromDiscovery(d);
    assert.deepEqual(m.resourcesFor({ resource: "widgets" }), []);
  });

  test("a server without /api (an aggregated API server's 404) has no core group; the rest is discovered", async () => {
    const notFound = () => {
      throw new StatusError({ code: 404, reason: "NotFound" }, "GET", "/api");
    };
    const aggregated = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api") notFound();
      if (s.path === "/apis") return aggregatedApis;
      throw new Error(`unexpected request ${s.path}`);
    });
    const d = new DiscoveryClient(aggregated);
    assert.deepEqual(
      (await d.serverGroups()).groups.map((g) => g.name),
      ["autoscaling", "apps", "metrics.k8s.io", "custom.metrics.k8s.io"],
    );
    assert.equal(await d.usesAggregatedDiscovery(), true);
    assert.equal((await RESTMapper.fromDiscovery(d)).resourceFor({ resource: "deploy" }).group, "apps");

    const legacy = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api") notFound();
      if (s.path === "/apis")
        return {
          kind: "APIGroupList",
          groups: [{ name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }] }],
        };
      throw new Error(`unexpected request ${s.path}`);
    });
    assert.deepEqual(
      (await new DiscoveryClient(legacy).serverGroups()).groups.map((g) => g.name),
      ["apps"],
    );
    // Other failures of /api still fail discovery.
    const down = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api")
        throw new StatusError({ code: 503, reason: "ServiceUnavailable" }, "GET", "/api");
      return aggregatedApis;
    });
    await assert.rejects(new DiscoveryClient(down).serverGroups(), StatusError);
  });
});

describe("DiscoveryClient with legacy discovery", () => {
  test("falls back to /api, /apis and one request per group-version, each cached", async () => {
    // The path as sent (group-version lists are addressed by coordinates, not a path string).
    const rest: RecordingRest = new RecordingRest(() => {
      const path = rest.url();
      switch (path) {
        case "/api":
          return { kind: "APIVersions", versions: ["v1"] };
        case "/apis":
          return {
            kind: "APIGroupList",
            groups: [
              {
                name: "apps",
                versions: [{ groupVersion: "apps/v1", version: "v1" }],
                preferredVersion: { groupVersion: "apps/v1", version: "v1" },
              },
            ],
          };
        case "/api/v1":
          return {
            kind: "APIResourceList",
            groupVersion: "v1",
            resources: [
              {
                name: "pods",
                singularName: "pod",
                namespaced: true,
                kind: "Pod",
                verbs: ["get"],
                shortNames: ["po"],
              },
            ],
          };
        case "/apis/apps/v1":
          return {
            kind: "APIResourceList",
            groupVersion: "apps/v1",
            resources: [
              {
                name: "deployments",
                singularName: "deployment",
                namespaced: true,
                kind: "Deployment",
                verbs: ["get"],
                shortNames: ["deploy"],
              },
            ],
          };
      }
      throw new Error(`unexpected ${path}`);
    });
    const d = new DiscoveryClient(rest);
    assert.equal(await d.usesAggregatedDiscovery(), false);
    const all = await d.serverGroupsAndResources();
    assert.deepEqual(
      all.resources.map((r) => r.groupVersion),
      ["v1", "apps/v1"],
    );
    assert.equal(all.failed.size, 0);
    const before = rest.calls.length;
    await d.serverResourcesForGroupVersion("apps/v1");
    assert.equal(rest.calls.length, before, "cached");
    const mapper = await RESTMapper.fromDiscovery(d);
    assert.deepEqual(mapper.resourceFor({ resource: "deploy" }), {
      group: "apps",
      version: "v1",
      resource: "deployments",
    });
  });
});

describe("RESTMapper from discovery", () => {
  test("registered groups (generated for CRDs) map too; a group discovery serves comes from discovery", async () => {
    const crd = (group: string, kind: string) => ({
      group: { name: group, versions: [{ groupVersion: `${group}/v1`, version: "v1" }] },
      versionedResources: {
        v1: [
          {
            name: "crontabs",
            singularName: "crontab",
            namespaced: true,
            kind,
            verbs: ["get"],
            shortNames: ["ct"],
          },
        ],
      },
    });
    const m = await RESTMapper.fromDiscovery(new DiscoveryClient(aggregatedServer()), [
      crd("stable.example.com", "CronTab"),
      crd("apps", "NotADeployment"),
    ]);
    assert.deepEqual(m.resourceFor({ resource: "ct" }), {
      group: "stable.example.com",
      version: "v1",
      resource: "crontabs",
    });
    assert.equal(m.restMapping({ group: "stable.example.com", kind: "CronTab" }).scope, "namespace");
    assert.deepEqual(m.kindFor({ resource: "deployments" }).kind, "Deployment");
    assert.throws(() => m.restMapping({ group: "apps", kind: "NotADeployment" }), isNoMatchError);
  });

  test("kind ↔ resource, preferred versions, singular and short names", async () => {
    const m = await RESTMapper.fromDiscovery(new DiscoveryClient(aggregatedServer()));
    assert.deepEqual(m.kindFor({ resource: "pods" }), { group: "", version: "v1", kind: "Pod" });
    assert.deepEqual(m.kindFor({ resource: "pod" }), { group: "", version: "v1", kind: "Pod" });
    assert.deepEqual(m.resourceFor({ resource: "po" }), { group: "", version: "v1", resource: "pods" });
    assert.deepEqual(m.resourceFor({ resource: "hpa" }), {
      group: "autoscaling",
      version: "v2",
      resource: "horizontalpodautoscalers",
    });
    assert.deepEqual(m.resourceFor({ resource: "hpa", version: "v1" }).version, "v1");
    // A group that names no group is a prefix, for plural, singular and short names ("deploy.ap");
    // with a version too, for short names only (kubectl: `get deploy.v1.ap` works, `get
    // deployments.v1.ap` does not).
    assert.deepEqual(m.resourceFor({ group: "autoscal", resource: "hpa" }), {
      group: "autoscaling",
      version: "v2",
      resource: "horizontalpodautoscalers",
    });
    assert.equal(m.resourceFor({ group: "ap", resource: "deployment" }).group, "apps");
    assert.deepEqual(m.kindFor({ group: "ap", resource: "deploy" }), {
      group: "apps",
      version: "v1",
      kind: "Deployment",
    });
    assert.throws(
      () => m.resourceFor({ group: "ap", version: "v1", resource: "deployments" }),
      isNoMatchError,
    );
    assert.throws(() => m.resourceFor({ group: "pps", resource: "deployments" }), isNoMatchError);
    const mapping = m.restMapping({ group: "autoscaling", kind: "HorizontalPodAutoscaler" });
    assert.equal(mapping.resource.version, "v2", "the preferred version");
    assert.equal(mapping.scope, "namespace");
    assert.equal(
      m.restMapping({ group: "autoscaling", kind: "HorizontalPodAutoscaler" }, "v1").resource.version,
      "v1",
    );
    assert.equal(m.restMapping({ kind: "Namespace" }).scope, "root");
    assert.equal(m.restMapping({ group: "apps", kind: "deployment" }).resource.resource, "deployments");
    assert.deepEqual(
      m
        .restMappings({ group: "autoscaling", kind: "HorizontalPodAutoscaler" })
        .map((x) => x.resource.version),
      ["v2", "v1"],
    );
    assert.equal(m.expandShortName("deploy"), "deployments");
    assert.equal(m.expandShortName("unknown"), "unknown");
    assert.equal(m.resourceSingularizer("deployments"), "deployment");
    assert.throws(() => m.kindFor({ resource: "nothings" }), isNoMatchError);
    assert.throws(
      () => m.restMapping({ group: "apps", kind: "Pod" }),
      /no matches for kind "Pod" in group "apps"/,
    );
  });

  test("mappingFor resolves a command-line argument as kubectl get does: resource first, then kind", async () => {
    const squids = {
      name: "squids",
      singularName: "calamari",
      namespaced: true,
      kind: "Cephalopod",
      verbs: ["get"],
      shortNames: ["sq"],
    };
    const sea = (version: string) => ({ groupVersion: `sea.example/${version}`, version });
    const m = new RESTMapper([
      {
        group: { name: "", versions: [{ groupVersion: "v1", version: "v1" }] },
        versionedResources: {
          v1: [
            {
              name: "pods",
              singularName: "pod",
              namespaced: true,
              kind: "Pod",
              verbs: ["get"],
              shortNames: ["po"],
            },
          ],
        },
      },
      {
        group: { name: "sea.example", versions: [sea("v2"), sea("v1")], preferredVersion: sea("v2") },
        versionedResources: { v2: [squids], v1: [squids] },
      },
    ]);
    const to = (arg: string) => {
      const { group, version, resource } = m.mappingFor(arg).resource;
      return `${group}/${version}/${resource}`;
    };
    assert.equal(to("po"), "/v1/pods");
    assert.equal(to("Pod"), "/v1/pods");
    assert.equal(to("PODS"), "/v1/pods", "plural and singular names in any case");
    assert.equal(m.resourceFor({ resource: "PO" }).resource, "pods", "resourceFor folds short names too");
    assert.equal(m.resourceFor({ group: "core", resource: "pods" }).group, "", "and knows core");
    assert.equal(to("calamari.sea"), "sea.example/v2/squids", "a resource's group may be a prefix");
    assert.equal(to("sq.v1.sea.example"), "sea.example/v1/squids");
    // The kind is neither the plural nor the singular: kubectl falls back to reading it as a kind.
    assert.equal(to("Cephalopod.sea.example"), "sea.example/v2/squids");
    assert.equal(to("Cephalopod.v1.sea.example"), "sea.example/v1/squids");
    assert.equal(to("cephalopod.sea.example"), "sea.example/v2/squids", "the kind in lower case");
    assert.equal(m.mappingFor("Cephalopod.sea.example").scope, "namespace");
    // As kubectl: a kind without a group is a core kind, a kind's group is never a prefix, and the
    // kind is written as declared or in lower case.
    for (const [arg, type] of [
      ["Cephalopod", "Cephalopod"],
      ["PO", "PO"],
      ["SQ.sea.example", "SQ"],
      ["pods.core", "pods"],
      ["Pod.v1.core", "Pod"],
      ["Cephalopod.sea", "Cephalopod"],
      ["CEPHALOPOD.sea.example", "CEPHALOPOD"],
      ["squids.v3.sea.example", "squids"],
      ["nothings", "nothings"],
    ] as const) {
      assert.throws(
        () => m.mappingFor(arg),
        (err: unknown) =>
          err instanceof UnknownResourceTypeError &&
          isNoMatchError(err) &&
          err.message === `the server doesn't have a resource type "${type}"`,
        arg,
      );
    }
    assert.deepEqual(parseKindArg("Cephalopod.v1.sea.example"), {
      gvk: { group: "sea.example", version: "v1", kind: "Cephalopod" },
      groupKind: { group: "v1.sea.example", kind: "Cephalopod" },
    });
  });

  test("a version that is not served: the NoMatchError names the group-versions that serve it", async () => {
    const m = await RESTMapper.fromDiscovery(new DiscoveryClient(aggregatedServer()));
    assert.throws(
      () => m.restMapping({ group: "autoscaling", kind: "HorizontalPodAutoscaler" }, "v2beta2"),
      (err: unknown) =>
        isNoMatchError(err) &&
        err.message ===
          'no matches for kind "HorizontalPodAutoscaler" in group "autoscaling", version "v2beta2"; ' +
            "it is served in autoscaling/v2, autoscaling/v1",
    );
    assert.throws(
      () => m.restMapping({ kind: "HorizontalPodAutoscaler" }, "v3"),
      /version "v3"; it is served in autoscaling\/v2, autoscaling\/v1$/,
      "any group",
    );
    assert.throws(
      () => m.resourceFor({ group: "autoscaling", version: "v2beta2", resource: "hpa" }),
      /^NoMatchError: no matches for resource "hpa" in group "autoscaling", version "v2beta2"; it is served in autoscaling\/v2, autoscaling\/v1$/,
    );
    assert.throws(
      () => m.resourceFor({ version: "v9", resource: "pods" }),
      /resource "pods" in version "v9"; it is served in v1$/,
    );
    // Not served in any version, or in another group only: the usual hint.
    assert.throws(
      () => m.resourceFor({ group: "apps", version: "v1", resource: "hpa" }),
      /; check the spelling, or whether the API \(e.g. a CRD\) is installed$/,
    );
    assert.throws(
      () => m.restMapping({ group: "apps", kind: "Pod" }, "v1"),
      /; check the spelling, or whether the API \(e.g. a CRD\) is installed$/,
    );
  });

  test("categories: every resource of a category once, in discovery order", async () => {
    const expander = new DiscoveryCategoryExpander(new DiscoveryClient(aggregatedServer()));
    assert.deepEqual(await expander.expand("all"), [
      { group: "", resource: "pods" },
      { group: "autoscaling", resource: "horizontalpodautoscalers" },
      { group: "apps", resource: "deployments" },
    ]);
    assert.deepEqual(await expander.expand("apps-things"), [{ group: "apps", resource: "deployments" }]);
    assert.equal(await expander.expand("nothing"), undefined);
  });

  test("categories: a category discovery does not know makes it read discovery again once", async () => {
    // A CRD in category "gear" is served from the second discovery on.
    const { rest } = installingServer();
    const expander = new DiscoveryCategoryExpander(new DiscoveryClient(rest));
    assert.equal((await expander.expand("all"))?.length, 3);
    assert.equal(rest.calls.length, 2);
    assert.deepEqual(await expander.expand("gear"), [{ group: "stable.example.com", resource: "crontabs" }]);
    assert.equal(rest.calls.length, 4, "read again");
    assert.deepEqual(await expander.expand("gear"), [{ group: "stable.example.com", resource: "crontabs" }]);
    assert.equal(rest.calls.length, 4, "then from the cache");
    // A word that is no category (kubectl asks it of every argument) costs no re-read of a snapshot
    // the expander has read again itself.
    assert.equal(await expander.expand("pods"), undefined);
    assert.equal(await expander.expand("nothing"), undefined);
    assert.equal(rest.calls.length, 4, "no re-read of the fresh snapshot");
    const fresh = new DiscoveryCategoryExpander(new DiscoveryClient(rest));
    assert.equal(await fresh.expand("nothing"), undefined);
    assert.equal(await fresh.expand("nothing"), undefined);
    assert.equal(rest.calls.length, 8, "one re-read per snapshot");
  });

  test("parseResourceArg reads resource[.version.group] and resource[.group] as kubectl does", () => {
    assert.deepEqual(parseResourceArg("pods"), {
      gvr: undefined,
      groupResource: { group: "", resource: "pods" },
    });
    assert.deepEqual(parseResourceArg("deploy.apps"), {
      gvr: undefined,
      groupResource: { group: "apps", resource: "deploy" },
    });
    assert.deepEqual(parseResourceArg("deployments.v1.apps"), {
      gvr: { group: "apps", version: "v1", resource: "deployments" },
      groupResource: { group: "v1.apps", resource: "deployments" },
    });
    assert.deepEqual(parseResourceArg("events.v1.events.k8s.io").gvr, {
      group: "events.k8s.io",
      version: "v1",
      resource: "events",
    });
    // Two dots and an empty group: the core group in version v1 (kubectl get pods.v1. works).
    assert.deepEqual(parseResourceArg("pods.v1.").gvr, { group: "", version: "v1", resource: "pods" });
  });

  test("the deferred mapper reloads discovery once when a lookup finds nothing, for every lookup", async () => {
    const server = installingServer();
    const rest = server.rest;
    const lookups: [string, (m: DeferredRESTMapper) => Promise<unknown>, unknown][] = [
      [
        "kindsFor",
        (m) => m.kindsFor({ resource: "ct" }),
        [{ group: "stable.example.com", version: "v1", kind: "CronTab" }],
      ],
      [
        "resourcesFor",
        (m) => m.resourcesFor({ resource: "crontab" }),
        [{ group: "stable.example.com", version: "v1", resource: "crontabs" }],
      ],
      ["resourceSingularizer", (m) => m.resourceSingularizer("crontabs"), "crontab"],
      [
        "mappingFor",
        async (m) => (await m.mappingFor("CronTab.v1.stable.example.com")).resource,
        { group: "stable.example.com", version: "v1", resource: "crontabs" },
      ],
      [
        "restMappings",
        async (m) =>
          (await m.restMappings({ group: "stable.example.com", kind: "CronTab" })).map((x) => x.resource),
        [{ group: "stable.example.com", version: "v1", resource: "crontabs" }],
      ],
    ];
    // Lookups that miss together share one reload.
    server.reset();
    const shared = new DeferredRESTMapper(new DiscoveryClient(rest));
    await shared.mapper(); // read before the CRD is installed
    const kinds = await Promise.all(
      Array.from({ length: 5 }, () => shared.kindFor({ group: "stable.example.com", resource: "crontabs" })),
    );
    assert.deepEqual(
      kinds.map((k) => k.kind),
      ["CronTab", "CronTab", "CronTab", "CronTab", "CronTab"],
    );
    assert.equal(rest.calls.length, 4, "five misses, one reload");
    for (const [name, lookup, want] of lookups) {
      server.reset();
      const m = new DeferredRESTMapper(new DiscoveryClient(rest));
      await m.mapper();
      assert.deepEqual(await lookup(m), want, name);
      assert.equal(rest.calls.length, 4, `${name}: one reload (/api and /apis twice)`);
      await lookup(m);
      assert.equal(rest.calls.length, 4, `${name}: then from the cache`);
    }
  });

  test("the deferred mapper does not read discovery again for a lookup that waited for it to be read", async () => {
    const rest = aggregatedServer();
    const m = new DeferredRESTMapper(new DiscoveryClient(rest));
    // As kubectl without a cache: discovery once, then "no such resource".
    const misses = await Promise.allSettled([
      m.resourceFor({ resource: "nothings" }),
      m.kindsFor({ resource: "x" }),
    ]);
    assert.equal(misses[0]?.status, "rejected");
    assert.deepEqual(misses[1], { status: "fulfilled", value: [] });
    assert.equal(rest.calls.length, 2, "/api and /apis once");
    // A lookup on a mapping read before it began may be on a stale one: that one reads again.
    await assert.rejects(m.resourceFor({ resource: "nothings" }), isNoMatchError);
    assert.equal(rest.calls.length, 4);
    assert.equal((await m.resourceFor({ resource: "po" })).resource, "pods");
    assert.equal(rest.calls.length, 4, "a hit reads nothing");

    // A discovery client that already holds a snapshot: the mapper's first load still asks the server,
    // so its answer is as fresh as the lookup.
    let crd = false;
    const later = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api") return aggregatedCore;
      if (s.path === "/apis") {
        const items = [...(aggregatedApis.items ?? [])];
        if (crd)
          items.push({
            metadata: { name: "stable.example.com" },
            versions: [
              {
                version: "v1",
                resources: [
                  {
                    resource: "crontabs",
                    responseKind: { group: "stable.example.com", version: "v1", kind: "CronTab" },
                    scope: "Namespaced",
                    verbs: ["get"],
                  },
                ],
              },
            ],
          });
        return { ...aggregatedApis, items };
      }
      throw new Error(`unexpected request ${s.path}`);
    });
    const warm = new DiscoveryClient(later);
    await warm.serverGroups();
    crd = true;
    assert.equal(
      (await new DeferredRESTMapper(warm).resourceFor({ resource: "crontabs" })).group,
      "stable.example.com",
    );
    assert.equal(later.calls.length, 4, "one read of its own");
  });
});
