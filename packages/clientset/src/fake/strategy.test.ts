// Registry rules of kube-apiserver 1.36 that a probe against the real server found the fake missing:
// each test's expectation is what the real server answered (its Status word for word).
import assert from "node:assert/strict";
import { test } from "node:test";
import { newFakeClientset } from "./index.js";
import type { Obj } from "./resources.js";

type Answer = { code: number; body: Obj };

/** One raw request to the fake server, as it would come over HTTP. */
function call(
  cs: ReturnType<typeof newFakeClientset>,
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, string> = {},
  contentType = "application/json",
): Answer {
  const r = cs.server.handle({
    method,
    path,
    query: new URLSearchParams(query),
    ...(body === undefined ? {} : { body: JSON.stringify(body), contentType }),
  });
  return r as Answer;
}

const cms = "/api/v1/namespaces/default/configmaps";
const apply = "application/apply-patch+yaml";
const acm = (metadata: Obj, data: Obj = { k: "v" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata,
  data,
});
const causes = (a: Answer) => a.body.details?.causes;

test("an apply's resourceVersion is the update's precondition; on a create it is ignored", () => {
  const cs = newFakeClientset();
  const fm = { fieldManager: "m" };
  assert.equal(call(cs, "PATCH", `${cms}/a`, acm({ name: "a" }), fm, apply).code, 201);
  const stale = call(
    cs,
    "PATCH",
    `${cms}/a`,
    acm({ name: "a", resourceVersion: "1" }, { k: "w" }),
    fm,
    apply,
  );
  assert.equal(stale.code, 409);
  assert.equal(
    stale.body.message,
    'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
  );
  const created = call(cs, "PATCH", `${cms}/new`, acm({ name: "new", resourceVersion: "5" }), fm, apply);
  assert.equal(created.code, 201);
  assert.deepEqual(created.body.data, { k: "v" });
});

test("an apply or update may not change the uid or set a deletionTimestamp: the cause comes twice", () => {
  const cs = newFakeClientset();
  call(cs, "PATCH", `${cms}/a`, acm({ name: "a" }), { fieldManager: "m" }, apply);
  const uid = "00000000-0000-0000-0000-000000000000";
  const r = call(cs, "PATCH", `${cms}/a`, acm({ name: "a", uid }), { fieldManager: "m" }, apply);
  assert.equal(r.code, 422);
  const uidCause = {
    reason: "FieldValueInvalid",
    message: `Invalid value: "${uid}": field is immutable`,
    field: "metadata.uid",
  };
  assert.deepEqual(causes(r), [uidCause, uidCause]);
  assert.equal(
    r.body.message,
    `ConfigMap "a" is invalid: metadata.uid: Invalid value: "${uid}": field is immutable`,
  );
  const live = call(cs, "GET", `${cms}/a`).body;
  const dt = "2030-01-01T00:00:00Z";
  const u = call(cs, "PUT", `${cms}/a`, { ...live, metadata: { ...live.metadata, deletionTimestamp: dt } });
  assert.equal(u.code, 422);
  const dtCause = {
    reason: "FieldValueInvalid",
    message: `Invalid value: "${dt}": field is immutable`,
    field: "metadata.deletionTimestamp",
  };
  assert.deepEqual(causes(u), [dtCause, dtCause]);
});

test("no finalizer may be added to an object being deleted: the cause comes twice", () => {
  const cs = newFakeClientset();
  call(cs, "POST", cms, { metadata: { name: "a", finalizers: ["example.com/f"] } });
  call(cs, "DELETE", `${cms}/a`);
  const live = call(cs, "GET", `${cms}/a`).body;
  const r = call(cs, "PUT", `${cms}/a`, {
    ...live,
    metadata: { ...live.metadata, finalizers: ["example.com/h", "example.com/f", "example.com/g"] },
  });
  const cause = {
    reason: "FieldValueForbidden",
    message:
      'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/g", "example.com/h"}',
    field: "metadata.finalizers",
  };
  assert.deepEqual(causes(r), [cause, cause]);
});

test("a PUT of a missing object creates it where the strategy allows create on update", () => {
  const cs = newFakeClientset();
  const lease = call(cs, "PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/l", {
    metadata: { name: "l", resourceVersion: "7" },
    spec: { holderIdentity: "me" },
  });
  assert.equal(lease.code, 201);
  assert.equal(lease.body.spec.holderIdentity, "me");
  assert.equal(lease.body.metadata.managedFields[0].operation, "Update");
  const role = call(cs, "PUT", "/apis/rbac.authorization.k8s.io/v1/clusterroles/r", {
    metadata: { name: "r" },
    rules: [],
  });
  assert.equal(role.code, 201);
  assert.equal(call(cs, "PUT", "/api/v1/namespaces/default/events/e", { metadata: { name: "e" } }).code, 201);
  assert.equal(call(cs, "PUT", `${cms}/zz`, { metadata: { name: "zz" } }).code, 404);
  const noName = call(cs, "PUT", "/api/v1/namespaces/default/endpoints/e", { metadata: {} });
  assert.equal(noName.body.message, "the name of the object () does not match the name on the URL (e)");
});

