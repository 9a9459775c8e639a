// The contract cases: small scenarios with exact expectations (`want`) on results, errors and
// events. Each runs against the real kube-apiserver and against the fake; the real server is the
// oracle (a case it fails is a wrong case), the fake agrees when its observation is the same.
/* biome-ignore-all lint/suspicious/noExplicitAny: the cases handle objects of every kind */
import { PatchType } from "@org/rest";
import {
  type Ctx,
  cm,
  collect,
  crd,
  deployment,
  errorOf,
  failure,
  gone,
  mask,
  type Obj,
  pod,
} from "./target.js";

export interface Case {
  /** The bullet of the issue the case covers. */
  area: string;
  name: string;
  run(c: Ctx): Promise<unknown>;
  want: unknown;
}

const cases: Case[] = [];
function c(area: string, name: string, want: unknown, run: (c: Ctx) => Promise<unknown>): void {
  cases.push({ area, name, want, run });
}

const cms = (x: Ctx, ns = x.ns): any => x.cs.coreV1().configMaps(ns);
const secrets = (x: Ctx): any => x.cs.coreV1().secrets(x.ns);
const pods = (x: Ctx): any => x.cs.coreV1().pods(x.ns);
const deploys = (x: Ctx): any => x.cs.appsV1().deployments(x.ns);
const nss = (x: Ctx): any => x.cs.coreV1().namespaces();
const names = (l: any) => l.items.map((i: any) => i.metadata.name);
const rv = (o: any) => Number(o.metadata.resourceVersion);
const finalizer = "example.com/hold";
const owner = (o: any, extra: Obj = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  name: o.metadata.name,
  uid: o.metadata.uid,
  ...extra,
});

async function seed(x: Ctx, specs: [string, Record<string, string> | undefined][]): Promise<void> {
  for (const [name, labels] of specs) await cms(x).create(cm(name, {}, labels));
}

/**
 * On the real server, waits until its garbage collector has seen every ConfigMap created so far: it
 * collects a probe whose owner does not exist as soon as its informer delivers the probe, and that
 * informer delivers in order. Without it, deleting an owner races the collector's view of the
 * dependents: one it has not seen yet is not orphaned or waited for, and is collected later as
 * dangling. The fake's collector sees each object when it is written.
 */
async function gcCaughtUp(x: Ctx): Promise<void> {
  if (x.target !== "real") return;
  const uid = "00000000-0000-0000-0000-000000000000";
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "no-such-owner", uid };
  await cms(x).create({ ...cm("gc-probe"), metadata: { name: "gc-probe", ownerReferences: [ref] } });
  await x.until("the garbage collector to collect its probe", () => gone(cms(x).get("gc-probe")));
}

const rfc1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

// ---------------------------------------------------------------- object identity
c(
  "identity",
  "create sets uid, creationTimestamp and a numeric resourceVersion",
  { uid: "<uid>", creationTimestamp: "<time>", rvNumeric: true, name: "a" },
  async (x) => {
    const o = await cms(x).create(cm("a"));
    return {
      uid: mask(o.metadata.uid),
      creationTimestamp: mask(o.metadata.creationTimestamp),
      rvNumeric: /^\d+$/.test(o.metadata.resourceVersion),
      name: o.metadata.name,
    };
  },
);
c("identity", "one resourceVersion increases across objects of different kinds", [true, true], async (x) => {
  const a = await cms(x).create(cm("a"));
  const s = await secrets(x).create({ metadata: { name: "s" } });
  const b = await cms(x).create(cm("b"));
  return [rv(s) > rv(a), rv(b) > rv(s)];
});
c(
  "identity",
  "an update bumps the resourceVersion, keeps uid and creationTimestamp",
  { newer: true, sameUID: true, sameCreation: true },
  async (x) => {
    const a = await cms(x).create(cm("a", { k: "1" }));
    const b = await cms(x).update({ ...a, data: { k: "2" } });
    return {
      newer: rv(b) > rv(a),
      sameUID: a.metadata.uid === b.metadata.uid,
      sameCreation: a.metadata.creationTimestamp === b.metadata.creationTimestamp,
    };
  },
);
c("identity", "an update that changes nothing keeps the resourceVersion", { same: true }, async (x) => {
  const a = await cms(x).create(cm("a", { k: "1" }));
  const b = await cms(x).update(a);
  return { same: a.metadata.resourceVersion === b.metadata.resourceVersion };
});
c(
  "identity",
  "a ConfigMap keeps the generation of its create body (not of an update's), drops selfLink, and an update's managedFields that do not decode keep the stored ones",
  [
    [5, null],
    [5, null],
    [
      ["a", "Update", "FieldsV1"],
      ["b", "Update", "FieldsV1"],
    ],
    [
      ["a", "Update", "FieldsV1"],
      ["b", "Update", "FieldsV1"],
    ],
    [
      ["a", "Update", "FieldsV1"],
      ["b", "Update", "FieldsV1"],
    ],
    [
      ["a", "Update", "FieldsV1"],
      ["b", "Update", "FieldsV1"],
    ],
  ],
  async (x) => {
    const req = (method: any, name: string | undefined, body: unknown) =>
      x.rest.request<any>({
        method,
        group: "",
        version: "v1",
        namespace: x.ns,
        resource: "configmaps",
        name,
        body,
        query: method === "GET" ? {} : { fieldManager: method === "POST" ? "a" : "b" },
      });
    const a = await req("POST", undefined, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", generation: 5, selfLink: "/api/v1/x" },
      data: { k: "1" },
    });
    const b = await req("PUT", "a", {
      ...a,
      metadata: { ...a.metadata, generation: 7, selfLink: "/api/v1/y" },
      data: { k: "2" },
    });
    const mf = (o: any) =>
      (o.metadata.managedFields ?? []).map((e: any) => [e.manager, e.operation, e.fieldsType ?? null]);
    const out: unknown[] = [
      [a.metadata.generation ?? null, a.metadata.selfLink ?? null],
      [b.metadata.generation ?? null, b.metadata.selfLink ?? null],
      mf(b),
    ];
    for (const bad of [
      [{ manager: "m", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV2", fieldsV1: {} }],
      [{ manager: "m", operation: "Bogus", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: {} }],
      [
        {
          manager: "m",
          operation: "Update",
          apiVersion: "v1",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:data": 5 },
        },
      ],
    ]) {
      const cur = await req("GET", "a", undefined);
      const body = {
        ...cur,
        metadata: { ...cur.metadata, managedFields: bad },
        data: { k: String(out.length) },
      };
      try {
        out.push(mf(await req("PUT", "a", body)));
      } catch (e) {
        out.push(errorOf(e));
      }
    }
    return out;
  },
);
c("identity", "generateName appends five random characters", { prefix: true, length: 9 }, async (x) => {
  const o = await cms(x).create({ metadata: { generateName: "gen-" }, data: {} });
  return { prefix: o.metadata.name.startsWith("gen-"), length: o.metadata.name.length };
});
c(
  "identity",
  "generation: 1 on create, bumped by a spec change, not by labels or status",
  [1, 2, 2, 2],
  async (x) => {
    // Patches, not updates: the real deployment controller writes status meanwhile.
    const d = await deploys(x).create(deployment("d"));
    const d2 = await deploys(x).patch("d", PatchType.Merge, { spec: { replicas: 3 } });
    const d3 = await deploys(x).patch("d", PatchType.Merge, { metadata: { labels: { x: "y" } } });
    const d4 = await deploys(x).patch(
      "d",
      PatchType.Merge,
      { status: { observedGeneration: 2 } },
      { subresource: "status" },
    );
    return [d.metadata.generation, d2.metadata.generation, d3.metadata.generation, d4.metadata.generation];
  },
);
c("identity", "a ConfigMap (no status subresource) has no generation", { generation: null }, async (x) => {
  const o = await cms(x).create(cm("a"));
  return { generation: o.metadata.generation ?? null };
});
c("identity", "a custom resource's generation follows spec, not status", [1, 2, 2], async (x) => {
  const gvr = await crd(x, "Widget");
  const w = x.dyn.resource(gvr).namespace(x.ns);
  const a: any = await w.create({
    apiVersion: `${gvr.group}/v1`,
    kind: "Widget",
    metadata: { name: "w" },
    spec: { color: "red" },
  });
  const b: any = await w.update({ ...a, spec: { color: "blue" } });
  const s: any = await w.update({ ...b, status: { ok: true } }, {}, "status");
  return [a.metadata.generation, b.metadata.generation, s.metadata.generation];
});

// ---------------------------------------------------------------- namespaces
c(
  "namespaces",
  "creating in a missing namespace is a 404 for the namespace",
  {
    code: 404,
    reason: "NotFound",
    message: 'namespaces "no-such-ns-x" not found',
    details: { name: "no-such-ns-x", kind: "namespaces" },
  },
  async (x) => failure(cms(x, "no-such-ns-x").create(cm("a"))),
);
c(
  "namespaces",
  "a new namespace is Active, labelled with its name, with the kubernetes finalizer",
  { phase: "Active", label: true, finalizers: ["kubernetes"] },
  async (x) => {
    const name = x.unique("nsnew");
    const n = await nss(x).create({ metadata: { name } });
    await nss(x).delete(name);
    return {
      phase: n.status.phase,
      label: n.metadata.labels["kubernetes.io/metadata.name"] === name,
      finalizers: n.spec.finalizers,
    };
  },
);
c(
  "namespaces",
  "a terminating namespace refuses new objects (NamespaceLifecycle)",
  {
    phase: "Terminating",
    error: {
      code: 403,
      reason: "Forbidden",
      message:
        'configmaps "b" is forbidden: unable to create new content in namespace <ns> because it is being terminated',
      details: {
        name: "b",
        kind: "configmaps",
        causes: [
          {
            reason: "NamespaceTerminating",
            message: "namespace <ns> is being terminated",
            field: "metadata.namespace",
          },
        ],
      },
    },
  },
  async (x) => {
    const ns = await x.namespace("term");
    await cms(x, ns).create({ ...cm("hold"), metadata: { name: "hold", finalizers: [finalizer] } });
    const del = await nss(x)
      .delete(ns)
      .then(() => nss(x).get(ns));
    await x.until(
      "the namespace controller to try the held object",
      async () => (await cms(x, ns).get("hold")).metadata.deletionTimestamp !== undefined,
    );
    const err = await failure(cms(x, ns).create(cm("b")));
    const held = await cms(x, ns).get("hold");
    await cms(x, ns).update({ ...held, metadata: { ...held.metadata, finalizers: [] } });
    return JSON.parse(JSON.stringify({ phase: del.status.phase, error: err }).replaceAll(ns, "<ns>"));
  },
);
c(
  "namespaces",
  "deleting a namespace deletes its objects, then the namespace",
  { cmGone: true, nsGone: true },
  async (x) => {
    const ns = await x.namespace("del");
    await cms(x, ns).create(cm("a"));
    await nss(x).delete(ns);
    await x.until("the namespace to go", () => gone(nss(x).get(ns)));
    return { cmGone: await gone(cms(x, ns).get("a")), nsGone: true };
  },
);

// ---------------------------------------------------------------- validation
c(
  "validation",
  "creating an existing name is 409 AlreadyExists",
  {
    code: 409,
    reason: "AlreadyExists",
    message: 'configmaps "a" already exists',
    details: { name: "a", kind: "configmaps" },
  },
  async (x) => {
    await cms(x).create(cm("a"));
    return failure(cms(x).create(cm("a")));
  },
);
c(
  "validation",
  "an update with a stale resourceVersion is 409 Conflict",
  {
    code: 409,
    reason: "Conflict",
    message:
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    details: { name: "a", kind: "configmaps" },
  },
  async (x) => {
    const a = await cms(x).create(cm("a", { k: "1" }));
    await cms(x).update({ ...a, data: { k: "2" } });
    return failure(cms(x).update({ ...a, data: { k: "3" } }));
  },
);
c("validation", "an update without a resourceVersion is unconditional", { k: "3" }, async (x) => {
  const a = await cms(x).create(cm("a", { k: "1" }));
  await cms(x).update({ ...a, data: { k: "2" } });
  const b = await cms(x).update({ ...a, metadata: { name: "a" }, data: { k: "3" } });
  return b.data;
});
c(
  "validation",
  "get of a missing object: the server's exact 404",
  {
    code: 404,
    reason: "NotFound",
    message: 'configmaps "nope" not found',
    details: { name: "nope", kind: "configmaps" },
  },
  async (x) => failure(cms(x).get("nope")),
);
c(
  "validation",
  "404 of a grouped resource names the group",
  {
    code: 404,
    reason: "NotFound",
    message: 'deployments.apps "nope" not found',
    details: { name: "nope", group: "apps", kind: "deployments" },
  },
  async (x) => failure(deploys(x).get("nope")),
);
c(
  "validation",
  "delete of a missing object is 404",
  {
    code: 404,
    reason: "NotFound",
    message: 'secrets "nope" not found',
    details: { name: "nope", kind: "secrets" },
  },
  async (x) => failure(secrets(x).delete("nope")),
);
c(
  "validation",
  "update of a missing object is 404",
  {
    code: 404,
    reason: "NotFound",
    message: 'configmaps "nope" not found',
    details: { name: "nope", kind: "configmaps" },
  },
  async (x) => failure(cms(x).update(cm("nope"))),
);
c(
  "validation",
  "a name that is not DNS-1123 is 422 Invalid with the field cause",
  {
    code: 422,
    reason: "Invalid",
    message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${rfc1123}`,
    details: {
      name: "Bad_Name",
      kind: "ConfigMap",
      causes: [
        {
          reason: "FieldValueInvalid",
          message: `Invalid value: "Bad_Name": ${rfc1123}`,
          field: "metadata.name",
        },
      ],
    },
  },
  async (x) => failure(cms(x).create(cm("Bad_Name"))),
);
c(
  "validation",
  "a grouped kind's 422 names Kind.group",
  { code: 422, reason: "Invalid", group: "apps", kind: "Deployment", field: "metadata.name" },
  async (x) => {
    const e: any = await failure(deploys(x).create(deployment("Bad.")));
    return {
      code: e.code,
      reason: e.reason,
      group: e.details.group,
      kind: e.details.kind,
      field: e.details.causes[0].field,
    };
  },
);
c(
  "validation",
  "a namespace name must be a DNS-1123 label: no dots",
  {
    code: 422,
    reason: "Invalid",
    field: "metadata.name",
    causeStart: 'Invalid value: "a.b": must not contain dots',
  },
  async (x) => {
    const e: any = await failure(nss(x).create({ metadata: { name: "a.b" } }));
    return {
      code: e.code,
      reason: e.reason,
      field: e.details.causes[0].field,
      causeStart: e.details.causes[0].message.slice(0, 45),
    };
  },
);
const causesOf = (e: any) => (e.details?.causes ?? []).map((k: any) => [k.field, k.message]);
c(
  "validation",
  "an invalid generateName is 422 on metadata.generateName, then on the name made from it",
  {
    code: 422,
    fields: ["metadata.generateName", "metadata.name"],
    generateName: `Invalid value: "Gen-": ${rfc1123}`,
  },
  async (x) => {
    const e: any = await failure(cms(x).create({ metadata: { generateName: "Gen-" } }));
    return { code: e.code, fields: causesOf(e).map((k: any) => k[0]), generateName: causesOf(e)[0][1] };
  },
);
c(
  "validation",
  "a long generateName is cut to 58 characters before the five random ones",
  { length: 63, prefix: true },
  async (x) => {
    const o = await cms(x).create({ metadata: { generateName: "g".repeat(70) } });
    return { length: o.metadata.name.length, prefix: o.metadata.name.startsWith("g".repeat(58)) };
  },
);
c(
  "validation",
  "annotation keys, finalizer names, owner references and ConfigMap keys are validated (422 causes)",
  [
    [
      [
        "metadata.annotations",
        `Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
    [
      [
        "metadata.finalizers",
        `Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
    [["metadata.ownerReferences.uid", 'Invalid value: "": must not be empty']],
    [
      [
        "data[bad key]",
        `Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      ],
    ],
  ],
  async (x) => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "" };
    const bodies = [
      { metadata: { name: "a", annotations: { "bad key": "v" } } },
      { metadata: { name: "b", finalizers: ["a/b/c"] } },
      { metadata: { name: "c", ownerReferences: [ref] } },
      { metadata: { name: "d" }, data: { "bad key": "v" } },
    ];
    const out: unknown[] = [];
    for (const b of bodies) out.push(causesOf(await failure(cms(x).create(b))));
    return out;
  },
);
c(
  "validation",
  "label and annotation keys and label values are measured in bytes (63, a prefix 253), names in characters",
  [
    [
      ["metadata.labels", 'Invalid value: "éééééééééééééééééééééééééééééééé": must be no more than 63 bytes'],
      [
        "metadata.labels",
        "Invalid value: \"éééééééééééééééééééééééééééééééé\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      [
        "metadata.labels",
        'Invalid value: "éééééééééééééééééééééééééééééééé": name part must be no more than 63 bytes',
      ],
      [
        "metadata.labels",
        "Invalid value: \"éééééééééééééééééééééééééééééééé\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [["metadata.labels", 'Invalid value: "<long>": prefix part must be no more than 253 bytes']],
    [["metadata.labels", 'Invalid value: "<long>": must be no more than 63 bytes']],
    [["metadata.name", 'Invalid value: "<long>": must be no more than 253 characters']],
    [
      [
        "metadata.annotations",
        'Invalid value: "éééééééééééééééééééééééééééééééé": name part must be no more than 63 bytes',
      ],
      [
        "metadata.annotations",
        "Invalid value: \"éééééééééééééééééééééééééééééééé\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      ["metadata.name", 'Invalid value: "<long>": must be no more than 63 characters'],
      ["metadata.labels", 'Invalid value: "<long>": must be no more than 63 bytes'],
    ],
  ],
  async (x) => {
    const e2 = "é".repeat(32);
    const bodies = [
      { metadata: { name: "a", labels: { k: e2 } } },
      { metadata: { name: "b", labels: { [e2]: "v" } } },
      { metadata: { name: "c", labels: { [`${"p".repeat(254)}/k`]: "v" } } },
      { metadata: { name: "d", labels: { k: "x".repeat(64) } } },
      { metadata: { name: "n".repeat(254) } },
      { metadata: { name: "f", annotations: { [e2]: "v" } } },
    ];
    const short = (e: any) => causesOf(e).map((k: any) => [k[0], k[1].replace(/"[^"]{60,}"/, '"<long>"')]);
    const out: unknown[] = [];
    for (const b of bodies) out.push(short(await failure(cms(x).create(b))));
    out.push(short(await failure(nss(x).create({ metadata: { name: "n".repeat(64) } }))));
    return out;
  },
);
c(
  "validation",
  "Secret data and ConfigMap binaryData that are not base64 are the decoder's 400",
  [
    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0',
  ],
  async (x) => {
    const s: any = await failure(secrets(x).create({ metadata: { name: "s" }, data: { k: "abcde" } }));
    const b: any = await failure(cms(x).create({ metadata: { name: "c" }, binaryData: { k: "%%" } }));
    return [s.message, b.message];
  },
);
c(
  "validation",
  "a body of another kind or version than the URL's is the typed decoder's 400; an apply's names the GVK",
  [
    'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion',
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps/v1" in scheme "pkg/runtime/scheme.go:111"',
    "invalid object type: /v1, Kind=Secret",
  ],
  async (x) => {
    const out = [
      await failure(cms(x).create({ apiVersion: "v1", kind: "Secret", metadata: { name: "a" } })),
      await failure(cms(x).create({ apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "b" } })),
      await failure(
        cms(x).apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "c" } }, { fieldManager: "m" }),
      ),
    ];
    return out.map((e: any) => e.message);
  },
);
c(
  "validation",
  "a pod's update may change images, not other fields of its spec, nor add containers",
  {
    image: "nginx:2",
    command: [
      422,
      "spec",
      "FieldValueForbidden",
      "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ],
    added: [
      422,
      "spec.containers",
      "FieldValueForbidden",
      "Forbidden: pod updates may not add or remove containers",
    ],
  },
  async (x) => {
    await pods(x).create(pod("p"));
    const p1 = await pods(x).patch("p", PatchType.StrategicMerge, {
      spec: { containers: [{ name: "app", image: "nginx:2" }] },
    });
    // The server's message goes on with a diff of the Go structs: compare its first line.
    const first = (e: any) => {
      const k = e.details?.causes?.[0] ?? {};
      return [e.code, k.field, k.reason, String(k.message).split("\n")[0]];
    };
    const command = await failure(
      pods(x).patch("p", PatchType.StrategicMerge, {
        spec: { containers: [{ name: "app", command: ["sleep", "1"] }] },
      }),
    );
    const added = await failure(
      pods(x).patch("p", PatchType.StrategicMerge, {
        spec: { containers: [{ name: "side", image: "busybox:1" }] },
      }),
    );
    return { image: p1.spec.containers[0].image, command: first(command), added: first(added) };
  },
);
c(
  "validation",
  "a create without name or generateName is 422",
  {
    code: 422,
    reason: "Invalid",
    message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    details: {
      kind: "ConfigMap",
      causes: [
        {
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
          field: "metadata.name",
        },
      ],
    },
  },
  async (x) => failure(cms(x).create({ metadata: {}, data: {} })),
);
c(
  "validation",
  "an invalid label value is 422 on metadata.labels",
  { code: 422, reason: "Invalid", fields: ["metadata.labels"] },
  async (x) => {
    const e: any = await failure(cms(x).create(cm("a", {}, { k: "not valid!" })));
    return { code: e.code, reason: e.reason, fields: e.details.causes.map((c: any) => c.field) };
  },
);
c(
  "validation",
  "a ConfigMap key in both data and binaryData, and values over 1 MiB, are 422 (a Secret's on data, stringData counted)",
  [
    {
      code: 422,
      message:
        'ConfigMap "a" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData',
      causes: [["FieldValueInvalid", "data[k]"]],
    },
    {
      code: 422,
      message: 'ConfigMap "b" is invalid: []: Too long: may not be more than 1048576 bytes',
      causes: [["FieldValueTooLong", "[]"]],
    },
    {
      code: 422,
      message: 'Secret "c" is invalid: data: Too long: may not be more than 1048576 bytes',
      causes: [["FieldValueTooLong", "data"]],
    },
    { name: "d" },
  ],
  async (x) => {
    const half = "x".repeat(600_000);
    const out = (e: any) => ({
      code: e.code,
      message: e.message,
      causes: (e.details?.causes ?? []).map((c: any) => [c.reason, c.field]),
    });
    return [
      out(
        await failure(
          cms(x).create({ metadata: { name: "a" }, data: { k: "v" }, binaryData: { k: "dg==" } }),
        ),
      ),
      out(
        await failure(
          cms(x).create({
            metadata: { name: "b" },
            data: { a: half },
            binaryData: { b: Buffer.from(half).toString("base64") },
          }),
        ),
      ),
      out(
        await failure(
          secrets(x).create({
            metadata: { name: "c" },
            data: { a: Buffer.from(half).toString("base64") },
            stringData: { b: half },
          }),
        ),
      ),
      { name: (await cms(x).create(cm("d", { a: "x".repeat(1024 * 1024) }))).metadata.name },
    ];
  },
);
c(
  "validation",
  "an immutable ConfigMap refuses data changes",
  {
    code: 422,
    reason: "Invalid",
    message: 'ConfigMap "a" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    details: {
      name: "a",
      kind: "ConfigMap",
      causes: [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: field is immutable when `immutable` is set",
          field: "data",
        },
      ],
    },
  },
  async (x) => {
    const a = await cms(x).create({ ...cm("a", { k: "1" }), immutable: true });
    return failure(cms(x).update({ ...a, data: { k: "2" } }));
  },
);
c(
  "validation",
  "an immutable ConfigMap cannot become mutable",
  { code: 422, reason: "Invalid", fields: ["immutable"] },
  async (x) => {
    const a = await cms(x).create({ ...cm("a", { k: "1" }), immutable: true });
    const e: any = await failure(cms(x).update({ ...a, immutable: false }));
    return { code: e.code, reason: e.reason, fields: e.details.causes.map((c: any) => c.field) };
  },
);
c(
  "validation",
  "an immutable Secret refuses data changes",
  { code: 422, reason: "Invalid", fields: ["data"] },
  async (x) => {
    const a = await secrets(x).create({ metadata: { name: "s" }, data: { k: "MQ==" }, immutable: true });
    const e: any = await failure(secrets(x).update({ ...a, data: { k: "Mg==" } }));
    return { code: e.code, reason: e.reason, fields: e.details.causes.map((c: any) => c.field) };
  },
);
c("validation", "an immutable ConfigMap still takes label changes", { labels: { x: "y" } }, async (x) => {
  const a = await cms(x).create({ ...cm("a", { k: "1" }), immutable: true });
  const b = await cms(x).update({ ...a, metadata: { ...a.metadata, labels: { x: "y" } } });
  return { labels: b.metadata.labels };
});
c(
  "validation",
  "an update cannot rename: the body's name must match the URL",
  {
    code: 400,
    reason: "BadRequest",
    message: "the name of the object (b) does not match the name on the URL (a)",
  },
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const body = { ...a, metadata: { ...a.metadata, name: "b" } };
    return failure(
      x.rest.request({
        method: "PUT",
        group: "",
        version: "v1",
        namespace: x.ns,
        resource: "configmaps",
        name: "a",
        body,
      }),
    );
  },
);
c(
  "validation",
  "a create carrying a resourceVersion is refused",
  { code: 500, message: "resourceVersion should not be set on objects to be created" },
  async (x) => failure(cms(x).create({ ...cm("a"), metadata: { name: "a", resourceVersion: "5" } })),
);
c(
  "validation",
  "a body in another namespace than the URL's is 400",
  {
    code: 400,
    reason: "BadRequest",
    message: "the namespace of the provided object does not match the namespace sent on the request",
  },
  async (x) => failure(cms(x).create({ ...cm("a"), metadata: { name: "a", namespace: "elsewhere" } })),
);
c(
  "validation",
  "a pod without a container image is 422 naming the field",
  { code: 422, reason: "Invalid", hasImageCause: true },
  async (x) => {
    const e: any = await failure(
      pods(x).create({ metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } }),
    );
    return {
      code: e.code,
      reason: e.reason,
      hasImageCause: e.details.causes.some((c: any) => c.field === "spec.containers[0].image"),
    };
  },
);
c(
  "validation",
  "secrets: stringData is written to data, base64-encoded",
  { data: { k: "aGVsbG8=" }, stringData: null, type: "Opaque" },
  async (x) => {
    const s = await secrets(x).create({ metadata: { name: "s" }, stringData: { k: "hello" } });
    return { data: s.data, stringData: s.stringData ?? null, type: s.type };
  },
);

