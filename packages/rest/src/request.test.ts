import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RestConfig } from "./config.js";
import { PatchType } from "./options.js";
import { buildRequest, callOptionsOf, encodeQuery, headerKeyEscape, queryEscape } from "./request.js";

const config: RestConfig = { host: "https://k8s.example:6443" };
const url = (req: Parameters<typeof buildRequest>[1], c: RestConfig = config) => buildRequest(c, req).url;

describe("buildRequest: paths", () => {
  test("core and group coordinates, namespace omitted when empty", () => {
    assert.equal(url({ method: "GET", resource: "pods" }), "https://k8s.example:6443/api/v1/pods");
    assert.equal(
      url({ method: "GET", namespace: "", resource: "pods" }),
      "https://k8s.example:6443/api/v1/pods",
    );
    assert.equal(
      url({ method: "GET", namespace: "ns", resource: "pods", name: "p", subresource: "log" }),
      "https://k8s.example:6443/api/v1/namespaces/ns/pods/p/log",
    );
    assert.equal(
      url({
        method: "GET",
        group: "apps",
        version: "v1",
        namespace: "ns",
        resource: "deployments",
        name: "d",
        subresource: "scale",
      }),
      "https://k8s.example:6443/apis/apps/v1/namespaces/ns/deployments/d/scale",
    );
    assert.equal(
      url({ method: "GET", resource: "nodes", name: "n1" }),
      "https://k8s.example:6443/api/v1/nodes/n1",
    );
    assert.equal(
      url({
        method: "GET",
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resource: "clusterroles",
        name: "system:basic-user",
      }),
      "https://k8s.example:6443/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user",
    );
  });

  test("absolute paths, host path prefix, bare hosts", () => {
    assert.equal(
      url({ method: "GET", path: "/openapi/v3/apis/apps/v1" }),
      "https://k8s.example:6443/openapi/v3/apis/apps/v1",
    );
    assert.equal(
      url({ method: "GET", path: "/version" }, { host: "https://h/prefix/" }),
      "https://h/prefix/version",
    );
    assert.equal(
      url({ method: "GET", resource: "pods" }, { host: "h:6443", tls: { caData: "x" } }),
      "https://h:6443/api/v1/pods",
    );
    assert.equal(url({ method: "GET", resource: "pods" }, { host: "h:8080" }), "http://h:8080/api/v1/pods");
    assert.equal(
      url({ method: "GET", resource: "pods" }, { host: "https://h", apiPath: "/legacy" }),
      "https://h/legacy/v1/pods",
    );
  });

  test("invalid names are rejected before any I/O", () => {
    assert.throws(() => url({ method: "GET", resource: "pods", name: "a/b" }), /invalid resource name/);
    assert.throws(() => url({ method: "GET", resource: "pods", name: ".." }), /invalid resource name/);
    assert.throws(() => url({ method: "GET", resource: "pods", name: "" }), /may not be empty/);
    assert.throws(() => url({ method: "GET", group: "apps", resource: "deployments" }), /needs a version/);
    assert.throws(() => url({ method: "GET", path: "relative" }), /absolute/);
  });
});

describe("buildRequest: query encoding", () => {
  test("every ListOptions field, sorted, Go-escaped", () => {
    assert.equal(
      url({
        method: "GET",
        resource: "pods",
        options: {
          labelSelector: "app in (a, b),tier!=x",
          fieldSelector: "spec.nodeName=n1",
          resourceVersion: "100",
          resourceVersionMatch: "NotOlderThan",
          timeoutSeconds: 30,
          limit: 500,
          continue: "abc/+=",
          allowWatchBookmarks: true,
          sendInitialEvents: false,
          signal: new AbortController().signal,
          timeoutMs: 5,
        },
      }),
      "https://k8s.example:6443/api/v1/pods?allowWatchBookmarks=true&continue=abc%2F%2B%3D" +
        "&fieldSelector=spec.nodeName%3Dn1&labelSelector=app+in+%28a%2C+b%29%2Ctier%21%3Dx&limit=500" +
        "&resourceVersion=100&resourceVersionMatch=NotOlderThan&sendInitialEvents=false&timeoutSeconds=30",
    );
  });

  test("Get/Create/Update/Patch/Apply options", () => {
    assert.equal(encodeQuery({ resourceVersion: "0" }, undefined), "resourceVersion=0");
    assert.equal(
      encodeQuery({ dryRun: "All", fieldManager: "me", fieldValidation: "Strict" }, undefined),
      "dryRun=All&fieldManager=me&fieldValidation=Strict",
    );
    assert.equal(
      encodeQuery({ dryRun: true, fieldManager: "m", force: true }, undefined),
      "dryRun=All&fieldManager=m&force=true",
    );
    assert.equal(encodeQuery({ force: false }, undefined), "force=false");
    assert.equal(
      encodeQuery(
        { gracePeriodSeconds: 0, propagationPolicy: "Foreground", preconditions: { uid: "u" } },
        undefined,
      ),
      "gracePeriodSeconds=0&propagationPolicy=Foreground",
    );
  });

  test("raw query: arrays repeat, undefined dropped, merged with options", () => {
    assert.equal(
      encodeQuery(
        { limit: 1 },
        { container: "c 1", follow: true, tailLines: 10, x: undefined, resource: ["a", "b"] },
      ),
      "container=c+1&follow=true&limit=1&resource=a&resource=b&tailLines=10",
    );
  });

  test("queryEscape matches Go's url.QueryEscape", () => {
    assert.equal(queryEscape("a b~-_.!*'()/?&=é"), "a+b~-_.%21%2A%27%28%29%2F%3F%26%3D%C3%A9");
  });
});