const template = {
  metadata: { labels: { app: "a" } },
  spec: { containers: [{ name: "app", image: "nginx:1" }] },
};

test("generation: set on create and bumped by what each registry compares", () => {
  const cs = newFakeClientset();
  const gen = (a: Answer) => a.body.metadata?.generation ?? null;
  const deployments = "/apis/apps/v1/namespaces/default/deployments";
  call(cs, "POST", deployments, {
    metadata: { name: "d" },
    spec: { selector: { matchLabels: { app: "a" } }, template },
  });
  const merge = (path: string, patch: unknown) =>
    call(cs, "PATCH", path, patch, {}, "application/merge-patch+json");
  // A Deployment's annotations count as its spec; a StatefulSet's do not.
  assert.equal(gen(merge(`${deployments}/d`, { metadata: { labels: { x: "y" } } })), 1);
  assert.equal(gen(merge(`${deployments}/d`, { metadata: { annotations: { n: "1" } } })), 2);
  const sts = "/apis/apps/v1/namespaces/default/statefulsets";
  call(cs, "POST", sts, {
    metadata: { name: "s" },
    spec: { selector: { matchLabels: { app: "a" } }, serviceName: "s", template },
  });
  assert.equal(gen(merge(`${sts}/s`, { metadata: { annotations: { n: "1" } } })), 1);
  const created: [string, unknown, number | null][] = [
    ["/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", { spec: { podSelector: {} } }, 1],
    [
      "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
      { addressType: "IPv4", endpoints: [] },
      1,
    ],
    ["/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", { webhooks: [] }, 1],
    ["/apis/scheduling.k8s.io/v1/priorityclasses", { value: 5 }, 1],
    ["/apis/networking.k8s.io/v1/ingressclasses", { spec: { controller: "example.com/c" } }, 1],
    ["/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", { spec: { matchingPrecedence: 5000 } }, 1],
    ["/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", { spec: { type: "Limited" } }, 1],
    ["/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", { spec: { maxReplicas: 3 } }, null],
  ];
  for (const [path, body, want] of created) {
    assert.equal(gen(call(cs, "POST", path, { metadata: { name: "x" }, ...(body as Obj) })), want, path);
  }
  // A PriorityClass keeps generation 1; an EndpointSlice's labels bump it.
  assert.equal(gen(merge("/apis/scheduling.k8s.io/v1/priorityclasses/x", { description: "d" })), 1);
  const eps = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/x";
  assert.equal(gen(merge(eps, { metadata: { labels: { a: "b" } } })), 2);
  assert.equal(gen(merge(eps, { metadata: { annotations: { a: "b" } } })), 2);
});