c(
  "validation",
  "fields a built-in type does not have are dropped",
  { foo: null, bogus: null, data: { k: "v" } },
  async (x) => {
    const o = await cms(x).create({ ...cm("a", { k: "v" }), foo: 1, metadata: { name: "a", bogus: 1 } });
    return { foo: o.foo ?? null, bogus: o.metadata.bogus ?? null, data: o.data };
  },
);
c(
  "validation",
  "fieldValidation=Strict refuses unknown fields, naming each",
  {
    code: 400,
    reason: "BadRequest",
    message:
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", unknown field "foo"',
  },
  async (x) =>
    failure(
      cms(x).create({ metadata: { name: "a", bogus: 1 }, data: {}, foo: 1 }, { fieldValidation: "Strict" }),
    ),
);
c(
  "validation",
  "fieldValidation=Strict names a nested unknown field by its path",
  {
    code: 400,
    message:
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
  },
  async (x) => {
    const d = deployment("d");
    d.spec.template.spec.containers[0].imagePullPolicyy = "x";
    const e: any = await failure(deploys(x).create(d, { fieldValidation: "Strict" }));
    return { code: e.code, message: e.message };
  },
);
c(
  "validation",
  "unknown fields named like Object.prototype's members (constructor, toString) are dropped, refused with Strict",
  {
    keys: ["apiVersion", "kind", "metadata"],
    meta: null,
    strict:
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.hasOwnProperty", unknown field "constructor", unknown field "toString"',
  },
  async (x) => {
    const body = () => ({
      metadata: { name: "a", hasOwnProperty: 1 },
      data: {},
      constructor: { a: 1 },
      toString: "s",
    });
    const o = await cms(x).create(body());
    const e: any = await failure(
      cms(x).create({ ...body(), metadata: { name: "b", hasOwnProperty: 1 } }, { fieldValidation: "Strict" }),
    );
    return {
      keys: Object.keys(o).sort(),
      meta: Object.hasOwn(o.metadata, "hasOwnProperty") || null,
      strict: e.message,
    };
  },
);
c(
  "validation",
  "responses list map keys sorted, as Go encodes maps (labels, annotations, data; every object of a custom resource)",
  {
    created: [
      ["a", "b", "c"],
      ["y", "z"],
      ["a", "m", "z"],
      ["b", "y"],
    ],
    got: [
      ["a", "b", "c"],
      ["a", "m", "z"],
      ["b", "y"],
    ],
    listed: [
      ["a", "b", "c"],
      ["a", "m", "z"],
    ],
    deployment: [["arch", "zone"], ["cpu", "memory"], ["app"]],
    custom: [
      ["apiVersion", "kind", "metadata", "spec"],
      [
        "annotations",
        "creationTimestamp",
        "generation",
        "labels",
        "name",
        "namespace",
        "resourceVersion",
        "uid",
      ],
      ["a", "color", "z"],
      ["b", "y"],
      ["c", "q"],
      ["a", "m", "z"],
    ],
    customGot: [
      ["apiVersion", "kind", "metadata", "spec"],
      ["a", "color", "z"],
      ["c", "q"],
    ],
    typedTop: ["kind", "apiVersion", "metadata", "data", "binaryData"],
  },
  async (x) => {
    const keys = (o: any) => Object.keys(o ?? {});
    const meta = { labels: { z: "1", a: "2", m: "3" }, annotations: { y: "1", b: "2" } };
    const c0 = await cms(x).create({
      metadata: { name: "c", ...meta },
      data: { b: "1", a: "2", c: "3" },
      binaryData: { z: "", y: "" },
    });
    const c1 = await cms(x).get("c");
    const l = await cms(x).list();
    const c2 = l.items.find((i: any) => i.metadata.name === "c");
    const d = deployment("d");
    d.spec.template.spec.nodeSelector = { zone: "a", arch: "x" };
    d.spec.template.spec.containers[0].resources = { limits: { memory: "1Gi", cpu: "1" } };
    const dd = await deploys(x).create(d);
    const gvr = await crd(x, "Sorter");
    const r = x.dyn.resource(gvr).namespace(x.ns);
    const w: any = await r.create({
      apiVersion: `${gvr.group}/v1`,
      kind: "Sorter",
      metadata: { name: "w", ...meta },
      spec: { z: 1, color: "red", a: { y: 1, b: [{ q: 1, c: 2 }] } },
    } as any);
    const wg: any = await r.get("w");
    return {
      created: [keys(c0.data), keys(c0.binaryData), keys(c0.metadata.labels), keys(c0.metadata.annotations)],
      got: [keys(c1.data), keys(c1.metadata.labels), keys(c1.metadata.annotations)],
      listed: [keys(c2.data), keys(c2.metadata.labels)],
      deployment: [
        keys(dd.spec.template.spec.nodeSelector),
        keys(dd.spec.template.spec.containers[0].resources.limits),
        keys(dd.spec.selector.matchLabels),
      ],
      custom: [
        keys(w),
        keys(w.metadata).filter((k) => k !== "managedFields"),
        keys(w.spec),
        keys(w.spec.a),
        keys(w.spec.a.b[0]),
        keys(w.metadata.labels),
      ],
      customGot: [keys(wg), keys(wg.spec), keys(wg.spec.a.b[0])],
      typedTop: keys(c1),
    };
  },
);
// ---------------------------------------------------------------- status subresource
// A Pod: nothing else writes it in the test cluster (a Deployment's controller races the update).
c("status", "update ignores status changes", { phase: "Pending", labels: { l: "1" } }, async (x) => {
  const p = await pods(x).create(pod("p"));
  const u = await pods(x).update({
    ...p,
    metadata: { ...p.metadata, labels: { l: "1" } },
    status: { ...p.status, phase: "Running" },
  });
  return { phase: u.status.phase, labels: u.metadata.labels };
});
c("validation", "a Service accepts a name with a leading digit", { name: "1abc" }, async (x) => {
  const s = await x.cs
    .coreV1()
    .services(x.ns)
    .create({ metadata: { name: "1abc" }, spec: { ports: [{ port: 80 }] } });
  return { name: s.metadata!.name };
});
c(
  "status",
  "a built-in's status update may change its metadata (not a Deployment's labels, a Pod's owners); a custom resource's may not",
  {
    service: { label: "1", annotation: "2", finalizers: ["example.com/f"] },
    deployment: { label: null, annotation: "2" },
    pod: { label: "1", owners: 0 },
    custom: { label: null, status: { s: 1 } },
  },
  async (x) => {
    const meta = { labels: { zz: "1" }, annotations: { zz: "2" } };
    const status = { subresource: "status" };
    const svcs = x.cs.coreV1().services(x.ns) as any;
    await svcs.create({ metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } });
    const s = await svcs.patch(
      "s",
      PatchType.Merge,
      { metadata: { ...meta, finalizers: ["example.com/f"] } },
      status,
    );
    await svcs.patch("s", PatchType.Merge, { metadata: { finalizers: null } });
    await deploys(x).create(deployment("d"));
    const d = await deploys(x).patch("d", PatchType.Merge, { metadata: meta }, status);
    await pods(x).create(pod("p"));
    const ref = {
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "cm",
      uid: "11111111-1111-1111-1111-111111111111",
    };
    const p = await pods(x).patch(
      "p",
      PatchType.Merge,
      { metadata: { ...meta, ownerReferences: [ref] } },
      status,
    );
    const gvr = await crd(x, "Widget");
    const w = x.dyn.resource(gvr).namespace(x.ns);
    await w.create({ apiVersion: `${gvr.group}/v1`, kind: "Widget", metadata: { name: "w" }, spec: {} });
    const o: any = await w.patch("w", PatchType.Merge, { metadata: meta, status: { s: 1 } }, status as any);
    return {
      service: {
        label: s.metadata.labels?.zz,
        annotation: s.metadata.annotations?.zz,
        finalizers: s.metadata.finalizers,
      },
      deployment: { label: d.metadata.labels?.zz ?? null, annotation: d.metadata.annotations?.zz },
      pod: { label: p.metadata.labels?.zz, owners: (p.metadata.ownerReferences ?? []).length },
      custom: { label: o.metadata.labels?.zz ?? null, status: o.status },
    };
  },
);
c(
  "status",
  "updateStatus changes only status",
  { activeDeadlineSeconds: null, phase: "Failed" },
  async (x) => {
    const p = await pods(x).create(pod("p"));
    const u = await pods(x).updateStatus({
      ...p,
      spec: { ...p.spec, activeDeadlineSeconds: 5 },
      status: { ...p.status, phase: "Failed" },
    });
    return { activeDeadlineSeconds: u.spec.activeDeadlineSeconds ?? null, phase: u.status.phase };
  },
);
c(
  "status",
  "a merge patch of the status subresource sets status",
  { observedGeneration: 1, replicas: 1 },
  async (x) => {
    await deploys(x).create(deployment("d"));
    const u = await deploys(x).patch(
      "d",
      PatchType.Merge,
      { status: { observedGeneration: 1 }, spec: { replicas: 4 } },
      { subresource: "status" },
    );
    return { observedGeneration: u.status.observedGeneration, replicas: u.spec.replicas };
  },
);
c(
  "status",
  "a custom resource: update ignores status, the status subresource sets it",
  { afterUpdate: null, afterStatus: { phase: "Ready" }, spec: { color: "red" } },
  async (x) => {
    const gvr = await crd(x, "Gadget");
    const w = x.dyn.resource(gvr).namespace(x.ns);
    const a: any = await w.create({
      apiVersion: `${gvr.group}/v1`,
      kind: "Gadget",
      metadata: { name: "g" },
      spec: { color: "red" },
    });
    const u: any = await w.update({ ...a, status: { phase: "Ready" } });
    const s: any = await w.update(
      { ...u, spec: { color: "green" }, status: { phase: "Ready" } },
      {},
      "status",
    );
    return { afterUpdate: u.status ?? null, afterStatus: s.status, spec: s.spec };
  },
);
c(
  "status",
  "a custom resource without a status subresource: status is written with it and bumps generation; /status is 404",
  {
    created: [1, { phase: "New" }],
    statusChanged: [2, { phase: "Ready" }],
    labelled: 2,
    statusUpdate: {
      code: 404,
      reason: "NotFound",
      message: 'sprockets.<group> "s" not found',
      details: { name: "s", group: "<group>", kind: "sprockets" },
    },
  },
  async (x) => {
    const gvr = await crd(x, "Sprocket", { status: false });
    const r = x.dyn.resource(gvr).namespace(x.ns);
    const a: any = await r.create({
      apiVersion: `${gvr.group}/v1`,
      kind: "Sprocket",
      metadata: { name: "s" },
      spec: { color: "red" },
      status: { phase: "New" },
    });
    const b: any = await r.update({ ...a, status: { phase: "Ready" } });
    const l: any = await r.update({ ...b, metadata: { ...b.metadata, labels: { l: "1" } } });
    const e = await failure(r.update({ ...l, status: { phase: "Done" } }, {}, "status"));
    return {
      created: [a.metadata.generation, a.status],
      statusChanged: [b.metadata.generation, b.status],
      labelled: l.metadata.generation,
      statusUpdate: JSON.parse(JSON.stringify(e).replaceAll(gvr.group, "<group>")),
    };
  },
);
c("status", "a new Pod's status is Pending", { phase: "Pending" }, async (x) => {
  const p = await pods(x).create(pod("p"));
  return { phase: p.status.phase };
});