describe("buildRequest: headers and body", () => {
  test("defaults: accept, user agent; no content type without a body", () => {
    const d = buildRequest(config, { method: "GET", resource: "pods" });
    assert.equal(d.headers.Accept, "application/json, */*");
    assert.equal(d.headers["Content-Type"], undefined);
    assert.equal(d.body, undefined);
  });

  test("JSON body, raw string / bytes bodies, custom accept and headers", () => {
    const d = buildRequest(config, { method: "POST", resource: "pods", namespace: "n", body: { a: 1 } });
    assert.equal(d.body, '{"a":1}');
    assert.equal(d.headers["Content-Type"], "application/json");
    const bytes = new Uint8Array([1, 2]);
    assert.equal(
      buildRequest(config, {
        method: "PUT",
        path: "/x",
        body: bytes,
        contentType: "application/octet-stream",
      }).body,
      bytes,
    );
    const h = buildRequest(
      { ...config, userAgent: "ua/1" },
      { method: "GET", path: "/x", accept: "text/plain", headers: { accept: "a/b", "X-Y": "z" } },
    ).headers;
    assert.equal(h["User-Agent"], "ua/1");
    assert.equal(h.Accept, undefined);
    assert.equal(h.accept, "a/b");
    assert.equal(h["X-Y"], "z");
  });

  test("every patch type gets its content type; PATCH without one is an error", () => {
    for (const pt of Object.values(PatchType)) {
      const d = buildRequest(config, {
        method: "PATCH",
        resource: "pods",
        name: "p",
        body: [],
        contentType: pt,
      });
      assert.equal(d.headers["Content-Type"], pt);
    }
    assert.throws(
      () => buildRequest(config, { method: "PATCH", resource: "pods", name: "p", body: {} }),
      /PATCH needs a contentType/,
    );
  });

  test("deleteOptions become a DeleteOptions body; options travel whole and only their call options stay home", () => {
    const ac = new AbortController();
    const other = new AbortController();
    const spec = {
      method: "DELETE" as const,
      resource: "pods",
      options: { labelSelector: "a=b", signal: other.signal, timeoutMs: 5 },
      deleteOptions: { propagationPolicy: "Foreground" as const, dryRun: "All" as const, signal: ac.signal },
    };
    const d = buildRequest(config, spec);
    assert.equal(d.url, "https://k8s.example:6443/api/v1/pods?labelSelector=a%3Db");
    assert.deepEqual(JSON.parse(String(d.body)), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Foreground",
      dryRun: ["All"],
    });
    assert.equal(d.headers["Content-Type"], "application/json");
    // The spec's own, else deleteOptions', else options'.
    assert.deepEqual(callOptionsOf(spec), { signal: ac.signal, timeoutMs: 5 });
    assert.deepEqual(callOptionsOf({ ...spec, timeoutMs: 9 }), { signal: ac.signal, timeoutMs: 9 });
    assert.deepEqual(callOptionsOf({ method: "GET", path: "/" }), {});
    assert.throws(() => buildRequest(config, { ...spec, body: {} }), /either deleteOptions or a body/);
  });

  test("auth headers: bearer, basic, OIDC id-token; none for token files and exec", () => {
    const auth = (c: Partial<RestConfig>) =>
      buildRequest({ ...config, ...c }, { method: "GET", path: "/" }).headers.Authorization;
    assert.equal(auth({ bearerToken: "abc" }), "Bearer abc");
    assert.equal(auth({ username: "u", password: "p" }), `Basic ${Buffer.from("u:p").toString("base64")}`);
    assert.equal(auth({ authProvider: { name: "oidc", config: { "id-token": "idt" } } }), "Bearer idt");
    assert.equal(auth({ bearerToken: "abc", bearerTokenFile: "/f" }), undefined);
    assert.equal(auth({ exec: { command: "x", apiVersion: "client.authentication.k8s.io/v1" } }), undefined);
    assert.throws(() => auth({ authProvider: { name: "gcp" } }), /unsupported.*exec credential plugin/);
    assert.throws(
      () => auth({ authProvider: { name: "oidc", config: { "refresh-token": "SECRET" } } }),
      (e: Error) => /no id-token/.test(e.message) && !e.message.includes("SECRET"),
    );
  });

  test("impersonation headers", () => {
    const d = buildRequest(
      {
        ...config,
        impersonate: {
          user: "u",
          uid: "1",
          groups: ["a", "b"],
          extra: { "acme.com/project": ["p1", "p2"], empty: [] },
        },
      },
      { method: "GET", path: "/" },
    );
    assert.equal(d.headers["Impersonate-User"], "u");
    assert.equal(d.headers["Impersonate-Uid"], "1");
    assert.deepEqual(d.repeatedHeaders, {
      "Impersonate-Group": ["a", "b"],
      "Impersonate-Extra-acme.com%2Fproject": ["p1", "p2"],
    });
    assert.equal(headerKeyEscape("ünï"), "%C3%BCn%C3%AF");
  });
});