test("Create/Update/PatchOptions are validated: fieldManager, fieldValidation, force", () => {
  const cs = newFakeClientset();
  call(cs, "POST", cms, { metadata: { name: "a" } });
  const long = "x".repeat(129);
  const tooLong = {
    reason: "FieldValueTooLong",
    message: "Too long: may not be more than 128 bytes",
    field: "fieldManager",
  };
  const create = call(cs, "POST", cms, { metadata: { name: "b" } }, { fieldManager: long });
  assert.equal(create.code, 422);
  assert.equal(
    create.body.message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
  );
  assert.deepEqual(create.body.details, { group: "meta.k8s.io", kind: "CreateOptions", causes: [tooLong] });
  assert.equal(
    call(cs, "PUT", `${cms}/a`, { metadata: { name: "a" } }, { fieldManager: long }).body.details.kind,
    "UpdateOptions",
  );
  const patched = call(
    cs,
    "PATCH",
    `${cms}/a`,
    { data: { q: "1" } },
    { fieldManager: long },
    "application/merge-patch+json",
  );
  assert.equal(patched.body.details.kind, "PatchOptions");
  assert.equal(call(cs, "PATCH", `${cms}/a`, acm({ name: "a" }), { fieldManager: long }, apply).code, 422);
  assert.equal(
    call(cs, "POST", cms, { metadata: { name: "c" } }, { fieldManager: "x".repeat(128) }).code,
    201,
  );
  assert.deepEqual(causes(call(cs, "POST", cms, { metadata: { name: "d" } }, { fieldManager: "a\tb" })), [
    {
      reason: "FieldValueInvalid",
      message: 'Invalid value: "a\\tb": invalid character U+0009 (at position 1)',
      field: "fieldManager",
    },
  ]);
  assert.deepEqual(causes(call(cs, "POST", cms, { metadata: { name: "e" } }, { fieldValidation: "Bogus" })), [
    {
      reason: "FieldValueNotSupported",
      message: 'Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"',
      field: "fieldValidation",
    },
  ]);
  const force = call(cs, "PATCH", `${cms}/a`, {}, { force: "true" }, "application/merge-patch+json");
  assert.equal(
    force.body.message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
});

test("managedFields: an Update owns the sets it creates with '.', and keeps a map's '.' when it changes it again", () => {
  const cs = newFakeClientset();
  const a = call(cs, "POST", cms, {
    metadata: { name: "a", finalizers: ["example.com/f"] },
    data: { k: "v" },
  }).body;
  const fields = (o: Obj) => o.metadata.managedFields.map((e: Obj) => e.fieldsV1);
  const created = {
    "f:data": { ".": {}, "f:k": {} },
    "f:metadata": { "f:finalizers": { ".": {}, 'v:"example.com/f"': {} } },
  };
  assert.deepEqual(fields(a), [created]);
  const b = call(cs, "PUT", `${cms}/a`, { ...a, data: { k: "2" } }).body;
  assert.deepEqual(fields(b), [created]);
  // Another manager takes the key; the first keeps the map ({}), and its "." beside keys it adds again.
  const c = call(cs, "PUT", `${cms}/a`, { ...b, data: { k: "3" } }, { fieldManager: "other" }).body;
  const d = call(cs, "PUT", `${cms}/a`, { ...c, data: { k: "4", j: "1" } }).body;
  assert.deepEqual(fields(d)[0]["f:data"], { ".": {}, "f:j": {}, "f:k": {} });
});

test("a DaemonSet's template generation is its annotation: 1 on create, bumped by a template change only", () => {
  const cs = newFakeClientset();
  const path = "/apis/apps/v1/namespaces/default/daemonsets";
  const created = call(cs, "POST", path, {
    metadata: { name: "ds" },
    spec: { selector: { matchLabels: { app: "a" } }, template },
  });
  const annotation = (a: Answer) => a.body.metadata.annotations["deprecated.daemonset.template.generation"];
  assert.equal(annotation(created), "1");
  const merge = (patch: unknown) =>
    call(cs, "PATCH", `${path}/ds`, patch, {}, "application/merge-patch+json");
  const image = { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:2" }] } } } };
  assert.equal(annotation(merge(image)), "2");
  assert.equal(annotation(merge({ spec: { minReadySeconds: 3 } })), "2");
  const set = merge({ metadata: { annotations: { "deprecated.daemonset.template.generation": "9" } } });
  assert.equal(annotation(set), "2");
});

test("a patch that drops the uid keeps it; a PUT of a missing Service's status creates the Service", () => {
  const cs = newFakeClientset();
  const a = call(cs, "POST", cms, { metadata: { name: "a" } }).body;
  const removed = call(
    cs,
    "PATCH",
    `${cms}/a`,
    [{ op: "remove", path: "/metadata/uid" }],
    {},
    "application/json-patch+json",
  );
  assert.equal(removed.body.metadata.uid, a.metadata.uid);
  const svc = { metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } };
  assert.equal(call(cs, "PUT", "/api/v1/namespaces/default/services/s/status", svc).code, 201);
  assert.equal(call(cs, "GET", "/api/v1/namespaces/default/services/s").code, 200);
});

test("Services and StatefulSets are named as DNS labels: a name with dots 'must not contain dots'", () => {
  const cs = newFakeClientset();
  const svc = call(cs, "POST", "/api/v1/namespaces/default/services", {
    metadata: { name: "a.b" },
    spec: { ports: [{ port: 80 }] },
  });
  assert.equal(
    svc.body.message,
    'Service "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots',
  );
  const sts = call(cs, "POST", "/apis/apps/v1/namespaces/default/statefulsets", {
    metadata: { name: "a.b" },
    spec: { serviceName: "a.b", selector: { matchLabels: { app: "a" } }, template },
  });
  assert.equal(
    sts.body.message,
    'StatefulSet.apps "a.b" is invalid: [metadata.name: Invalid value: "a.b": must not contain dots, spec.serviceName: Invalid value: "a.b": must not contain dots]',
  );
  // Not a subdomain either: the label's own message.
  const upper = call(cs, "POST", "/api/v1/namespaces", { metadata: { name: "A.b" } });
  assert.match(upper.body.message, /a lowercase RFC 1123 label must consist/);
});

test("a delete answers with the deleted object where the registry returns it", () => {
  const cs = newFakeClientset();
  const kinds: [string, Obj, string][] = [
    ["/api/v1/namespaces/default/services", { spec: { ports: [{ port: 80 }] } }, "Service"],
    ["/api/v1/namespaces/default/serviceaccounts", {}, "ServiceAccount"],
    ["/api/v1/persistentvolumes", { spec: {} }, "PersistentVolume"],
    ["/api/v1/namespaces/default/resourcequotas", { spec: {} }, "ResourceQuota"],
    ["/api/v1/namespaces/default/podtemplates", {}, "PodTemplate"],
    ["/api/v1/namespaces/default/secrets", {}, "Status"],
  ];
  for (const [path, body, kind] of kinds) {
    call(cs, "POST", path, { metadata: { name: "x" }, ...body });
    assert.equal(call(cs, "DELETE", `${path}/x`).body.kind, kind, path);
  }
});

test("a subresource the resource does not have is go-restful's 404, with empty details", () => {
  const cs = newFakeClientset();
  call(cs, "POST", cms, { metadata: { name: "a" } });
  const r = call(cs, "GET", `${cms}/a/status`);
  assert.equal(r.code, 404);
  assert.deepEqual(r.body.details, {});
  assert.equal(r.body.message, "the server could not find the requested resource");
});