c(
  "status",
  "binding: the URL's name (400), the target (500), a bound, deleting or gated pod (409); it sets the node, PodScheduled and the binding's annotations",
  {
    noName: { code: 500, message: "target.name: Required value" },
    badKind: {
      code: 500,
      message: 'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
    },
    both: {
      code: 500,
      message:
        '[target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value]',
    },
    otherName: {
      code: 400,
      reason: "BadRequest",
      message: "name in URL does not match name in Binding object",
    },
    missingBad: {
      code: 500,
      message:
        '[target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value]',
    },
    managers: [["org-rest", "Update", ""]],
    first: { succeeded: true },
    second: {
      code: 409,
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"',
      details: { name: "p", kind: "pods/binding" },
    },
    missing: {
      code: 404,
      reason: "NotFound",
      message: 'pods "zz" not found',
      details: { name: "zz", kind: "pods" },
    },
    deleting: {
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on pods/binding "d": pod d is being deleted, cannot be assigned to a host',
      details: { name: "d", kind: "pods/binding" },
    },
    gated: {
      code: 409,
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on pods/binding "g": pod g has non-empty .spec.schedulingGates',
      details: { name: "g", kind: "pods/binding" },
    },
    node: "n1",
    annotations: { "example.com/a": "1" },
    conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "<time>" }],
  },
  async (x) => {
    await pods(x).create(pod("p"));
    const bind = (name: string, body: Obj) =>
      failure(
        x.rest.request<any>({
          method: "POST",
          group: "",
          version: "v1",
          namespace: x.ns,
          resource: "pods",
          name,
          subresource: "binding",
          body: { apiVersion: "v1", kind: "Binding", metadata: { name }, ...body },
        }),
      );
    const noName = await bind("p", { target: { kind: "Node" } });
    const badKind = await bind("p", { target: { kind: "Pod", name: "n1" } });
    const both = await bind("p", { target: { kind: "Pod" } });
    const otherName = await bind("p", { metadata: { name: "q" }, target: { name: "n1" } });
    const missingBad = await bind("zz", { target: { kind: "Pod" } });
    const first = await bind("p", {
      metadata: { name: "p", annotations: { "example.com/a": "1" } },
      target: { name: "n1" },
    });
    const second = await bind("p", { target: { kind: "Node", name: "n2" } });
    const missing = await bind("zz", { target: { name: "n1" } });
    const p = await pods(x).get("p");
    await pods(x).create({ ...pod("d"), metadata: { name: "d", finalizers: [finalizer] } });
    await pods(x).delete("d");
    const deleting = await bind("d", { target: { name: "n1" } });
    await pods(x).create({ ...pod("g", { schedulingGates: [{ name: "example.com/gate" }] }) });
    const gated = await bind("g", { target: { name: "n1" } });
    await pods(x).patch("d", PatchType.Merge, { metadata: { finalizers: null } });
    return {
      noName,
      badKind,
      both,
      otherName,
      missingBad,
      managers: p.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.subresource ?? ""]),
      first,
      second,
      missing,
      deleting,
      gated,
      node: p.spec.nodeName,
      annotations: p.metadata.annotations ?? null,
      conditions: mask(p.status.conditions ?? null),
    };
  },
);
/** The 422 of an invalid replicas value `v` of `kind` in `group` ("" for the core group). */
function invalidReplicas(
  name: string,
  kind: string,
  group: string,
  v: number,
  { field, rule } = { field: "spec.replicas", rule: "must be greater than or equal to 0" },
): unknown {
  return {
    code: 422,
    reason: "Invalid",
    message: `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${field}: Invalid value: ${v}: ${rule}`,
    details: {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${v}: ${rule}`, field }],
    },
  };
}
/** A custom resource's replicas are checked by its schema, with the structural schema's wording. */
const crReplicas = { field: ".spec.replicas", rule: "should be a non-negative integer" };
/** Any apply of a custom resource's scale: the server cannot convert the Scale. */
const scaleConversion = {
  code: 500,
  message:
    "failed to convert new object (/w; autoscaling/v1, Kind=Scale) to proper version: request to convert CR to an invalid group/version: autoscaling/v1",
};
/** A workload's scale: -1 by update, -2 by patch and -3 by apply are the Scale's 422, -4 on the spec its own. */
function workloadReplicas(name: string, kind: string, group: string): unknown {
  return {
    put: invalidReplicas(name, "Scale", "autoscaling", -1),
    patch: invalidReplicas(name, "Scale", "autoscaling", -2),
    apply: invalidReplicas(name, "Scale", "autoscaling", -3),
    applyOK: { succeeded: true },
    main: invalidReplicas(name, kind, group, -4),
    replicas: 2,
  };
}
c(
  "status",
  "negative replicas: the Scale's 422 (update, patch, apply) of workloads, a custom resource's own (its applyScale a 500), the parent's on the main resource",
  {
    deployments: workloadReplicas("d", "Deployment", "apps"),
    replicasets: workloadReplicas("r", "ReplicaSet", "apps"),
    statefulsets: workloadReplicas("s", "StatefulSet", "apps"),
    replicationcontrollers: workloadReplicas("rc", "ReplicationController", ""),
    custom: {
      put: invalidReplicas("w", "Scaler", "<group>", -1, crReplicas),
      patch: invalidReplicas("w", "Scaler", "<group>", -2, crReplicas),
      apply: scaleConversion,
      applyOK: scaleConversion,
      main: invalidReplicas("w", "Scaler", "<group>", -4, crReplicas),
      replicas: 1,
    },
  },
  async (x) => {
    const apps = (resource: string) => ({ group: "apps", version: "v1", resource });
    const tmpl = (name: string) => deployment(name).spec;
    await deploys(x).create(deployment("d"));
    await x.cs
      .appsV1()
      .replicaSets(x.ns)
      .create({ ...deployment("r"), kind: "ReplicaSet" } as any);
    await x.cs
      .appsV1()
      .statefulSets(x.ns)
      .create({ ...deployment("s"), kind: "StatefulSet", spec: { ...tmpl("s"), serviceName: "s" } } as any);
    await x.cs
      .coreV1()
      .replicationControllers(x.ns)
      .create({
        metadata: { name: "rc" },
        spec: { replicas: 1, selector: { app: "rc" }, template: tmpl("rc").template },
      } as any);
    const gvr = await crd(x, "Scaler", { scale: true });
    await x.dyn
      .resource(gvr)
      .namespace(x.ns)
      .create({
        apiVersion: `${gvr.group}/v1`,
        kind: "Scaler",
        metadata: { name: "w" },
        spec: { replicas: 1 },
      } as any);
    const targets: [string, { group: string; version: string; resource: string }][] = [
      ["d", apps("deployments")],
      ["r", apps("replicasets")],
      ["s", apps("statefulsets")],
      ["rc", { group: "", version: "v1", resource: "replicationcontrollers" }],
      ["w", gvr],
    ];
    const out: Record<string, unknown> = {};
    for (const [name, r] of targets) {
      const at = { ...r, namespace: x.ns, name, subresource: "scale" };
      const s: any = await x.rest.request<any>({ method: "GET", ...at });
      const put = await failure(
        x.rest.request<any>({ method: "PUT", ...at, body: { ...s, spec: { replicas: -1 } } }),
      );
      const patch = await failure(
        x.dyn
          .resource(r)
          .namespace(x.ns)
          .patch(name, PatchType.Merge, { spec: { replicas: -2 } }, { subresource: "scale" }),
      );
      const apply = await failure(
        x.rest.request<any>({
          method: "PATCH",
          ...at,
          contentType: PatchType.Apply,
          options: { fieldManager: "hpa", force: true },
          body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name }, spec: { replicas: -3 } },
        }),
      );
      const applyOK = await failure(
        x.rest.request<any>({
          method: "PATCH",
          ...at,
          contentType: PatchType.Apply,
          options: { fieldManager: "hpa", force: true },
          body: { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name }, spec: { replicas: 2 } },
        }),
      );
      const main = await failure(
        x.dyn
          .resource(r)
          .namespace(x.ns)
          .patch(name, PatchType.Merge, { spec: { replicas: -4 } }),
      );
      const after: any = await x.rest.request<any>({ method: "GET", ...at });
      const masked = (e: unknown) => JSON.parse(JSON.stringify(e).replaceAll(gvr.group, "<group>"));
      out[r.group.includes(".") ? "custom" : r.resource] = masked({
        put,
        patch,
        apply,
        applyOK,
        main,
        replicas: after.spec.replicas,
      });
    }
    return out;
  },
);
// ---------------------------------------------------------------- delete
c(
  "delete",
  "a finalizer keeps the object, with deletionTimestamp set",
  { exists: true, deletionTimestamp: "<time>", deletionGracePeriodSeconds: 0, finalizers: [finalizer] },
  async (x) => {
    await cms(x).create({ ...cm("a"), metadata: { name: "a", finalizers: [finalizer] } });
    await cms(x).delete("a");
    const o = await cms(x).get("a");
    return {
      exists: true,
      deletionTimestamp: mask(o.metadata.deletionTimestamp),
      deletionGracePeriodSeconds: o.metadata.deletionGracePeriodSeconds,
      finalizers: o.metadata.finalizers,
    };
  },
);
c("delete", "removing the last finalizer deletes the object", { gone: true }, async (x) => {
  await cms(x).create({ ...cm("a"), metadata: { name: "a", finalizers: [finalizer] } });
  await cms(x).delete("a");
  const o = await cms(x).get("a");
  await cms(x).update({ ...o, metadata: { ...o.metadata, finalizers: [] } });
  return { gone: await gone(cms(x).get("a")) };
});
c(
  "delete",
  "watch sees a finalized delete as MODIFIED, then DELETED with the last stored state",
  [
    ["MODIFIED", true],
    ["DELETED", true],
  ],
  async (x) => {
    const a = await cms(x).create({ ...cm("a"), metadata: { name: "a", finalizers: [finalizer] } });
    const w = cms(x).watch({ resourceVersion: a.metadata.resourceVersion });
    await cms(x).delete("a");
    const o = await cms(x).get("a");
    await cms(x).update({ ...o, metadata: { ...o.metadata, finalizers: [] } });
    return collect(
      w,
      (evs) => evs.some((e) => e.type === "DELETED"),
      (o) => (o.metadata?.finalizers ?? []).length > 0,
    );
  },
);
c(
  "delete",
  "no new finalizers once the object is being deleted",
  { code: 422, reason: "Invalid", field: "metadata.finalizers" },
  async (x) => {
    await cms(x).create({ ...cm("a"), metadata: { name: "a", finalizers: [finalizer] } });
    await cms(x).delete("a");
    const o = await cms(x).get("a");
    const e: any = await failure(
      cms(x).update({ ...o, metadata: { ...o.metadata, finalizers: [finalizer, "example.com/more"] } }),
    );
    await cms(x).update({
      ...(await cms(x).get("a")),
      metadata: { ...o.metadata, resourceVersion: undefined, finalizers: [] },
    });
    return { code: e.code, reason: e.reason, field: e.details?.causes?.[0]?.field };
  },
);
c(
  "delete",
  "a uid precondition that does not match is 409",
  {
    code: 409,
    reason: "Conflict",
    message:
      'Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record (<uid>). The object might have been deleted and then recreated',
  },
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const e: any = await failure(
      cms(x).delete("a", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
    );
    return { code: e.code, reason: e.reason, message: e.message.replace(a.metadata.uid, "<uid>") };
  },
);
c(
  "delete",
  "a resourceVersion precondition that does not match is 409",
  { code: 409, reason: "Conflict", mentionsPrecondition: true },
  async (x) => {
    const a = await cms(x).create(cm("a", { k: "1" }));
    await cms(x).update({ ...a, data: { k: "2" } });
    const e: any = await failure(
      cms(x).delete("a", { preconditions: { resourceVersion: a.metadata.resourceVersion } }),
    );
    return {
      code: e.code,
      reason: e.reason,
      mentionsPrecondition: e.message.includes(
        `the ResourceVersion in the precondition (${a.metadata.resourceVersion}) does not match`,
      ),
    };
  },
);
c("delete", "matching preconditions delete the object", { gone: true }, async (x) => {
  const a = await cms(x).create(cm("a"));
  await cms(x).delete("a", {
    preconditions: { uid: a.metadata.uid, resourceVersion: a.metadata.resourceVersion },
  });
  return { gone: await gone(cms(x).get("a")) };
});
c(
  "delete",
  "a delete answers with a Success Status naming the object",
  { kind: "Status", status: "Success", details: { name: "a", kind: "configmaps", uid: "<uid>" } },
  async (x) => {
    await cms(x).create(cm("a"));
    const r: any = await x.rest.request({
      method: "DELETE",
      group: "",
      version: "v1",
      namespace: x.ns,
      resource: "configmaps",
      name: "a",
    });
    return mask({ kind: r.kind, status: r.status, details: r.details });
  },
);
c(
  "delete",
  "background propagation: the garbage collector deletes dependents",
  { ownerGone: true, dependentGone: true },
  async (x) => {
    const o = await cms(x).create(cm("owner"));
    await cms(x).create({ ...cm("dep"), metadata: { name: "dep", ownerReferences: [owner(o)] } });
    await cms(x).delete("owner", { propagationPolicy: "Background" });
    const ownerGone = await gone(cms(x).get("owner"));
    await x.until("the dependent to be collected", () => gone(cms(x).get("dep")));
    return { ownerGone, dependentGone: true };
  },
);
c(
  "delete",
  "orphan propagation: dependents stay, without the owner reference",
  { dependent: true, ownerReferences: null },
  async (x) => {
    const o = await cms(x).create(cm("owner"));
    await cms(x).create({ ...cm("dep"), metadata: { name: "dep", ownerReferences: [owner(o)] } });
    await gcCaughtUp(x);
    await cms(x).delete("owner", { propagationPolicy: "Orphan" });
    await x.until("the owner to go", () => gone(cms(x).get("owner")));
    const d = await cms(x).get("dep");
    return { dependent: true, ownerReferences: d.metadata.ownerReferences ?? null };
  },
);
c(
  "delete",
  "orphan propagation marks the owner with the orphan finalizer first",
  { finalizers: ["orphan"], deleting: true },
  async (x) => {
    const o = await cms(x).create({ ...cm("owner"), metadata: { name: "owner", finalizers: [finalizer] } });
    await cms(x).create({ ...cm("dep"), metadata: { name: "dep", ownerReferences: [owner(o)] } });
    const r = await x.rest.request<any>({
      method: "DELETE",
      group: "",
      version: "v1",
      namespace: x.ns,
      resource: "configmaps",
      name: "owner",
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Orphan" },
    });
    await x.until(
      "the orphan finalizer to be processed",
      async () => !((await cms(x).get("owner")).metadata.finalizers ?? []).includes("orphan"),
    );
    const cur = await cms(x).get("owner");
    await cms(x).update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    return {
      finalizers: r.metadata.finalizers.filter((f: string) => f !== finalizer),
      deleting: r.metadata.deletionTimestamp !== undefined,
    };
  },
);
c(
  "delete",
  "foreground propagation: the owner waits with foregroundDeletion until dependents go",
  { finalizers: [finalizer, "foregroundDeletion"], ownerGone: true, dependentGone: true },
  async (x) => {
    const o = await cms(x).create({ ...cm("owner"), metadata: { name: "owner", finalizers: [finalizer] } });
    await cms(x).create({
      ...cm("dep"),
      metadata: { name: "dep", ownerReferences: [owner(o, { blockOwnerDeletion: true })] },
    });
    await cms(x).delete("owner", { propagationPolicy: "Foreground" });
    const marked = await cms(x).get("owner");
    await x.until("the dependent to be deleted", () => gone(cms(x).get("dep")));
    await x.until(
      "foregroundDeletion to be removed",
      async () => !((await cms(x).get("owner")).metadata.finalizers ?? []).includes("foregroundDeletion"),
    );
    const cur = await cms(x).get("owner");
    await cms(x).update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    return {
      finalizers: marked.metadata.finalizers,
      ownerGone: await gone(cms(x).get("owner")),
      dependentGone: true,
    };
  },
);
c(
  "delete",
  "foreground: a blocking dependent with a finalizer keeps the owner",
  { ownerStays: true, dependentDeleting: true },
  async (x) => {
    const o = await cms(x).create(cm("owner"));
    await cms(x).create({
      ...cm("dep"),
      metadata: {
        name: "dep",
        finalizers: [finalizer],
        ownerReferences: [owner(o, { blockOwnerDeletion: true })],
      },
    });
    await gcCaughtUp(x);
    await cms(x).delete("owner", { propagationPolicy: "Foreground" });
    await x.until(
      "the dependent to be marked",
      async () => (await cms(x).get("dep")).metadata.deletionTimestamp !== undefined,
    );
    const ownerStays = !(await gone(cms(x).get("owner")));
    const d = await cms(x).get("dep");
    await cms(x).update({ ...d, metadata: { ...d.metadata, finalizers: [] } });
    await x.until("the owner to go", () => gone(cms(x).get("owner")));
    return { ownerStays, dependentDeleting: true };
  },
);
c(
  "delete",
  "a dependent with another live owner loses only the deleted owner's reference",
  { remaining: ["b"] },
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const b = await cms(x).create(cm("b"));
    await cms(x).create({ ...cm("dep"), metadata: { name: "dep", ownerReferences: [owner(a), owner(b)] } });
    await cms(x).delete("a");
    await x.until(
      "the reference to go",
      async () => (await cms(x).get("dep")).metadata.ownerReferences.length === 1,
    );
    return { remaining: (await cms(x).get("dep")).metadata.ownerReferences.map((r: any) => r.name) };
  },
);
c(
  "delete",
  "gracePeriodSeconds on a pod bound to a node: it stays, terminating",
  { exists: true, deletionGracePeriodSeconds: 20, thenGone: true },
  async (x) => {
    await pods(x).create(pod("p", { nodeName: "no-such-node" }));
    await pods(x).delete("p", { gracePeriodSeconds: 20 });
    const p = await pods(x).get("p");
    await pods(x).delete("p", { gracePeriodSeconds: 0 });
    return {
      exists: true,
      deletionGracePeriodSeconds: p.metadata.deletionGracePeriodSeconds,
      thenGone: await gone(pods(x).get("p")),
    };
  },
);
c(
  "delete",
  "deleting an object being deleted keeps its deletionTimestamp and generation; the policy still sets the propagation finalizer",
  { generation: [2, 2], sameTimestamp: true, finalizers: [finalizer, "orphan"] },
  async (x) => {
    const d = deployment("d");
    d.metadata!.finalizers = [finalizer];
    await deploys(x).create(d);
    await deploys(x).delete("d");
    const a = await deploys(x).get("d");
    // Into the next second, so that a new deletionTimestamp would show (both clocks are this host's).
    const next = Date.parse(a.metadata.deletionTimestamp) + 1000;
    while (Date.now() < next) await new Promise((r) => setTimeout(r, 20));
    const b = await x.rest.request<any>({
      method: "DELETE",
      group: "apps",
      version: "v1",
      namespace: x.ns,
      resource: "deployments",
      name: "d",
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Orphan" },
    });
    await x.until(
      "the orphan finalizer to be processed",
      async () => !((await deploys(x).get("d")).metadata.finalizers ?? []).includes("orphan"),
    );
    await deploys(x).patch("d", PatchType.Merge, { metadata: { finalizers: null } });
    return {
      generation: [a.metadata.generation, b.metadata.generation],
      sameTimestamp: a.metadata.deletionTimestamp === b.metadata.deletionTimestamp,
      finalizers: b.metadata.finalizers,
    };
  },
);
c(
  "delete",
  "a terminating pod's grace period only shortens, moving the deletionTimestamp back; generation stays",
  { grace: [30, 10, 10, 10], movedBack20s: true, generation: [2, 2], thenGone: true },
  async (x) => {
    await pods(x).create(pod("p", { nodeName: "no-such-node" }));
    const grace: number[] = [];
    const got: any[] = [];
    const spans: [number, number][] = [];
    for (const opts of [
      { gracePeriodSeconds: 30 },
      { gracePeriodSeconds: 10 },
      { gracePeriodSeconds: 20 },
      {},
    ]) {
      const sent = Date.now();
      await pods(x).delete("p", opts);
      spans.push([sent, Date.now()]);
      const p = await pods(x).get("p");
      grace.push(p.metadata.deletionGracePeriodSeconds);
      got.push(p);
    }
    await pods(x).delete("p", { gracePeriodSeconds: 0 });
    const ts = (i: number) => Date.parse(got[i].metadata.deletionTimestamp);
    // Each deletionTimestamp is the time of its call plus the grace period, in whole seconds: the
    // second call, made later, moves it back 20 s less (at most) the time between the calls, rounded up.
    const movedBy = (ts(1) - ts(0)) / 1000;
    const between = Math.ceil((spans[1]![1] - spans[0]![0]) / 1000);
    return {
      grace,
      movedBack20s: movedBy <= -20 + between && movedBy >= -20,
      generation: [got[0].metadata.generation, got[3].metadata.generation],
      thenGone: await gone(pods(x).get("p")),
    };
  },
);
c(
  "delete",
  "a dependent created with an owner reference to no live owner (missing uid, another object's uid under another name or kind) is collected when the collector sees it",
  { collected: ["missing", "other-kind", "other-name"], kept: ["a", "b", "live"] },
  async (x) => {
    const a = await cms(x).create(cm("a"));
    await cms(x).create(cm("b"));
    const dep = (name: string, ref: Obj) =>
      cms(x).create({ ...cm(name), metadata: { name, ownerReferences: [ref] } });
    await dep("missing", owner(a, { uid: "11111111-2222-3333-4444-555555555555" }));
    await dep("other-name", owner(a, { name: "b" }));
    await dep("other-kind", owner(a, { kind: "Secret" }));
    await dep("live", owner(a));
    const collected: string[] = [];
    for (const n of ["missing", "other-kind", "other-name"]) {
      await x.until(`${n} to be collected`, () => gone(cms(x).get(n)));
      collected.push(n);
    }
    await gcCaughtUp(x);
    const kept = names(await cms(x).list())
      .filter((n: string) => n !== "kube-root-ca.crt")
      .sort();
    return { collected, kept };
  },
);
c(
  "delete",
  "a batch/v1 Job deleted without a propagationPolicy orphans its dependents (the server's default for Jobs)",
  { finalizers: ["orphan"], dependent: true, ownerReferences: null },
  async (x) => {
    const jobs = x.cs.batchV1().jobs(x.ns);
    const job: any = await jobs.create({
      metadata: { name: "j" },
      spec: {
        suspend: true,
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "app", image: "busybox:1" }] },
        },
      },
    } as any);
    const ref = { apiVersion: "batch/v1", kind: "Job", name: "j", uid: job.metadata.uid };
    await cms(x).create({ ...cm("dep"), metadata: { name: "dep", ownerReferences: [ref] } });
    await gcCaughtUp(x);
    const r = await x.rest.request<any>({
      method: "DELETE",
      group: "batch",
      version: "v1",
      namespace: x.ns,
      resource: "jobs",
      name: "j",
    });
    await x.until("the job to go", () => gone(jobs.get("j")));
    const d = await cms(x).get("dep");
    return {
      finalizers: r.metadata.finalizers,
      dependent: true,
      ownerReferences: d.metadata.ownerReferences ?? null,
    };
  },
);
c("delete", "a pod not bound to a node is deleted at once", { gone: true }, async (x) => {
  await pods(x).create(pod("p"));
  await pods(x).delete("p", { gracePeriodSeconds: 30 });
  return { gone: await gone(pods(x).get("p")) };
});
c(
  "delete",
  "deleteCollection with a label selector deletes only the matching objects",
  ["keep", "kube-root-ca.crt", "other"],
  async (x) => {
    await seed(x, [
      ["a", { t: "x" }],
      ["b", { t: "x" }],
      ["keep", { t: "y" }],
      ["other", undefined],
    ]);
    // kube-controller-manager adds the namespace's kube-root-ca.crt soon, not at once
    await x.until("kube-root-ca.crt", async () => !(await gone(cms(x).get("kube-root-ca.crt"))));
    await cms(x).deleteCollection({}, { labelSelector: "t=x" });
    return names(await cms(x).list({ labelSelector: "!t" }))
      .concat(names(await cms(x).list({ labelSelector: "t=y" })))
      .sort();
  },
);
c("delete", "deleteCollection with a field selector", ["b"], async (x) => {
  await seed(x, [
    ["a", { s: "1" }],
    ["b", { s: "1" }],
  ]);
  await cms(x).deleteCollection({}, { fieldSelector: "metadata.name=a" });
  return names(await cms(x).list({ labelSelector: "s=1" }));
});
c(
  "delete",
  "deleteCollection respects finalizers",
  { held: true, deletionTimestamp: "<time>" },
  async (x) => {
    await cms(x).create({
      ...cm("h", {}, { s: "1" }),
      metadata: { name: "h", labels: { s: "1" }, finalizers: [finalizer] },
    });
    await cms(x).deleteCollection({}, { labelSelector: "s=1" });
    const h = await cms(x).get("h");
    await cms(x).update({ ...h, metadata: { ...h.metadata, finalizers: [] } });
    return { held: true, deletionTimestamp: mask(h.metadata.deletionTimestamp) };
  },
);

c(
  "delete",
  "deleteCollection answers with the objects as they were listed before the delete",
  {
    kind: "ConfigMapList",
    items: [
      ["a", false, null, true],
      ["h", false, [finalizer], true],
    ],
    heldDeleting: true,
  },
  async (x) => {
    const a = await cms(x).create(cm("a", {}, { s: "1" }));
    const h = await cms(x).create({
      ...cm("h"),
      metadata: { name: "h", labels: { s: "1" }, finalizers: [finalizer] },
    });
    const before: Record<string, string> = { a: a.metadata.resourceVersion, h: h.metadata.resourceVersion };
    const r = await x.rest.request<any>({
      method: "DELETE",
      group: "",
      version: "v1",
      namespace: x.ns,
      resource: "configmaps",
      query: { labelSelector: "s=1" },
    });
    const held = await cms(x).get("h");
    await cms(x).update({ ...held, metadata: { ...held.metadata, finalizers: [] } });
    return {
      kind: r.kind,
      items: r.items.map((i: any) => [
        i.metadata.name,
        i.metadata.deletionTimestamp !== undefined,
        i.metadata.finalizers ?? null,
        i.metadata.resourceVersion === before[i.metadata.name],
      ]),
      heldDeleting: held.metadata.deletionTimestamp !== undefined,
    };
  },
);
// ---------------------------------------------------------------- list
const sel = (label: string, selector: string, want: string[]) =>
  c("list", `label selector ${selector}`, want, async (x) => {
    await seed(x, [
      ["a", { [label]: "x", s: "1" }],
      ["b", { [label]: "y", s: "1" }],
      ["c", { s: "1" }],
      ["d", { [label]: "z", v: "5", s: "1" }],
    ]);
    return names(await cms(x).list({ labelSelector: `s=1,${selector}` }));
  });
sel("tier", "tier=x", ["a"]);
sel("tier", "tier==y", ["b"]);
sel("tier", "tier!=x", ["b", "c", "d"]);
sel("tier", "tier in (x,z)", ["a", "d"]);
sel("tier", "tier notin (x,z)", ["b", "c"]);
sel("tier", "tier", ["a", "b", "d"]);
sel("tier", "!tier", ["c"]);
sel("tier", "v>4", ["d"]);
sel("tier", "v<4", []);
sel("tier", "tier in (x, y),tier!=y", ["a"]);
c(
  "list",
  "an unparsable label selector is 400 BadRequest",
  { code: 400, reason: "BadRequest", message: "unable to parse requirement: found '', expected: ',' or ')'" },
  async (x) => failure(cms(x).list({ labelSelector: "a in (x" })),
);
c(
  "list",
  "an invalid continue token is 400",
  {
    code: 400,
    reason: "BadRequest",
    message: "invalid continue token: continue key is not valid: illegal base64 data at input byte 4",
  },
  async (x) => failure(cms(x).list({ limit: 1, continue: "bogus" })),
);
c("list", "field selector metadata.name", ["b"], async (x) => {
  await seed(x, [
    ["a", { s: "1" }],
    ["b", { s: "1" }],
  ]);
  return names(await cms(x).list({ fieldSelector: "metadata.name=b" }));
});
c("list", "field selector metadata.name!= with a label selector", ["a"], async (x) => {
  await seed(x, [
    ["a", { s: "1" }],
    ["b", { s: "1" }],
  ]);
  return names(await cms(x).list({ labelSelector: "s=1", fieldSelector: "metadata.name!=b" }));
});
c("list", "field selector metadata.namespace across namespaces", { all: true }, async (x) => {
  await seed(x, [["a", { fsn: x.ns }]]);
  const l = await x.cs
    .coreV1()
    .configMaps("")
    .list({ fieldSelector: `metadata.namespace=${x.ns}`, labelSelector: "fsn" });
  return { all: l.items.length === 1 && l.items[0]!.metadata!.namespace === x.ns };
});
c(
  "list",
  "an unsupported field selector is the server's 400 (client-go's fake ignores it)",
  {
    code: 400,
    reason: "BadRequest",
    message: '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"',
  },
  async (x) => failure(cms(x).list({ fieldSelector: "data.k=v" })),
);
c(
  "list",
  "pods: an unsupported field selector has the older error text",
  { code: 400, reason: "BadRequest", message: "field label not supported: spec.priority" },
  async (x) => failure(pods(x).list({ fieldSelector: "spec.priority=1" })),
);
c(
  "list",
  "selectors on names like Object.prototype's members: a constructor field is unknown, a constructor label absent",
  {
    field: {
      code: 400,
      reason: "BadRequest",
      message: '"constructor" is not a known field selector: only "metadata.name", "metadata.namespace"',
    },
    exists: ["l"],
    notExists: ["n"],
  },
  async (x) => {
    await cms(x).create(cm("l", {}, { constructor: "1" }));
    await cms(x).create(cm("n"));
    const mine = (l: any) => names(l).filter((n: string) => n !== "kube-root-ca.crt");
    return {
      field: await failure(cms(x).list({ fieldSelector: "constructor=x" })),
      exists: mine(await cms(x).list({ labelSelector: "constructor" })),
      notExists: mine(await cms(x).list({ labelSelector: "!constructor,!toString" })),
    };
  },
);
c(
  "list",
  "field selectors parse as fields.ParseSelector: escapes, an unescaped = or , in a value, untrimmed names, sorted terms",
  [
    [
      "metadata.name=a=b",
      {
        code: 400,
        reason: "BadRequest",
        message: "invalid field selector: unescaped character in value: 61",
      },
    ],
    ["metadata.name==a-b", ["a-b"]],
    [
      "metadata.name!=a=b",
      {
        code: 400,
        reason: "BadRequest",
        message: "invalid field selector: unescaped character in value: 61",
      },
    ],
    ["metadata.name=a\\=b", []],
    ["metadata.name=a\\,b", []],
    [
      "metadata.name=a\\",
      { code: 400, reason: "BadRequest", message: "invalid field selector: invalid escape sequence: \\" },
    ],
    [
      "metadata.name=a\\x",
      { code: 400, reason: "BadRequest", message: "invalid field selector: invalid escape sequence: \\x" },
    ],
    ["metadata.name=a\\\\", []],
    [
      " metadata.name=a-b",
      {
        code: 400,
        reason: "BadRequest",
        message: '" metadata.name" is not a known field selector: only "metadata.name", "metadata.namespace"',
      },
    ],
    [
      "metadata.name =a-b",
      {
        code: 400,
        reason: "BadRequest",
        message: '"metadata.name " is not a known field selector: only "metadata.name", "metadata.namespace"',
      },
    ],
    ["metadata.name= a-b", []],
    ["metadata.name=a-b,", ["a-b"]],
    [",metadata.name=sp", ["sp"]],
    ["metadata.name=a-b,,metadata.namespace!=x", ["a-b"]],
    [" ", { code: 400, reason: "BadRequest", message: "invalid selector: ' '; can't understand ' '" }],
    [
      "metadata.name",
      {
        code: 400,
        reason: "BadRequest",
        message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
      },
    ],
    [
      "zz,metadata.name",
      {
        code: 400,
        reason: "BadRequest",
        message: "invalid selector: 'zz,metadata.name'; can't understand 'metadata.name'",
      },
    ],
    [
      "zz=1,aa=1",
      {
        code: 400,
        reason: "BadRequest",
        message: '"aa" is not a known field selector: only "metadata.name", "metadata.namespace"',
      },
    ],
    ["metadata.name=,metadata.name!=", []],
    [
      "metadata.name=a-b=,x",
      {
        code: 400,
        reason: "BadRequest",
        message: "invalid field selector: unescaped character in value: 61",
      },
    ],
  ],
  async (x) => {
    await cms(x).create(cm("a-b"));
    await cms(x).create(cm("sp"));
    const selectors = [
      "metadata.name=a=b",
      "metadata.name==a-b",
      "metadata.name!=a=b",
      "metadata.name=a\\=b",
      "metadata.name=a\\,b",
      "metadata.name=a\\",
      "metadata.name=a\\x",
      "metadata.name=a\\\\",
      " metadata.name=a-b",
      "metadata.name =a-b",
      "metadata.name= a-b",
      "metadata.name=a-b,",
      ",metadata.name=sp",
      "metadata.name=a-b,,metadata.namespace!=x",
      " ",
      "metadata.name",
      "zz,metadata.name",
      "zz=1,aa=1",
      "metadata.name=,metadata.name!=",
      "metadata.name=a-b=,x",
    ];
    const out: unknown[] = [];
    for (const s of selectors) {
      const r = await cms(x)
        .list({ fieldSelector: s })
        .then((l: any) => names(l).filter((n: string) => n !== "kube-root-ca.crt"))
        .catch((e: unknown) => errorOf(e));
      out.push([s, r]);
    }
    return out;
  },
);
c(
  "list",
  "label-selector parse errors are the server's, word for word",
  [
    ["!", "400 BadRequest unable to parse requirement: found '', expected: identifier"],
    ["!,a", "400 BadRequest unable to parse requirement: found ',', expected: identifier"],
    ["a,", "400 BadRequest found '', expected: identifier after ','"],
    ["a,,b", "400 BadRequest found ',', expected: identifier after ','"],
    [",a", "400 BadRequest found ',', expected: !, identifier, or 'end of string'"],
    ["a, ,b", "400 BadRequest found ',', expected: identifier after ','"],
    [" ", ["a"]],
    ["a,!", "400 BadRequest unable to parse requirement: found '', expected: identifier"],
    ["!!a", "400 BadRequest unable to parse requirement: found '!', expected: identifier"],
    ["!a=b", "400 BadRequest found '=', expected: ',' or 'end of string'"],
    ["a!", "400 BadRequest unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ["a b", "400 BadRequest unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["a=b c", "400 BadRequest found 'c', expected: ',' or 'end of string'"],
    [
      "a=<x64>",
      '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "<x64>": must be no more than 63 bytes',
    ],
    [
      "a in (b, <x64>)",
      '400 BadRequest unable to parse requirement: values[1][a]: Invalid value: "<x64>": must be no more than 63 bytes',
    ],
    [
      "a notin (<x64>)",
      '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "<x64>": must be no more than 63 bytes',
    ],
    [
      "a!=<x64>",
      '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "<x64>": must be no more than 63 bytes',
    ],
    [
      "<x64>",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "<x64>": name part must be no more than 63 bytes',
    ],
    [
      "<x64>=1",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "<x64>": name part must be no more than 63 bytes',
    ],
    [
      "-bad/a",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "-bad/a": prefix part <rfc1123>',
    ],
    [
      "a_b/c",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "a_b/c": prefix part <rfc1123>',
    ],
    [
      "Example.com/a",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part <rfc1123>',
    ],
    [
      "/a",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
    ],
    [
      "a/",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; name part <name rule>',
    ],
    [
      "a/b/c",
      "400 BadRequest unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key <name rule> with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      "a/b/c=1",
      "400 BadRequest unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key <name rule> with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      "example.com/-a",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "example.com/-a": name part <name rule>',
    ],
    [
      "a/b/c in (x)",
      "400 BadRequest unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key <name rule> with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    ["a in x", "400 BadRequest unable to parse requirement: found 'x' expected: '('"],
    ["a in (x", "400 BadRequest unable to parse requirement: found '', expected: ',' or ')'"],
    ["a in (x,", "400 BadRequest unable to parse requirement: found '', expected: ',', or identifier"],
    ["a in (x y)", "400 BadRequest unable to parse requirement: found 'y', expected: ',' or ')'"],
    ["a in ()", []],
    ["a in (,)", []],
    ["a in (b),", "400 BadRequest found '', expected: identifier after ','"],
    ["a in (b))", "400 BadRequest found ')', expected: ',' or 'end of string'"],
    ["a notin", "400 BadRequest unable to parse requirement: found '' expected: '('"],
    ["a in", "400 BadRequest unable to parse requirement: found '' expected: '('"],
    ["a=", []],
    ["a!=", ["a"]],
    [
      "a>",
      "400 BadRequest unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    [
      "a>x",
      "400 BadRequest unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ["a>1,b<2", []],
    [
      "a<1.5",
      "400 BadRequest unable to parse requirement: values[0]: Invalid value: \"1.5\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ["a=b=c", "400 BadRequest found '=', expected: ',' or 'end of string'"],
    ["a==b", []],
    ["a===b", "400 BadRequest unable to parse requirement: found '=', expected: identifier"],
    ["a!=b!=c", "400 BadRequest found '!=', expected: ',' or 'end of string'"],
    ["-a", '400 BadRequest unable to parse requirement: <nil>: Invalid value: "-a": name part <name rule>'],
    ["a-", '400 BadRequest unable to parse requirement: <nil>: Invalid value: "a-": name part <name rule>'],
    ["a=(b)", "400 BadRequest unable to parse requirement: found '(', expected: identifier"],
    ["(a)", "400 BadRequest found '(', expected: !, identifier, or 'end of string'"],
    ["a=-b", '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "-b": <value rule>'],
    ["a=b-", '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "b-": <value rule>'],
    ["a=b,!c", []],
    [
      "a gt 1",
      "400 BadRequest unable to parse requirement: found 'gt', expected: in, notin, =, ==, !=, gt, lt",
    ],
    ["a=1,b in (x)", ["a"]],
    ["!a,!b", []],
    ["a in (1),b notin (y)", ["a"]],
    ["a in (1,)", ["a"]],
    [
      "<p253>p/a",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "<p253>p/a": prefix part must be no more than 253 bytes',
    ],
    [
      "-<p253>/<x64>",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "-<p253>/<x64>": prefix part must be no more than 253 bytes; prefix part <rfc1123>; name part must be no more than 63 bytes',
    ],
    ["a>-1", '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "-1": <value rule>'],
    ["a>+1", '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "+1": <value rule>'],
    [
      "a>99999999999999999999",
      "400 BadRequest unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    [
      "a<x-",
      "400 BadRequest unable to parse requirement: [values[0]: Invalid value: \"x-\": for 'Gt', 'Lt' operators, the value must be an integer, values[0][a]: Invalid value: \"x-\": <value rule>]",
    ],
    ["a in (in)", []],
    ["in", []],
    ["a=in", []],
    ["a in (b,b,a)", []],
    [
      "a notin (zz, -x)",
      '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "-x": <value rule>',
    ],
    [
      "a in (<x64>, -b)",
      '400 BadRequest unable to parse requirement: [values[0][a]: Invalid value: "-b": <value rule>, values[1][a]: Invalid value: "<x64>": must be no more than 63 bytes]',
    ],
    [
      "<é40>",
      '400 BadRequest unable to parse requirement: <nil>: Invalid value: "<é40>": name part must be no more than 63 bytes; name part <name rule>',
    ],
    [
      "a=<é40>",
      '400 BadRequest unable to parse requirement: values[0][a]: Invalid value: "<é40>": must be no more than 63 bytes; <value rule>',
    ],
    ["a<=1", "400 BadRequest unable to parse requirement: found '=', expected: identifier"],
    ["a=!b", "400 BadRequest unable to parse requirement: found '!', expected: identifier"],
    ["a!==b", "400 BadRequest unable to parse requirement: found '=', expected: identifier"],
  ],
  async (x) => {
    await cms(x).create(cm("a", {}, { a: "1", b: "x" }));
    const long = "x".repeat(64);
    const selectors = [
      "!",
      "!,a",
      "a,",
      "a,,b",
      ",a",
      "a, ,b",
      " ",
      "a,!",
      "!!a",
      "!a=b",
      "a!",
      "a b",
      "a=b c",
      `a=${long}`,
      `a in (b, ${long})`,
      `a notin (${long})`,
      `a!=${long}`,
      `${long}`,
      `${long}=1`,
      "-bad/a",
      "a_b/c",
      "Example.com/a",
      "/a",
      "a/",
      "a/b/c",
      "a/b/c=1",
      "example.com/-a",
      "a/b/c in (x)",
      "a in x",
      "a in (x",
      "a in (x,",
      "a in (x y)",
      "a in ()",
      "a in (,)",
      "a in (b),",
      "a in (b))",
      "a notin",
      "a in",
      "a=",
      "a!=",
      "a>",
      "a>x",
      "a>1,b<2",
      "a<1.5",
      "a=b=c",
      "a==b",
      "a===b",
      "a!=b!=c",
      "-a",
      "a-",
      "a=(b)",
      "(a)",
      "a=-b",
      "a=b-",
      "a=b,!c",
      "a gt 1",
      "a=1,b in (x)",
      "!a,!b",
      "a in (1),b notin (y)",
      "a in (1,)",
      `${"p".repeat(254)}/a`,
      `-${"p".repeat(253)}/${long}`,
      "a>-1",
      "a>+1",
      "a>99999999999999999999",
      "a<x-",
      "a in (in)",
      "in",
      "a=in",
      "a in (b,b,a)",
      "a notin (zz, -x)",
      `a in (${long}, -b)`,
      `${"é".repeat(40)}`,
      `a=${"é".repeat(40)}`,
      "a<=1",
      "a=!b",
      "a!==b",
    ];
    // The observation spells the long rule texts and values short, the same way on both targets.
    const nameRule =
      "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const valueRule =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    const short = (m: string) =>
      m
        .replaceAll(valueRule, "<value rule>")
        .replaceAll(nameRule, "<name rule>")
        .replaceAll(rfc1123, "<rfc1123>")
        .replaceAll(long, "<x64>")
        .replaceAll("p".repeat(253), "<p253>")
        .replaceAll("é".repeat(40), "<é40>");
    const out: unknown[] = [];
    for (const s of selectors) {
      const r = await cms(x)
        .list({ labelSelector: s })
        .then((l: any) => names(l).filter((n: string) => n !== "kube-root-ca.crt"))
        .catch((e: any) => `${e.code} ${e.status?.reason} ${short(e.status?.message ?? String(e))}`);
      out.push([short(s), r]);
    }
    return out;
  },
);
c("list", "pods support field selector status.phase", ["p"], async (x) => {
  await pods(x).create(pod("p"));
  return names(await pods(x).list({ fieldSelector: "status.phase=Pending" }));
});
c("list", "pods support field selector spec.nodeName", ["bound"], async (x) => {
  await pods(x).create(pod("bound", { nodeName: "n1" }));
  await pods(x).create(pod("free"));
  const l = names(await pods(x).list({ fieldSelector: "spec.nodeName=n1" }));
  await pods(x).delete("bound", { gracePeriodSeconds: 0 });
  return l;
});
c("list", "secrets support field selector type", ["tls"], async (x) => {
  await secrets(x).create({ metadata: { name: "opaque" }, data: {} });
  await secrets(x).create({ metadata: { name: "tls" }, type: "example.com/custom", data: {} });
  return names(await secrets(x).list({ fieldSelector: "type=example.com/custom" }));
});
c(
  "list",
  "a custom resource's unsupported field selector is 400",
  { code: 400, reason: "BadRequest" },
  async (x) => {
    const gvr = await crd(x, "Sprocket");
    const e: any = await failure(
      x.dyn.resource(gvr).namespace(x.ns).list({ fieldSelector: "spec.color=red" }),
    );
    return { code: e.code, reason: e.reason };
  },
);
c("list", "a CRD's selectableFields can be selected on", ["r"], async (x) => {
  const gvr = await crd(x, "Cog", { selectableFields: [".spec.color"] });
  const r = x.dyn.resource(gvr).namespace(x.ns);
  await r.create({
    apiVersion: `${gvr.group}/v1`,
    kind: "Cog",
    metadata: { name: "r" },
    spec: { color: "red" },
  });
  await r.create({
    apiVersion: `${gvr.group}/v1`,
    kind: "Cog",
    metadata: { name: "b" },
    spec: { color: "blue" },
  });
  return names(await r.list({ fieldSelector: "spec.color=red" }));
});
// remainingItemCount counts the namespace's kube-root-ca.crt too (it sorts after "e").
c(
  "list",
  "limit and continue page in key order",
  { pages: [["a", "b"], ["c", "d"], ["e"]], continues: [true, true, false], remaining: [4, 2, null] },
  async (x) => {
    await seed(
      x,
      ["e", "c", "a", "d", "b"].map((n) => [n, { pg: "1" }] as [string, Record<string, string>]),
    );
    // The counts include the namespace's kube-root-ca.crt, which kube-controller-manager adds soon.
    await x.until("kube-root-ca.crt", async () => !(await gone(cms(x).get("kube-root-ca.crt"))));
    const pages: string[][] = [];
    const continues: boolean[] = [];
    const remaining: (number | null)[] = [];
    let cont: string | undefined;
    do {
      const l = await x.rest.request<any>({
        method: "GET",
        group: "",
        version: "v1",
        namespace: x.ns,
        resource: "configmaps",
        query: { limit: 2, continue: cont, labelSelector: undefined },
      });
      const mine = l.items.filter((i: any) => i.metadata.labels?.pg === "1");
      pages.push(names({ items: mine }));
      cont = l.metadata.continue;
      continues.push(!!cont);
      remaining.push(l.metadata.remainingItemCount ?? null);
    } while (cont);
    return {
      pages: pages.filter((p) => p.length > 0),
      continues: continues.slice(-3),
      remaining: remaining.slice(-3),
    };
  },
);
c(
  "list",
  "continued pages are a snapshot: objects created meanwhile are not in it",
  { pages: [["a", "b"], ["c"]], later: ["a", "b", "c", "d"] },
  async (x) => {
    await seed(x, [
      ["a", { s: "1" }],
      ["b", { s: "1" }],
      ["c", { s: "1" }],
    ]);
    const p1 = await cms(x).list({ labelSelector: "s=1", limit: 2 });
    await cms(x).create(cm("d", {}, { s: "1" }));
    const p2 = await cms(x).list({ labelSelector: "s=1", limit: 2, continue: p1.metadata.continue });
    return { pages: [names(p1), names(p2)], later: names(await cms(x).list({ labelSelector: "s=1" })) };
  },
);
c(
  "list",
  "continue with resourceVersion 0: the rest of the token's snapshot, whole (the limit ignored); another resourceVersion is a 400",
  {
    p2: { names: ["c", "d", "e"], more: false, remaining: null, rv: true },
    all: { names: ["c", "d", "e"], more: false, remaining: null, rv: true },
    rv0Limit: true,
    other: {
      code: 400,
      reason: "BadRequest",
      message: "specifying resource version is not allowed when using continue",
    },
    match: {
      code: 422,
      reason: "Invalid",
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
      details: {
        group: "meta.k8s.io",
        kind: "ListOptions",
        causes: [
          {
            reason: "FieldValueForbidden",
            message: "Forbidden: resourceVersionMatch is forbidden when continue is provided",
            field: "resourceVersionMatch",
          },
        ],
      },
    },
  },
  async (x) => {
    await seed(x, [
      ["a", { s: "1" }],
      ["b", { s: "1" }],
      ["c", { s: "1" }],
      ["d", { s: "1" }],
      ["e", { s: "1" }],
    ]);
    const p1 = await cms(x).list({ labelSelector: "s=1", limit: 2 });
    await cms(x).create(cm("bb", {}, { s: "1" }));
    const cont = p1.metadata.continue;
    const page = (l: any) => ({
      names: names(l),
      more: !!l.metadata.continue,
      remaining: l.metadata.remainingItemCount ?? null,
      rv: l.metadata.resourceVersion === p1.metadata.resourceVersion,
    });
    const p2 = await cms(x).list({ labelSelector: "s=1", limit: 2, continue: cont, resourceVersion: "0" });
    const all = await cms(x).list({ labelSelector: "s=1", continue: cont, resourceVersion: "0" });
    const unlabelled = await cms(x).list({ limit: 1, resourceVersion: "0" });
    return {
      p2: page(p2),
      all: page(all),
      rv0Limit: unlabelled.items.length > 1,
      other: await failure(cms(x).list({ limit: 2, continue: cont, resourceVersion: "1" })),
      match: await failure(
        cms(x).list({ limit: 2, continue: cont, resourceVersion: "0", resourceVersionMatch: "NotOlderThan" }),
      ),
    };
  },
);
c("list", "a list's resourceVersion is at least every item's", { ok: true }, async (x) => {
  await seed(x, [
    ["a", { s: "1" }],
    ["b", { s: "1" }],
  ]);
  const l = await cms(x).list({ labelSelector: "s=1" });
  return { ok: l.items.every((i: any) => rv(i) <= Number(l.metadata.resourceVersion)) };
});
c(
  "list",
  "resourceVersionMatch=Exact lists the state at that resourceVersion",
  { before: ["a"], now: ["a", "b"] },
  async (x) => {
    await seed(x, [["a", { s: "1" }]]);
    const l = await cms(x).list({ labelSelector: "s=1" });
    await cms(x).create(cm("b", {}, { s: "1" }));
    const then = await cms(x).list({
      labelSelector: "s=1",
      resourceVersion: l.metadata.resourceVersion,
      resourceVersionMatch: "Exact",
    });
    return { before: names(then), now: names(await cms(x).list({ labelSelector: "s=1" })) };
  },
);
c(
  "list",
  "resourceVersionMatch without resourceVersion is 422",
  { code: 422, reason: "Invalid" },
  async (x) => {
    const e: any = await failure(cms(x).list({ resourceVersionMatch: "NotOlderThan" }));
    return { code: e.code, reason: e.reason };
  },
);
c(
  "list",
  "typed list items carry no apiVersion/kind; the list does",
  { kind: "ConfigMapList", apiVersion: "v1", itemKind: null },
  async (x) => {
    await seed(x, [["a", { s: "1" }]]);
    const l: any = await cms(x).list({ labelSelector: "s=1" });
    return { kind: l.kind, apiVersion: l.apiVersion, itemKind: l.items[0].kind ?? null };
  },
);
c("list", "custom resource list items carry apiVersion and kind", { itemKind: "Bolt" }, async (x) => {
  const gvr = await crd(x, "Bolt");
  const r = x.dyn.resource(gvr).namespace(x.ns);
  await r.create({ apiVersion: `${gvr.group}/v1`, kind: "Bolt", metadata: { name: "b" }, spec: {} });
  const l: any = await r.list();
  return { itemKind: l.items[0].kind };
});
c("list", "listing all namespaces orders items by namespace, then name", { ordered: true }, async (x) => {
  const ns2 = await x.namespace("order");
  await cms(x).create(cm("z", {}, { ord: x.ns }));
  await cms(x, ns2).create(cm("a", {}, { ord: x.ns }));
  const l = await x.cs
    .coreV1()
    .configMaps("")
    .list({ labelSelector: `ord=${x.ns}` });
  const keys = l.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`);
  return { ordered: keys.length === 2 && JSON.stringify(keys) === JSON.stringify([...keys].sort()) };
});

