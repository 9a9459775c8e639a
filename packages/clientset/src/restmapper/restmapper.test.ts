import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RequestSpec } from "@org/rest";
import { DiscoveryClient } from "../discovery/index.js";
import type { APIResource } from "../discovery/types.js";
import { RecordingRest } from "../testing/recording-rest.js";
import { type APIGroupResources, DeferredRESTMapper, isNoMatchError, RESTMapper } from "./index.js";

function resource(name: string, kind: string, shortNames: string[] = []): APIResource {
  return { name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ["get"], shortNames };
}

/** One group served in one version. */
function group(name: string, version: string, resources: APIResource[]): APIGroupResources {
  const gv = { groupVersion: name === "" ? version : `${name}/${version}`, version };
  return {
    group: { name, versions: [gv], preferredVersion: gv },
    versionedResources: { [version]: resources },
  };
}

const core = group("", "v1", [resource("pods", "Pod", ["po"]), resource("events", "Event", ["ev"])]);
const apps = group("apps", "v1", [resource("deployments", "Deployment", ["deploy"])]);
const events = group("events.k8s.io", "v1", [resource("events", "Event", ["ev"])]);

describe("RESTMapper", () => {
  test("core v1 is preferred over every other group, whatever the order the groups are given in", () => {
    // As client-go's discovery mapper: "/v1 is special. It should always come first".
    const m = new RESTMapper([events, apps, core]);
    assert.equal(m.resourceFor({ resource: "events" }).group, "");
    assert.equal(m.resourceFor({ resource: "ev" }).group, "");
    assert.equal(m.mappingFor("events").resource.group, "");
    assert.equal(m.restMapping({ kind: "Event" }).resource.group, "");
    assert.deepEqual(
      m.resourcesFor({ resource: "events" }).map((r) => r.group),
      ["", "events.k8s.io"],
    );
    assert.equal(m.expandShortName("ev"), "events");
    assert.equal(m.resourceFor({ group: "events.k8s.io", resource: "events" }).group, "events.k8s.io");
  });

  test("a short name with a group prefix and a version maps, as kubectl's shortcut expander does", () => {
    const m = new RESTMapper([core, apps]);
    // kubectl get deploy.v1.ap: the expander finds "deploy" in a group starting with "ap".
    assert.deepEqual(m.mappingFor("deploy.v1.ap").resource, {
      group: "apps",
      version: "v1",
      resource: "deployments",
    });
    assert.deepEqual(m.resourceFor({ group: "ap", version: "v1", resource: "deploy" }), {
      group: "apps",
      version: "v1",
      resource: "deployments",
    });
    // A plural or singular name with a version needs the exact group (DefaultRESTMapper).
    assert.throws(() => m.mappingFor("deployments.v1.ap"), isNoMatchError);
    assert.throws(() => m.resourceFor({ group: "ap", version: "v2", resource: "deploy" }), isNoMatchError);
  });

  test("an empty resource or kind is a TypeError, not a miss that reads discovery again", async () => {
    const m = new RESTMapper([core, apps]);
    for (const arg of ["", ".", "..", ".apps", "..apps"]) {
      assert.throws(
        () => m.mappingFor(arg),
        (e: unknown) => e instanceof TypeError && /no resource type in/.test(e.message),
        JSON.stringify(arg),
      );
    }
    assert.throws(() => m.resourceFor({ resource: "" }), /a resource must be given/);
    assert.throws(() => m.kindsFor({ group: "apps", resource: "" }), TypeError);
    assert.throws(() => m.resourceSingularizer(""), TypeError);
    assert.throws(() => m.restMapping({ group: "apps", kind: "" }), /a kind must be given/);
    assert.throws(() => m.restMappings({ kind: "" }), TypeError);

    const rest = new RecordingRest((s: RequestSpec) => {
      if (s.path === "/api") return { kind: "APIGroupDiscoveryList", items: [] };
      if (s.path === "/apis") return { kind: "APIGroupDiscoveryList", items: [] };
      throw new Error(`unexpected request ${s.path}`);
    });
    const deferred = new DeferredRESTMapper(new DiscoveryClient(rest));
    await deferred.mapper();
    await assert.rejects(deferred.resourceFor({ resource: "" }), TypeError);
    await assert.rejects(deferred.mappingFor(""), TypeError);
    assert.equal(rest.calls.length, 2, "discovery read once");
  });
});