// ---------------------------------------------------------------- watch
c(
  "watch",
  "watch from a resourceVersion replays what happened after it (client-go's fake cannot)",
  [
    ["MODIFIED", "a"],
    ["ADDED", "b"],
    ["DELETED", "a"],
  ],
  async (x) => {
    const a = await cms(x).create(cm("a", { k: "1" }));
    await cms(x).update({ ...a, data: { k: "2" } });
    await cms(x).create(cm("b"));
    await cms(x).delete("a");
    return collect(cms(x).watch({ resourceVersion: a.metadata.resourceVersion }), (e) => e.length === 3);
  },
);
c(
  "watch",
  "watch without a resourceVersion starts with ADDED for what exists",
  [
    ["ADDED", "a"],
    ["ADDED", "b"],
    ["MODIFIED", "a"],
  ],
  async (x) => {
    const a = await cms(x).create(cm("a", {}, { w: "1" }));
    await cms(x).create(cm("b", {}, { w: "1" }));
    const w = cms(x).watch({ labelSelector: "w=1" });
    const events: unknown[] = [];
    for await (const ev of w) {
      events.push([ev.type, ev.object.metadata.name]);
      if (events.length === 2) await cms(x).update({ ...a, data: { k: "x" } });
      if (events.length === 3) break;
    }
    w.stop();
    return events;
  },
);
c(
  "watch",
  "a watch with a label selector sees an object leave and enter the selection",
  [
    ["DELETED", "a"],
    ["ADDED", "a"],
  ],
  async (x) => {
    const a = await cms(x).create(cm("a", {}, { w: "1" }));
    const w = cms(x).watch({ labelSelector: "w=1", resourceVersion: a.metadata.resourceVersion });
    const b = await cms(x).update({ ...a, metadata: { ...a.metadata, labels: { w: "2" } } });
    await cms(x).update({ ...b, metadata: { ...b.metadata, labels: { w: "1" } } });
    return collect(w, (e) => e.length === 2);
  },
);
c(
  "watch",
  "an object leaving a watch's selector is DELETED with its last matching state, at the change's resourceVersion",
  { type: "DELETED", labels: { w: "1" }, data: { k: "1" }, atTheUpdate: true },
  async (x) => {
    const a = await cms(x).create(cm("a", { k: "1" }, { w: "1" }));
    const w = cms(x).watch({ labelSelector: "w=1", resourceVersion: a.metadata.resourceVersion });
    const b = await cms(x).update({
      ...a,
      metadata: { ...a.metadata, labels: { w: "2" } },
      data: { k: "2" },
    });
    const [ev] = (await collect(
      w,
      (e) => e.length === 1,
      (o) => o,
    )) as [string, any][];
    const [type, o] = ev!;
    return {
      type,
      labels: o.metadata.labels,
      data: o.data,
      atTheUpdate: o.metadata.resourceVersion === b.metadata.resourceVersion,
    };
  },
);
c("watch", "a watch with a field selector sees only that object", [["MODIFIED", "b"]], async (x) => {
  const a = await cms(x).create(cm("a"));
  const b = await cms(x).create(cm("b"));
  const w = cms(x).watch({ fieldSelector: "metadata.name=b", resourceVersion: b.metadata.resourceVersion });
  await cms(x).update({ ...a, data: { k: "1" } });
  await cms(x).update({ ...b, data: { k: "1" } });
  return collect(w, (e) => e.length === 1);
});
c("watch", "a watch from a list's resourceVersion sees only later changes", [["ADDED", "new"]], async (x) => {
  await seed(x, [["old", { wr: "1" }]]);
  const l = await cms(x).list({ labelSelector: "wr=1" });
  const w = cms(x).watch({ labelSelector: "wr=1", resourceVersion: l.metadata.resourceVersion });
  await cms(x).create(cm("new", {}, { wr: "1" }));
  return collect(w, (e) => e.length === 1);
});
c(
  "watch",
  "watch-list: initial ADDED events, then a bookmark marking their end",
  [
    ["ADDED", "a"],
    ["ADDED", "b"],
    ["BOOKMARK", "true"],
  ],
  async (x) => {
    await seed(x, [
      ["a", { wl: "1" }],
      ["b", { wl: "1" }],
    ]);
    const w = cms(x).watch({
      labelSelector: "wl=1",
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
      allowWatchBookmarks: true,
    });
    return collect(
      w,
      (e) => e.some((x) => x.type === "BOOKMARK"),
      (o) => o.metadata?.annotations?.["k8s.io/initial-events-end"] ?? o.metadata?.name,
    );
  },
);
c(
  "watch",
  "a watch from resourceVersion 0 allowing bookmarks ends its initial events with a bookmark",
  [
    ["ADDED", "a"],
    ["BOOKMARK", "true"],
  ],
  async (x) => {
    const a = await cms(x).create(cm("a", {}, { wb: "1" }));
    // resourceVersion 0 is "any": the API server's watch cache may not have "a" yet. A LIST not older
    // than its resourceVersion waits until the cache has it (the fake has it at once).
    await cms(x).list({ resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: "NotOlderThan" });
    const w = cms(x).watch({ labelSelector: "wb=1", resourceVersion: "0", allowWatchBookmarks: true });
    return collect(
      w,
      (e) => e.some((x) => x.type === "BOOKMARK"),
      (o) => o.metadata?.annotations?.["k8s.io/initial-events-end"] ?? o.metadata?.name,
    );
  },
);
c("watch", "a watch from a resourceVersion sends no initial bookmark", [["ADDED", "b"]], async (x) => {
  const a = await cms(x).create(cm("a", {}, { wn: "1" }));
  const w = cms(x).watch({
    labelSelector: "wn=1",
    resourceVersion: a.metadata.resourceVersion,
    allowWatchBookmarks: true,
  });
  await cms(x).create(cm("b", {}, { wn: "1" }));
  return collect(w, (e) => e.length === 1);
});
c(
  "watch",
  "watch-list without resourceVersionMatch=NotOlderThan is 422",
  { code: 422, reason: "Invalid" },
  async (x) => {
    try {
      await collect(cms(x).watch({ sendInitialEvents: true }), () => true);
      return { succeeded: true };
    } catch (err) {
      const e = errorOf(err);
      return { code: e.code, reason: e.reason };
    }
  },
);
c(
  "watch",
  "the DELETED event carries a newer resourceVersion than the last change",
  { newer: true },
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const w = cms(x).watch({ resourceVersion: a.metadata.resourceVersion });
    await cms(x).delete("a");
    const evs: any[] = [];
    for await (const ev of w) {
      evs.push(ev);
      break;
    }
    w.stop();
    return { newer: rv(evs[0].object) > rv(a) };
  },
);
c("watch", "timeoutSeconds ends the watch without an error", { ended: true }, async (x) => {
  const a = await cms(x).create(cm("a"));
  const w = cms(x).watch({ resourceVersion: a.metadata.resourceVersion, timeoutSeconds: 1 });
  for await (const _ of w) {
    // no events expected
  }
  return { ended: true };
});
c("watch", "watching all namespaces sees objects of each", { namespaces: 2 }, async (x) => {
  const ns2 = await x.namespace("wall");
  const start = await cms(x).create(cm("s", {}, { wa: x.ns }));
  const w = x.cs
    .coreV1()
    .configMaps("")
    .watch({ labelSelector: `wa=${x.ns}`, resourceVersion: start.metadata!.resourceVersion! });
  await cms(x).create(cm("a", {}, { wa: x.ns }));
  await cms(x, ns2).create(cm("b", {}, { wa: x.ns }));
  const evs = await collect(
    w as any,
    (e) => e.length === 2,
    (o) => o.metadata?.namespace,
  );
  return { namespaces: new Set(evs.map((e: any) => e[1])).size };
});

// ---------------------------------------------------------------- patch
c(
  "patch",
  "JSON patch: add, replace and remove",
  { data: { a: "1", c: "3" }, labels: { l: "x" } },
  async (x) => {
    await cms(x).create(cm("p", { a: "0", b: "2" }));
    const o = await cms(x).patch("p", PatchType.JSON, [
      { op: "replace", path: "/data/a", value: "1" },
      { op: "remove", path: "/data/b" },
      { op: "add", path: "/data/c", value: "3" },
      { op: "add", path: "/metadata/labels", value: { l: "x" } },
    ]);
    return { data: o.data, labels: o.metadata.labels };
  },
);
c(
  "patch",
  "JSON patch: a failing test op is an error and changes nothing",
  { code: 422, unchanged: true },
  async (x) => {
    await cms(x).create(cm("p", { a: "0" }));
    const e: any = await failure(
      cms(x).patch("p", PatchType.JSON, [
        { op: "test", path: "/data/a", value: "9" },
        { op: "replace", path: "/data/a", value: "1" },
      ]),
    );
    return { code: e.code, unchanged: (await cms(x).get("p")).data.a === "0" };
  },
);
c(
  "patch",
  "JSON patch as the server's json-patch v4 applies it: replace sets a missing key, a missing key tests equal to null",
  {
    replaced: { added: "x", l: "1" },
    missingParent: 422,
    missingIndex: 422,
    testNull: "ok",
    notAnOperation: {
      code: 400,
      message:
        "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp",
    },
  },
  async (x) => {
    await cms(x).create({ ...cm("a", { k: "v" }), metadata: { name: "a", labels: { l: "1" } } });
    const jp = (ops: unknown) => cms(x).patch("a", PatchType.JSON, ops);
    const code = async (ops: unknown) => ((await failure(jp(ops))) as any).code ?? "ok";
    const replaced = (await jp([{ op: "replace", path: "/metadata/labels/added", value: "x" }])).metadata
      .labels;
    const e: any = await failure(jp([1]));
    return {
      replaced,
      missingParent: await code([{ op: "replace", path: "/metadata/annotations/a", value: "x" }]),
      missingIndex: await code([{ op: "replace", path: "/metadata/finalizers/0", value: "example.com/x" }]),
      testNull: await code([{ op: "test", path: "/metadata/labels/nope", value: null }]),
      notAnOperation: { code: e.code, message: e.message },
    };
  },
);
c(
  "patch",
  "JSON patch: removing a missing path is the server's generic 422",
  {
    code: 422,
    reason: "Invalid",
    message: "the server rejected our request due to an error in our request",
    details: {},
  },
  async (x) => {
    await cms(x).create(cm("p", { a: "0" }));
    return failure(cms(x).patch("p", PatchType.JSON, [{ op: "remove", path: "/data/zzz" }]));
  },
);
c("patch", "merge patch: objects merge, null deletes", { data: { a: "1", c: "3" } }, async (x) => {
  await cms(x).create(cm("p", { a: "0", b: "2" }));
  const o = await cms(x).patch("p", PatchType.Merge, { data: { a: "1", b: null, c: "3" } });
  return { data: o.data };
});
c("patch", "merge patch replaces lists whole", { containers: ["side"] }, async (x) => {
  await deploys(x).create(deployment("d"));
  const o = await deploys(x).patch("d", PatchType.Merge, {
    spec: { template: { spec: { containers: [{ name: "side", image: "busybox:1" }] } } },
  });
  return { containers: o.spec.template.spec.containers.map((c: any) => c.name) };
});
c(
  "patch",
  "strategic merge patch merges containers by name (the spec's merge key)",
  {
    containers: [
      ["side", "busybox:1"],
      ["app", "nginx:2"],
    ],
  },
  async (x) => {
    await deploys(x).create(deployment("d"));
    const o = await deploys(x).patch("d", PatchType.StrategicMerge, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "side", image: "busybox:1" },
              { name: "app", image: "nginx:2" },
            ],
          },
        },
      },
    });
    return { containers: o.spec.template.spec.containers.map((c: any) => [c.name, c.image]) };
  },
);
const threeContainers = ["a", "b", "c"].map((name) => ({ name, image: "nginx:1" }));
const containerOrder = (o: any) => o.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`);
c(
  "patch",
  "strategic merge patch of one container keeps the list's order",
  ["a=nginx:1", "b=nginx:2", "c=nginx:1"],
  async (x) => {
    await deploys(x).create(deployment("d", threeContainers));
    const o = await deploys(x).patch("d", PatchType.StrategicMerge, {
      spec: { template: { spec: { containers: [{ name: "b", image: "nginx:2" }] } } },
    });
    return containerOrder(o);
  },
);
c(
  "patch",
  "strategic merge patch: new items interleave with the items the patch does not name",
  ["z=nginx:2", "a=nginx:1", "b=nginx:2", "c=nginx:1"],
  async (x) => {
    await deploys(x).create(deployment("d", threeContainers));
    const o = await deploys(x).patch("d", PatchType.StrategicMerge, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "z", image: "nginx:2" },
              { name: "b", image: "nginx:2" },
            ],
          },
        },
      },
    });
    return containerOrder(o);
  },
);
c(
  "patch",
  "strategic merge patch: $setElementOrder orders the merged list (kubectl apply sends it)",
  [
    ["c=nginx:1", "z=nginx:2", "a=nginx:1", "b=nginx:1"],
    ["c=nginx:1", "z=nginx:2", "b=nginx:1", "a=nginx:1"],
  ],
  async (x) => {
    await deploys(x).create(deployment("d", threeContainers));
    const o = await deploys(x).patch("d", PatchType.StrategicMerge, {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "c" }, { name: "z" }, { name: "a" }, { name: "b" }],
            containers: [{ name: "z", image: "nginx:2" }],
          },
        },
      },
    });
    // Without a list of its own: the items it names in its order, the others keep their places.
    const o2 = await deploys(x).patch("d", PatchType.StrategicMerge, {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } } },
    });
    return [containerOrder(o), containerOrder(o2)];
  },
);
c(
  "patch",
  "strategic merge patch: a list out of its $setElementOrder's order is the server's 500",
  {
    code: 500,
    message:
      "The order in patch list:\n[example.com/a example.com/b]\n doesn't match $setElementOrder list:\n[example.com/b example.com/a]\n",
  },
  async (x) => {
    await cms(x).create(cm("a"));
    return failure(
      cms(x).patch("a", PatchType.StrategicMerge, {
        metadata: {
          "$setElementOrder/finalizers": ["example.com/b", "example.com/a"],
          finalizers: ["example.com/a", "example.com/b"],
        },
      }),
    );
  },
);
c(
  "patch",
  "strategic merge patch: an item without the merge key and an unknown $patch are the server's 500s",
  [
    { code: 500, message: "map: map[image:nginx:2] does not contain declared merge key: name" },
    { code: 500, message: "unknown patch type: bogus in map: map[$patch:bogus]" },
  ],
  async (x) => {
    await deploys(x).create(deployment("d"));
    return [
      await failure(
        deploys(x).patch("d", PatchType.StrategicMerge, {
          spec: { template: { spec: { containers: [{ image: "nginx:2" }] } } },
        }),
      ),
      await failure(
        deploys(x).patch("d", PatchType.StrategicMerge, {
          spec: { template: { metadata: { labels: { $patch: "bogus" } } } },
        }),
      ),
    ];
  },
);
c(
  "patch",
  "a patch body of the wrong JSON type is the server's decoding error",
  [
    {
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
    },
    {
      code: 400,
      reason: "BadRequest",
      message:
        "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
    },
  ],
  async (x) => {
    await cms(x).create(cm("a"));
    return [
      await failure(cms(x).patch("a", PatchType.Merge, [{ data: {} }])),
      await failure(cms(x).patch("a", PatchType.JSON, { op: "add", path: "/data", value: {} })),
    ];
  },
);
c("patch", "strategic merge patch: $patch delete removes a list item", { containers: ["app"] }, async (x) => {
  await deploys(x).create(
    deployment("d", [
      { name: "app", image: "nginx:1" },
      { name: "side", image: "busybox:1" },
    ]),
  );
  const o = await deploys(x).patch("d", PatchType.StrategicMerge, {
    spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } },
  });
  return { containers: o.spec.template.spec.containers.map((c: any) => c.name) };
});
c(
  "patch",
  "strategic merge patch: finalizers merge as a set",
  { finalizers: ["example.com/b", "example.com/a"] },
  async (x) => {
    await cms(x).create({ ...cm("p"), metadata: { name: "p", finalizers: ["example.com/a"] } });
    const o = await cms(x).patch("p", PatchType.StrategicMerge, {
      metadata: { finalizers: ["example.com/b"] },
    });
    await cms(x).patch("p", PatchType.Merge, { metadata: { finalizers: null } });
    return { finalizers: o.metadata.finalizers };
  },
);
c("patch", "strategic merge patch: null removes a label", { labels: { b: "2" } }, async (x) => {
  await cms(x).create(cm("p", {}, { a: "1", b: "2" }));
  const o = await cms(x).patch("p", PatchType.StrategicMerge, { metadata: { labels: { a: null } } });
  return { labels: o.metadata.labels };
});
c(
  "patch",
  "strategic merge patch of a custom resource is 415",
  { code: 415, reason: "UnsupportedMediaType" },
  async (x) => {
    const gvr = await crd(x, "Nut");
    const r = x.dyn.resource(gvr).namespace(x.ns);
    await r.create({ apiVersion: `${gvr.group}/v1`, kind: "Nut", metadata: { name: "n" }, spec: {} });
    const e: any = await failure(r.patch("n", PatchType.StrategicMerge, { spec: { color: "red" } }));
    return { code: e.code, reason: e.reason };
  },
);
c(
  "patch",
  "a patch carrying a stale resourceVersion is 409 Conflict",
  { code: 409, reason: "Conflict" },
  async (x) => {
    const a = await cms(x).create(cm("p", { a: "0" }));
    await cms(x).patch("p", PatchType.Merge, { data: { a: "1" } });
    const e: any = await failure(
      cms(x).patch("p", PatchType.Merge, {
        metadata: { resourceVersion: a.metadata.resourceVersion },
        data: { a: "2" },
      }),
    );
    return { code: e.code, reason: e.reason };
  },
);
c(
  "patch",
  "a patch cannot rename the object",
  {
    code: 400,
    reason: "BadRequest",
    message: "the name of the object (b) does not match the name on the URL (p)",
  },
  async (x) => {
    await cms(x).create(cm("p"));
    return failure(cms(x).patch("p", PatchType.Merge, { metadata: { name: "b" } }));
  },
);
c(
  "patch",
  "a patch cannot move the object to another namespace",
  {
    code: 400,
    reason: "BadRequest",
    message: "the namespace of the provided object does not match the namespace sent on the request",
  },
  async (x) => {
    await cms(x).create(cm("p"));
    return failure(cms(x).patch("p", PatchType.Merge, { metadata: { namespace: "elsewhere" } }));
  },
);
c("validation", "a get with resourceVersion 0 is served", { name: "a" }, async (x) => {
  const a = await cms(x).create(cm("a"));
  // resourceVersion 0 is served from the watch cache, which may not hold the new object yet: a list
  // NotOlderThan its resourceVersion waits until it does.
  await cms(x).list({ resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: "NotOlderThan" });
  const o = await cms(x).get("a", { resourceVersion: "0" });
  return { name: o.metadata.name };
});
c(
  "validation",
  "a Service name must be a DNS-1123 label (a leading digit is fine)",
  { code: 422, reason: "Invalid", field: "metadata.name" },
  async (x) => {
    const e: any = await failure(
      x.cs
        .coreV1()
        .services(x.ns)
        .create({ metadata: { name: "Web" }, spec: { ports: [{ port: 80 }] } }),
    );
    return { code: e.code, reason: e.reason, field: e.details?.causes?.[0]?.field };
  },
);
c(
  "patch",
  "a patch of a missing object is 404",
  { code: 404, reason: "NotFound", message: 'configmaps "nope" not found' },
  async (x) => {
    const e: any = await failure(cms(x).patch("nope", PatchType.Merge, { data: { a: "1" } }));
    return { code: e.code, reason: e.reason, message: e.message };
  },
);
c(
  "patch",
  "an unknown patch content type is 415",
  { code: 415, reason: "UnsupportedMediaType", message: "415: Unsupported Media Type", details: {} },
  async (x) => {
    await cms(x).create(cm("p"));
    return failure(
      x.rest.request({
        method: "PATCH",
        group: "",
        version: "v1",
        namespace: x.ns,
        resource: "configmaps",
        name: "p",
        body: {},
        contentType: "application/x-nope",
      }),
    );
  },
);
c(
  "patch",
  "patching a custom resource with a merge patch",
  { spec: { color: "red", size: 2 } },
  async (x) => {
    const gvr = await crd(x, "Washer");
    const r = x.dyn.resource(gvr).namespace(x.ns);
    await r.create({
      apiVersion: `${gvr.group}/v1`,
      kind: "Washer",
      metadata: { name: "w" },
      spec: { color: "blue", size: 2 },
    });
    const o: any = await r.patch("w", PatchType.Merge, { spec: { color: "red" } });
    return { spec: o.spec };
  },
);

c(
  "patch",
  "data keys named like Object.prototype's members (__proto__, constructor) patch and apply as any key",
  {
    created: [["constructor", "1"]],
    merged: [
      ["__proto__", "2"],
      ["constructor", "1"],
      ["toString", "3"],
    ],
    strategic: [
      ["__proto__", "2"],
      ["toString", "3"],
      ["valueOf", "4"],
    ],
    json: [
      ["__proto__", "5"],
      ["valueOf", "4"],
    ],
    conflict: 'Apply failed with 1 conflict: conflict with "org-rest" using v1: .data.__proto__',
    forced: [
      ["__proto__", "6"],
      ["valueOf", "4"],
    ],
    owned: { "f:data": { "f:__proto__": {} } },
  },
  async (x) => {
    const data = (o: any) => Object.entries(o.data).sort();
    const a = await cms(x).create(cm("a", { constructor: "1" }));
    // JSON.parse makes "__proto__" an own key (an object literal would set the prototype).
    const m = await cms(x).patch(
      "a",
      PatchType.Merge,
      JSON.parse('{"data":{"__proto__":"2","toString":"3"}}'),
    );
    const s = await cms(x).patch("a", PatchType.StrategicMerge, {
      data: { constructor: null, valueOf: "4" },
    });
    const j = await cms(x).patch("a", PatchType.JSON, [
      { op: "remove", path: "/data/__proto__" },
      { op: "add", path: "/data/__proto__", value: "5" },
      { op: "test", path: "/data/__proto__", value: "5" },
      { op: "remove", path: "/data/toString" },
    ]);
    const cfg = JSON.parse(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"__proto__":"6"}}',
    );
    const e: any = await failure(cms(x).apply(cfg, { fieldManager: "ap" }));
    const f = await cms(x).apply(cfg, { fieldManager: "ap", force: true });
    return {
      created: data(a),
      merged: data(m),
      strategic: data(s),
      json: data(j),
      conflict: e.message,
      forced: data(f),
      owned: f.metadata.managedFields.find((e: any) => e.manager === "ap").fieldsV1,
    };
  },
);
// ---------------------------------------------------------------- server-side apply
const applyCM = (name: string, data: Record<string, string>, labels?: Record<string, string>) => {
  const o: Obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
  if (labels) o.metadata!.labels = labels;
  return o;
};
const managers = (o: any) =>
  (o.metadata.managedFields ?? []).map((m: any) => [m.manager, m.operation]).sort();

c(
  "apply",
  "apply creates the object; managedFields record the manager and its fields",
  {
    data: { k: "v" },
    managedFields: [
      {
        manager: "m1",
        operation: "Apply",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:k": {} } },
      },
    ],
  },
  async (x) => {
    const o = await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m1" });
    return { data: o.data, managedFields: o.metadata.managedFields.map(({ time: _t, ...m }: any) => m) };
  },
);
c(
  "apply",
  "a second manager changing an owned field is a conflict (client-go's fake has no SSA conflicts)",
  {
    code: 409,
    reason: "Conflict",
    message: 'Apply failed with 1 conflict: conflict with "m1": .data.k',
    details: {
      causes: [{ reason: "FieldManagerConflict", message: 'conflict with "m1"', field: ".data.k" }],
    },
  },
  async (x) => {
    await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m1" });
    return failure(cms(x).apply(applyCM("a", { k: "other" }), { fieldManager: "m2" }));
  },
);
c(
  "apply",
  "two conflicts are listed under their manager",
  { code: 409, causes: [".data.a", ".data.b"] },
  async (x) => {
    await cms(x).apply(applyCM("a", { a: "1", b: "1" }), { fieldManager: "m1" });
    const e: any = await failure(cms(x).apply(applyCM("a", { a: "2", b: "2" }), { fieldManager: "m2" }));
    return { code: e.code, causes: e.details.causes.map((c: any) => c.field).sort() };
  },
);
c(
  "apply",
  "applying the same value is shared ownership, not a conflict",
  {
    managers: [
      ["m1", "Apply"],
      ["m2", "Apply"],
    ],
  },
  async (x) => {
    await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m1" });
    const o = await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m2" });
    return { managers: managers(o) };
  },
);
c(
  "apply",
  "force takes the field; the previous owner loses it",
  { k: "forced", managers: [["m2", "Apply"]] },
  async (x) => {
    await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m1" });
    const o = await cms(x).apply(applyCM("a", { k: "forced" }), { fieldManager: "m2", force: true });
    return { k: o.data.k, managers: managers(o) };
  },
);
c("apply", "a field the manager stops applying is removed", { data: { a: "1" } }, async (x) => {
  await cms(x).apply(applyCM("a", { a: "1", b: "2" }), { fieldManager: "m1" });
  const o = await cms(x).apply(applyCM("a", { a: "1" }), { fieldManager: "m1" });
  return { data: o.data };
});
c(
  "apply",
  "a field another manager also owns is kept when one stops applying it",
  { data: { a: "1", b: "2" } },
  async (x) => {
    await cms(x).apply(applyCM("a", { a: "1", b: "2" }), { fieldManager: "m1" });
    await cms(x).apply(applyCM("a", { b: "2" }), { fieldManager: "m2" });
    const o = await cms(x).apply(applyCM("a", { a: "1" }), { fieldManager: "m1" });
    return { data: o.data };
  },
);
c(
  "apply",
  "a conflict with a field set by a create (an Update manager)",
  {
    code: 409,
    reason: "Conflict",
    message: 'Apply failed with 1 conflict: conflict with "creator" using v1: .data.k',
  },
  async (x) => {
    await cms(x).create(cm("a", { k: "v" }), { fieldManager: "creator" });
    const e: any = await failure(cms(x).apply(applyCM("a", { k: "mine" }), { fieldManager: "m1" }));
    return { code: e.code, reason: e.reason, message: e.message };
  },
);
const fieldsOf = (o: any) =>
  (o.metadata.managedFields ?? []).map((m: any) => [m.manager, m.operation, m.fieldsV1]);
c(
  "apply",
  "a forced apply leaves the previous owner the map it created, written {} (no lone '.')",
  [
    ["ap", "Apply", { "f:data": { "f:k": {} } }],
    ["creator", "Update", { "f:data": {} }],
  ],
  async (x) => {
    await cms(x).create(cm("a", { k: "v" }), { fieldManager: "creator" });
    return fieldsOf(await cms(x).apply(applyCM("a", { k: "w" }), { fieldManager: "ap", force: true }));
  },
);
const resetManagedFields = [{ op: "replace", path: "/metadata/managedFields", value: [{}] }];
c(
  "apply",
  "managedFields reset with [{}] stay empty through later updates",
  { afterReset: [], afterUpdate: [], data: { k: "2" } },
  async (x) => {
    await cms(x).apply(applyCM("a", { k: "1" }), { fieldManager: "m1" });
    const r = await cms(x).patch("a", PatchType.JSON, resetManagedFields);
    const u = await cms(x).update({ ...r, data: { k: "2" } }, { fieldManager: "editor" });
    return { afterReset: fieldsOf(r), afterUpdate: fieldsOf(u), data: u.data };
  },
);
c(
  "apply",
  "an update's body can rewrite managedFields (m1's entry goes); its own changes are tracked on top",
  [["editor", "Update", { "f:data": { "f:k": {}, "f:n": {} } }]],
  async (x) => {
    const a = await cms(x).apply(applyCM("a", { k: "1", j: "1" }), { fieldManager: "m1" });
    const given = { manager: "other", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1" };
    const u = await cms(x).update(
      {
        ...a,
        metadata: { ...a.metadata, managedFields: [{ ...given, fieldsV1: { "f:data": { "f:k": {} } } }] },
        data: { k: "2", j: "1", n: "3" },
      },
      { fieldManager: "editor" },
    );
    return fieldsOf(u);
  },
);
c(
  "apply",
  "the first apply to an object without managedFields conflicts with before-first-apply",
  {
    message: 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.k',
    forced: [
      ["m2", "Apply", { "f:data": { "f:k": {} } }],
      ["before-first-apply", "Update", { "f:data": { ".": {}, "f:j": {} } }],
    ],
  },
  async (x) => {
    await cms(x).create(cm("a", { k: "1", j: "1" }));
    await cms(x).patch("a", PatchType.JSON, resetManagedFields);
    const e: any = await failure(cms(x).apply(applyCM("a", { k: "2" }), { fieldManager: "m2" }));
    const f = await cms(x).apply(applyCM("a", { k: "2" }), { fieldManager: "m2", force: true });
    return { message: e.message, forced: fieldsOf(f) };
  },
);
c(
  "apply",
  "an apply configuration carrying managedFields is 400",
  { code: 400, reason: "BadRequest", message: "metadata.managedFields must be nil" },
  async (x) => {
    const o = applyCM("a", { k: "1" });
    o.metadata!.managedFields = [];
    return failure(cms(x).apply(o, { fieldManager: "m1" }));
  },
);
c(
  "apply",
  "applyScale owns the parent's replicas through the scale subresource; a different value conflicts",
  {
    conflict: 'Apply failed with 1 conflict: conflict with "creator" using autoscaling/v1: .spec.replicas',
    scale: 3,
    replicas: 3,
    entry: ["hpa", "Apply", "apps/v1", "scale", { "f:spec": { "f:replicas": {} } }],
    creatorKeepsReplicas: false,
    missing: 404,
  },
  async (x) => {
    const scale = (name: string, replicas: number) => ({
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name },
      spec: { replicas },
    });
    await deploys(x).create(deployment("d"), { fieldManager: "creator" });
    const e: any = await failure(deploys(x).applyScale("d", scale("d", 3), { fieldManager: "hpa" }));
    const s = await deploys(x).applyScale("d", scale("d", 3), { fieldManager: "hpa", force: true });
    const d = await deploys(x).get("d");
    const entry = d.metadata.managedFields.find((m: any) => m.manager === "hpa");
    const creator = d.metadata.managedFields.find((m: any) => m.manager === "creator");
    const m: any = await failure(deploys(x).applyScale("nope", scale("nope", 1), { fieldManager: "hpa" }));
    return {
      conflict: e.message,
      scale: s.spec.replicas,
      replicas: d.spec.replicas,
      entry: [entry.manager, entry.operation, entry.apiVersion, entry.subresource, entry.fieldsV1],
      creatorKeepsReplicas: creator.fieldsV1["f:spec"]["f:replicas"] !== undefined,
      missing: m.code,
    };
  },
);
c(
  "apply",
  "an update takes fields from an applier without conflict",
  {
    k: "updated",
    managers: [
      ["m1", "Apply"],
      ["updater", "Update"],
    ],
  },
  async (x) => {
    await cms(x).apply(applyCM("a", { k: "v", other: "o" }), { fieldManager: "m1" });
    const cur = await cms(x).get("a");
    const o = await cms(x).update(
      { ...cur, data: { ...cur.data, k: "updated" } },
      { fieldManager: "updater" },
    );
    return { k: o.data.k, managers: managers(o) };
  },
);
c(
  "apply",
  "list-map keys: two managers own one container each",
  { containers: ["app", "side"], after: ["side"] },
  async (x) => {
    const base = (containers: any[]) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "d" } },
        template: { metadata: { labels: { app: "d" } }, spec: { containers } },
      },
    });
    await deploys(x).apply(base([{ name: "app", image: "nginx:1" }]), { fieldManager: "m1" });
    const o = await deploys(x).apply(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: { template: { spec: { containers: [{ name: "side", image: "busybox:1" }] } } },
      },
      { fieldManager: "m2" },
    );
    const after = await deploys(x)
      .apply(
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "d" },
          spec: {
            selector: { matchLabels: { app: "d" } },
            template: { metadata: { labels: { app: "d" } }, spec: { containers: [] } },
          },
        },
        { fieldManager: "m1" },
      )
      .catch((e: unknown) => errorOf(e));
    return {
      containers: o.spec.template.spec.containers.map((c: any) => c.name),
      after: after.spec?.template?.spec?.containers?.map((c: any) => c.name) ?? after,
    };
  },
);
c(
  "apply",
  "list-map keys: an applier changing another's container image conflicts",
  { code: 409, field: '.spec.template.spec.containers[name="app"].image' },
  async (x) => {
    const d = (image: string) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "d" } },
        template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "app", image }] } },
      },
    });
    await deploys(x).apply(d("nginx:1"), { fieldManager: "m1" });
    const e: any = await failure(
      deploys(x).apply(
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "d" },
          spec: { template: { spec: { containers: [{ name: "app", image: "nginx:2" }] } } },
        },
        { fieldManager: "m2" },
      ),
    );
    return { code: e.code, field: e.details?.causes?.[0]?.field };
  },
);
c(
  "apply",
  "server-side apply of a custom resource (client-go's fake lacks it)",
  { spec: { color: "red" }, managers: [["m1", "Apply"]] },
  async (x) => {
    const gvr = await crd(x, "Gear");
    const o: any = await x.dyn
      .resource(gvr)
      .namespace(x.ns)
      .apply(
        { apiVersion: `${gvr.group}/v1`, kind: "Gear", metadata: { name: "g" }, spec: { color: "red" } },
        { fieldManager: "m1" },
      );
    return { spec: o.spec, managers: managers(o) };
  },
);
c(
  "apply",
  "applyStatus owns status fields under the status subresource",
  { ready: 1, subresource: "status" },
  async (x) => {
    await deploys(x).create(deployment("d"));
    const o = await deploys(x).applyStatus(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        status: { replicas: 1, readyReplicas: 1 },
      },
      { fieldManager: "st" },
    );
    return {
      ready: o.status.readyReplicas,
      subresource: o.metadata.managedFields.find((m: any) => m.manager === "st")?.subresource,
    };
  },
);
c(
  "apply",
  "apply without a field manager is 422 on PatchOptions",
  {
    code: 422,
    reason: "Invalid",
    message:
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    details: {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: [
        {
          reason: "FieldValueRequired",
          message: "Required value: is required for apply patch",
          field: "fieldManager",
        },
      ],
    },
  },
  async (x) => {
    return failure(
      x.rest.request({
        method: "PATCH",
        group: "",
        version: "v1",
        namespace: x.ns,
        resource: "configmaps",
        name: "a",
        body: applyCM("a", {}),
        contentType: PatchType.Apply,
      }),
    );
  },
);
c(
  "apply",
  "a create records an Update entry with . for the maps it creates",
  {
    manager: "creator",
    operation: "Update",
    fieldsV1: { "f:data": { ".": {}, "f:k": {} }, "f:metadata": { "f:labels": { ".": {}, "f:l": {} } } },
  },
  async (x) => {
    const o = await cms(x).create(cm("a", { k: "v" }, { l: "1" }), { fieldManager: "creator" });
    const m = o.metadata.managedFields[0];
    return { manager: m.manager, operation: m.operation, fieldsV1: m.fieldsV1 };
  },
);

c(
  "apply",
  "a create owns no status (nor a namespace's spec): the server resets them",
  { deployment: ["f:spec"], pod: ["f:spec"], service: ["f:spec"], namespace: ["f:metadata"] },
  async (x) => {
    const tops = (o: any) => Object.keys(o.metadata.managedFields[0].fieldsV1).sort();
    const d = await deploys(x).create(deployment("d"), { fieldManager: "c" });
    const p = await pods(x).create(pod("p"), { fieldManager: "c" });
    const s = await x.cs
      .coreV1()
      .services(x.ns)
      .create(
        { metadata: { name: "s" }, spec: { ports: [{ port: 80 }] }, status: { loadBalancer: {} } } as any,
        {
          fieldManager: "c",
        },
      );
    const ns = await x.namespace("owned");
    const n = await nss(x).get(ns);
    return { deployment: tops(d), pod: tops(p), service: tops(s), namespace: tops(n) };
  },
);
c(
  "apply",
  "a write without a field manager is owned by the user agent's name",
  { managers: [["org-rest", "Update"]] },
  async (x) => {
    const o = await cms(x).create(cm("a", { k: "v" }));
    return { managers: managers(o) };
  },
);
c(
  "apply",
  "finalizers (a list-set) applied by two managers keep both entries",
  { finalizers: ["example.com/a", "example.com/b"], after: ["example.com/b"] },
  async (x) => {
    const meta = (finalizers: string[]) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", finalizers },
    });
    await cms(x).apply(meta(["example.com/a"]), { fieldManager: "m1" });
    const o = await cms(x).apply(meta(["example.com/b"]), { fieldManager: "m2" });
    const after = await cms(x).apply(meta([]), { fieldManager: "m1" });
    await cms(x).patch("a", PatchType.Merge, { metadata: { finalizers: null } });
    return { finalizers: [...o.metadata.finalizers].sort(), after: after.metadata.finalizers };
  },
);
c(
  "apply",
  "labels applied by two managers merge; each removes only its own",
  { labels: { a: "1", b: "2" }, after: { b: "2" } },
  async (x) => {
    const labelled = (labels?: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: labels ? { name: "a", labels } : { name: "a" },
    });
    await cms(x).apply(labelled({ a: "1" }), { fieldManager: "m1" });
    const o = await cms(x).apply(labelled({ b: "2" }), { fieldManager: "m2" });
    const after = await cms(x).apply(labelled(), { fieldManager: "m1" });
    return { labels: o.metadata.labels, after: after.metadata.labels };
  },
);
c(
  "apply",
  "an applied empty map is not stored (Go's omitempty), so applying it again conflicts",
  { data: null, code: 409, field: ".data" },
  async (x) => {
    const o = await cms(x).apply(applyCM("a", {}), { fieldManager: "m1" });
    const e: any = await failure(cms(x).apply(applyCM("a", {}), { fieldManager: "m2" }));
    return { data: o.data ?? null, code: e.code, field: e.details?.causes?.[0]?.field };
  },
);
c(
  "validation",
  "empty maps and lists of a built-in object are dropped, empty structs kept",
  { data: null, labels: null, status: {} },
  async (x) => {
    const o = await cms(x).create({ ...cm("a"), metadata: { name: "a", labels: {} } });
    const d = await deploys(x).create(deployment("d"));
    return { data: o.data ?? null, labels: o.metadata.labels ?? null, status: d.status };
  },
);
c("list", "a list at resourceVersion 0 is served", { names: ["a"] }, async (x) => {
  await seed(x, [["a", { r0: "1" }]]);
  const l = await cms(x).list({ labelSelector: "r0=1", resourceVersion: "0" });
  return { names: names(l) };
});
c(
  "list",
  "a list at resourceVersion 0 ignores limit (the watch cache serves it whole)",
  { n: 3, continue: null },
  async (x) => {
    await seed(x, [
      ["a", { r0: "1" }],
      ["b", { r0: "1" }],
    ]);
    const c = await cms(x).create(cm("c", {}, { r0: "1" }));
    // resourceVersion 0 is "any": the watch cache may not have "c" yet; this LIST waits until it has.
    await cms(x).list({ resourceVersion: c.metadata.resourceVersion, resourceVersionMatch: "NotOlderThan" });
    const l = await cms(x).list({ labelSelector: "r0=1", resourceVersion: "0", limit: 1 });
    return { n: l.items.length, continue: l.metadata.continue ?? null };
  },
);
const listOptionsInvalid = (...causes: [string, string][]) => {
  const rendered = causes.map(([, m]) => `resourceVersionMatch: ${m}`);
  return {
    code: 422,
    reason: "Invalid",
    message: `ListOptions.meta.k8s.io "" is invalid: ${rendered.length === 1 ? rendered[0] : `[${rendered.join(", ")}]`}`,
    details: {
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes: causes.map(([reason, message]) => ({ reason, message, field: "resourceVersionMatch" })),
    },
  };
};
c(
  "list",
  "resourceVersionMatch: an unknown value, Exact at 0, and a watch's without sendInitialEvents are 422",
  [
    listOptionsInvalid([
      "FieldValueNotSupported",
      'Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""',
    ]),
    listOptionsInvalid([
      "FieldValueForbidden",
      'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ]),
    listOptionsInvalid(
      [
        "FieldValueForbidden",
        "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
      ],
      ["FieldValueNotSupported", 'Unsupported value: "Bogus": supported values: "NotOlderThan"'],
    ),
  ],
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const w = () =>
      cms(x).watch({ resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: "Bogus" });
    return [
      await failure(cms(x).list({ resourceVersion: "1", resourceVersionMatch: "Bogus" })),
      await failure(cms(x).list({ resourceVersion: "0", resourceVersionMatch: "Exact" })),
      await failure(collect(w(), () => true)),
    ];
  },
);
c(
  "validation",
  "a resourceVersion that is not a number: 400 for a list, 500 for a get, a watch and an update",
  [
    {
      code: 400,
      reason: "BadRequest",
      message:
        'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    },
    {
      code: 500,
      message: 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    },
    {
      code: 500,
      message: 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    },
    { code: 500, message: 'strconv.ParseUint: parsing "abc": invalid syntax' },
  ],
  async (x) => {
    const a = await cms(x).create(cm("a"));
    return [
      await failure(cms(x).list({ resourceVersion: "abc" })),
      await failure(cms(x).get("a", { resourceVersion: "abc" })),
      await failure(collect(cms(x).watch({ resourceVersion: "abc" }), () => true)),
      await failure(cms(x).update({ ...a, metadata: { ...a.metadata, resourceVersion: "abc" } })),
    ];
  },
);
c(
  "delete",
  "an unknown propagationPolicy is 422, nil among the supported values",
  {
    code: 422,
    reason: "Invalid",
    message:
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"',
  },
  async (x) => {
    await cms(x).create(cm("a"));
    const e: any = await failure(cms(x).delete("a", { propagationPolicy: "Bogus" }));
    return { code: e.code, reason: e.reason, message: e.message };
  },
);
c(
  "patch",
  "a patch changing metadata.uid is 422 (field is immutable); a PUT's uid is a storage precondition (409)",
  [
    [422, 'ConfigMap "a" is invalid: metadata.uid: Invalid value: "<uid>": field is immutable', 2],
    [
      409,
      'Operation cannot be fulfilled on configmaps "a": StorageError: invalid object, Code: 4, Key: /registry/configmaps/<ns>/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: <uid>, UID in object meta: <uid>',
      0,
    ],
  ],
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const other = "00000000-0000-0000-0000-000000000000";
    const clean = (e: any) => [
      e.code,
      e.message.replaceAll(other, "<uid>").replaceAll(a.metadata.uid, "<uid>").replaceAll(x.ns, "<ns>"),
      e.details?.causes?.length ?? 0,
    ];
    return [
      clean(await failure(cms(x).patch("a", PatchType.Merge, { metadata: { uid: other } }))),
      clean(await failure(cms(x).update({ ...a, metadata: { ...a.metadata, uid: other } }))),
    ];
  },
);
// ---------------------------------------------------------------- dry run
c(
  "dryRun",
  "a dryRun value other than All is 422 on the verb's options (delete takes it)",
  [
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["All","Bogus"]: supported values: "All"',
    'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"',
    'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Bogus"]: supported values: "All"',
    "succeeded",
  ],
  async (x) => {
    const a = await cms(x).create(cm("a"));
    const out = [
      await failure(cms(x).create(cm("b"), { dryRun: ["All", "Bogus"] })),
      await failure(cms(x).update(a, { dryRun: ["Bogus"] })),
      await failure(cms(x).patch("a", PatchType.Merge, {}, { dryRun: ["Bogus"] })),
      await failure(cms(x).delete("a", { dryRun: ["Bogus"] })),
    ];
    return out.map((e: any) => (e.succeeded ? "succeeded" : e.message));
  },
);
c(
  "dryRun",
  "a dry-run create returns the object and stores nothing",
  { name: "a", uid: "<uid>", stored: false },
  async (x) => {
    const o = await cms(x).create(cm("a"), { dryRun: "All" });
    return { name: o.metadata.name, uid: mask(o.metadata.uid), stored: !(await gone(cms(x).get("a"))) };
  },
);
c("dryRun", "a dry-run update changes nothing", { returned: "2", stored: "1" }, async (x) => {
  const a = await cms(x).create(cm("a", { k: "1" }));
  const o = await cms(x).update({ ...a, data: { k: "2" } }, { dryRun: "All" });
  return { returned: o.data.k, stored: (await cms(x).get("a")).data.k };
});
c("dryRun", "a dry-run patch changes nothing", { returned: "2", stored: "1" }, async (x) => {
  await cms(x).create(cm("a", { k: "1" }));
  const o = await cms(x).patch("a", PatchType.Merge, { data: { k: "2" } }, { dryRun: "All" });
  return { returned: o.data.k, stored: (await cms(x).get("a")).data.k };
});
c("dryRun", "a dry-run delete keeps the object", { stored: true }, async (x) => {
  await cms(x).create(cm("a"));
  await cms(x).delete("a", { dryRun: "All" });
  return { stored: !(await gone(cms(x).get("a"))) };
});
c("dryRun", "a dry-run apply stores nothing", { returned: "v", stored: false }, async (x) => {
  const o = await cms(x).apply(applyCM("a", { k: "v" }), { fieldManager: "m1", dryRun: "All" });
  return { returned: o.data.k, stored: !(await gone(cms(x).get("a"))) };
});
c("dryRun", "a dry-run create still validates", { code: 422, reason: "Invalid" }, async (x) => {
  const e: any = await failure(cms(x).create(cm("Bad_Name"), { dryRun: "All" }));
  return { code: e.code, reason: e.reason };
});
c("dryRun", "a dry-run deleteCollection keeps the objects", ["a", "b"], async (x) => {
  await seed(x, [
    ["a", { s: "1" }],
    ["b", { s: "1" }],
  ]);
  await cms(x).deleteCollection({ dryRun: "All" }, { labelSelector: "s=1" });
  return names(await cms(x).list({ labelSelector: "s=1" }));
});

// ---------------------------------------------------------------- CRDs
c(
  "crd",
  "a CRD's resource appears in discovery with scope, kind, verbs and subresources",
  {
    namespaced: true,
    kind: "Doohickey",
    verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"].sort(),
    status: true,
  },
  async (x) => {
    const gvr = await crd(x, "Doohickey");
    const { DiscoveryClient } = await import("../../src/discovery/index.js");
    const list = await new DiscoveryClient(x.rest).serverResourcesForGroupVersion(`${gvr.group}/v1`);
    const r = list.resources.find((r) => r.name === "doohickeys")!;
    return {
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs].sort(),
      status: list.resources.some((r) => r.name === "doohickeys/status"),
    };
  },
);
c(
  "crd",
  "a cluster-scoped custom resource has no namespace",
  { namespace: null, listed: ["c1"] },
  async (x) => {
    const gvr = await crd(x, "Thing", { scope: "Cluster" });
    const r = x.dyn.resource(gvr);
    const o: any = await r.create({
      apiVersion: `${gvr.group}/v1`,
      kind: "Thing",
      metadata: { name: "c1" },
      spec: {},
    });
    return { namespace: o.metadata.namespace ?? null, listed: names(await r.list()) };
  },
);
c("crd", "a custom resource of a deleted CRD is no longer served", { code: 404 }, async (x) => {
  const gvr = await crd(x, "Gizmo");
  await x.dyn
    .resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" })
    .delete(`gizmos.${gvr.group}`);
  await x.until("the resource to go", async () => {
    try {
      await x.dyn.resource(gvr).namespace(x.ns).list();
      return false;
    } catch {
      return true;
    }
  });
  const e: any = await failure(x.dyn.resource(gvr).namespace(x.ns).list());
  return { code: e.code };
});
c("crd", "a created CRD reports Established", { established: "True" }, async (x) => {
  const gvr = await crd(x, "Widget");
  // The server may serve the resource a moment before it writes the condition: wait for it.
  let established: unknown;
  await x.until("the Established condition", async () => {
    const o: any = await crdsClient(x).get(`widgets.${gvr.group}`);
    established = o.status?.conditions?.find((c: any) => c.type === "Established")?.status;
    return established === "True";
  });
  return { established };
});

const crdsClient = (x: Ctx) =>
  x.dyn.resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
const gaugeCRD = (group: string, spec: Obj) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `gauges.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural: "gauges", singular: "gauge", kind: "Gauge" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", properties: { spec } } },
      },
    ],
  },
});
/** A namespaced Gauge CRD of a unique group with the given spec schema; waits until it is served. */
async function gauges(x: Ctx, spec: Obj) {
  const group = `${x.unique("g")}.example.com`;
  await crdsClient(x).create(gaugeCRD(group, spec));
  const r = x.dyn.resource({ group, version: "v1", resource: "gauges" }).namespace(x.ns);
  await x.until("gauges to be served", async () => {
    try {
      await r.list({ limit: 1 });
      return true;
    } catch {
      return false;
    }
  });
  const gauge = (name: string, s: Obj) => ({
    apiVersion: `${group}/v1`,
    kind: "Gauge",
    metadata: { name },
    spec: s,
  });
  return { r, group, gauge };
}
/** The causes of a 422, sorted: the server checks an object's properties in Go's map order. */
const sortedCauses = (e: any) =>
  [...(e.details?.causes ?? [])]
    .map((k: any) => [k.field, k.reason, k.message.replace(/g-[0-9a-f]+\.example\.com/g, "<group>")])
    .sort((a, b) => `${a[0]} ${a[2]}`.localeCompare(`${b[0]} ${b[2]}`));
c(
  "crd",
  "a CRD is validated: its name is <plural>.<group>, names, scope, a schema with a root type",
  [
    [["metadata.name", 'Invalid value: "other.<group>": must be spec.names.plural+"."+spec.group']],
    [
      ["spec.names.singular", "Required value"],
      ["spec.names.kind", "Required value"],
      ["spec.names.listKind", "Required value"],
    ],
    [["spec.scope", 'Unsupported value: "Global": supported values: "Cluster", "Namespaced"']],
    [["spec.versions[0].schema.openAPIV3Schema", "Required value"]],
    [["spec.validation.openAPIV3Schema.type", "Required value: must not be empty at the root"]],
  ],
  async (x) => {
    const group = `${x.unique("g")}.example.com`;
    const crd = (mutate: (o: any) => void) => {
      const o: any = gaugeCRD(group, { type: "object" });
      mutate(o);
      return o;
    };
    const bodies = [
      crd((o) => {
        o.metadata.name = `other.${group}`;
      }),
      crd((o) => {
        o.spec.names = { plural: "gauges" };
      }),
      crd((o) => {
        o.spec.scope = "Global";
      }),
      crd((o) => {
        delete o.spec.versions[0].schema;
      }),
      crd((o) => {
        o.spec.versions[0].schema.openAPIV3Schema = { properties: { spec: { type: "object" } } };
      }),
    ];
    const out: unknown[] = [];
    for (const b of bodies) {
      const e: any = await failure(crdsClient(x).create(b));
      out.push((e.details?.causes ?? []).map((k: any) => [k.field, k.message.replaceAll(group, "<group>")]));
    }
    return out;
  },
);
c(
  "crd",
  "a custom resource is validated by its schema: types, required, enum, bounds, pattern, lengths, counts",
  {
    code: 422,
    causes: [
      [
        "<nil>",
        "FieldValueInvalid",
        'Invalid value: "": Checked value must be of type integer (default format) in spec.count',
      ],
      [
        "spec.count",
        "FieldValueTypeInvalid",
        'Invalid value: "number": spec.count in body must be of type integer: "number"',
      ],
      [
        "spec.level",
        "FieldValueInvalid",
        "Invalid value: 9: spec.level in body should be less than or equal to 5",
      ],
      ["spec.mode", "FieldValueNotSupported", 'Unsupported value: "fast": supported values: "on", "off"'],
      ["spec.name", "FieldValueInvalid", "Invalid value: \"A1\": spec.name in body should match '^[a-z]+$'"],
      ["spec.note", "FieldValueTooLong", "Too long: may not be more than 3 bytes"],
      ["spec.parts[1].id", "FieldValueRequired", "Required value"],
      [
        "spec.parts[2]",
        "FieldValueTypeInvalid",
        'Invalid value: "string": spec.parts[2] in body must be of type object: "string"',
      ],
      ["spec.tags", "FieldValueTooMany", "Too many: 3: must have at most 2 items"],
      ["spec.unit", "FieldValueRequired", "Required value"],
    ],
  },
  async (x) => {
    const { r, gauge } = await gauges(x, {
      type: "object",
      required: ["unit"],
      properties: {
        unit: { type: "string" },
        count: { type: "integer" },
        level: { type: "integer", minimum: 1, maximum: 5 },
        mode: { type: "string", enum: ["on", "off"] },
        name: { type: "string", pattern: "^[a-z]+$" },
        note: { type: "string", maxLength: 3 },
        tags: { type: "array", maxItems: 2, items: { type: "string" } },
        parts: {
          type: "array",
          items: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
        },
      },
    });
    const e: any = await failure(
      r.create(
        gauge("g", {
          count: 1.5,
          level: 9,
          mode: "fast",
          name: "A1",
          note: "long",
          tags: ["a", "b", "c"],
          parts: [{ id: "a" }, {}, "c"],
        }),
      ),
    );
    return { code: e.code, causes: sortedCauses(e) };
  },
);
c(
  "crd",
  "a custom resource of another version is 400, of another kind 422 (kind must be the CRD's)",
  [
    [400, "the API version in the data (<group>/v2) does not match the expected API version (<group>/v1)"],
    [422, 'Other.<group> "b" is invalid: kind: Invalid value: "Other": must be Gauge'],
  ],
  async (x) => {
    const { r, group, gauge } = await gauges(x, { type: "object" });
    const out = [
      await failure(r.create({ ...gauge("a", {}), apiVersion: `${group}/v2` })),
      await failure(r.create({ ...gauge("b", {}), kind: "Other" })),
    ];
    return out.map((e: any) => [e.code, e.message.replaceAll(group, "<group>")]);
  },
);
c(
  "crd",
  "a custom resource's update is validated, but a value it keeps from before is not refused again",
  {
    kept: "updated",
    changed: [
      [
        "spec.level",
        "FieldValueInvalid",
        "Invalid value: 8: spec.level in body should be less than or equal to 5",
      ],
    ],
  },
  async (x) => {
    const { r, group, gauge } = await gauges(x, {
      type: "object",
      properties: { level: { type: "integer" } },
    });
    const o = await r.create(gauge("g", { level: 9 }));
    // Tighten the schema, then wait until the server enforces it.
    const tight = {
      type: "object",
      properties: { level: { type: "integer", maximum: 5 }, note: { type: "string" } },
    };
    const live: any = await crdsClient(x).get(`gauges.${group}`);
    await crdsClient(x).update({ ...gaugeCRD(group, tight), metadata: live.metadata });
    await x.until("the tighter schema", async () => {
      const p: any = await failure(r.create(gauge("probe", { level: 9 }), { dryRun: "All" }));
      return p.code === 422;
    });
    const kept: any = await r.update({ ...o, spec: { level: 9, note: "x" } });
    const e: any = await failure(r.update({ ...kept, spec: { level: 8, note: "x" } }));
    return { kept: kept.spec.note === "x" ? "updated" : "not updated", changed: sortedCauses(e) };
  },
);

export { cases };
