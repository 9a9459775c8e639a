// The validation the fake performs, with the API server's 422 causes: object names and generateName
// prefixes (DNS-1123 subdomain; DNS-1123 label for namespaces, services and statefulsets), label keys and values,
// annotation keys and size, owner references, finalizer names, ConfigMap and Secret keys, the basics
// of a CustomResourceDefinition, the immutability of ConfigMaps and Secrets marked `immutable`, a
// pod's containers, and what an update of a pod's spec may change.

import {
  dns1123LabelMessage,
  dns1123SubdomainMessage,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from "../validation.js";
import { sortedCopy } from "./order.js";
import { type FakeResource, isObject, type Obj } from "./resources.js";
import * as st from "./status.js";

const configKey = /^[-._a-zA-Z0-9]+$/;
const configKeyMsg =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

type Cause = ReturnType<typeof st.invalidValue>;

/** Resources whose names are DNS-1123 labels (Service with 1.36's RelaxedServiceNameValidation). */
const labelNamed = new Set(["/namespaces", "/services", "apps/statefulsets"]);

/** IsDNS1123Label as 1.36 words it: a value that would be a subdomain "must not contain dots". */
function dnsLabelMessages(v: string): string[] {
  const subdomain = !isDNS1123Subdomain(v).includes(dns1123SubdomainMessage);
  return isDNS1123Label(v).map((msg) =>
    msg === dns1123LabelMessage && subdomain ? "must not contain dots" : msg,
  );
}

/**
 * The messages of the name check of a resource: a DNS-1123 subdomain, or label (labelNamed). A
 * generateName is checked as a prefix: a trailing '-' is allowed.
 */
function nameMessages(res: FakeResource, name: string, prefix: boolean): string[] {
  const v = prefix && name.endsWith("-") ? `${name.slice(0, -1)}a` : name;
  return labelNamed.has(`${res.group}/${res.resource}`) ? dnsLabelMessages(v) : isDNS1123Subdomain(v);
}

function labelCauses(labels: unknown): Cause[] {
  if (!isObject(labels)) return [];
  const out: Cause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) out.push(st.invalidValue("metadata.labels", k, msg));
    const s = String(v);
    for (const msg of isValidLabelValue(s)) out.push(st.invalidValue("metadata.labels", s, msg));
  }
  return out;
}

/** Annotation keys are qualified names in any case; all annotations together at most 256 kB. */
function annotationCauses(annotations: unknown): Cause[] {
  if (!isObject(annotations)) return [];
  const out: Cause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase()))
      out.push(st.invalidValue("metadata.annotations", k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > 256 * 1024) out.push(st.tooLong("metadata.annotations", 256 * 1024));
  return out;
}

function ownerReferenceCauses(refs: unknown): Cause[] {
  if (!Array.isArray(refs)) return [];
  const out: Cause[] = [];
  const f = "metadata.ownerReferences";
  let controller = "";
  for (const r of refs as Obj[]) {
    const version =
      String(r?.apiVersion ?? "")
        .split("/")
        .pop() ?? "";
    if (version === "")
      out.push(st.invalidValue(`${f}.apiVersion`, r?.apiVersion ?? "", "version must not be empty"));
    for (const k of ["kind", "name", "uid"]) {
      if (!r?.[k]) out.push(st.invalidValue(`${f}.${k}`, r?.[k] ?? "", "must not be empty"));
    }
    if (r?.controller === true) {
      const name = `${r.kind}/${r.name}`;
      if (controller === "") controller = name;
      else {
        // The value as Go marshals []OwnerReference: its fields in declaration order.
        const fields = ["apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"];
        const value = (refs as Obj[]).map((x) =>
          Object.fromEntries(fields.filter((k) => x?.[k] !== undefined).map((k) => [k, x[k]])),
        );
        out.push(
          st.invalidValue(
            f,
            value,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${name}`,
          ),
        );
      }
    }
  }
  return out;
}

function finalizerCauses(finalizers: unknown): Cause[] {
  if (!Array.isArray(finalizers)) return [];
  const out: Cause[] = [];
  for (const x of finalizers) {
    for (const msg of isQualifiedName(String(x))) out.push(st.invalidValue("metadata.finalizers", x, msg));
  }
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    out.push(
      st.invalidValue(
        "metadata.finalizers",
        finalizers,
        "finalizer orphan and foregroundDeletion cannot be both set",
      ),
    );
  }
  return out;
}

/**
 * The CustomResourceDefinition checks a CRD someone writes by hand most often fails: its name is
 * `<plural>.<group>`, a group with a dot, a scope, names (singular and listKind defaulted from the
 * kind), and a schema with a root type for every version.
 */
function crdCauses(o: Obj): Cause[] {
  const spec: Obj = isObject(o.spec) ? o.spec : {};
  const names: Obj = isObject(spec.names) ? spec.names : {};
  const out: Cause[] = [];
  const name = o.metadata?.name ?? "";
  if (name !== "" && name !== `${names.plural ?? ""}.${spec.group ?? ""}`)
    out.push(st.invalidValue("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  const group = String(spec.group ?? "");
  const groupErrors = isDNS1123Subdomain(group);
  if (group === "") out.push(st.required("spec.group", ""));
  else if (groupErrors.length > 0) out.push(st.invalidValue("spec.group", group, groupErrors.join(",")));
  else if (!group.includes("."))
    out.push(st.invalidValue("spec.group", group, "should be a domain with at least one dot"));
  if (!spec.scope) out.push(st.required("spec.scope", ""));
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced")
    out.push(st.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  const kind = names.kind;
  const defaulted: Obj = {
    plural: names.plural,
    singular: names.singular ?? (kind === undefined ? undefined : String(kind).toLowerCase()),
    kind,
    listKind: names.listKind ?? (kind === undefined ? undefined : `${kind}List`),
  };
  for (const [k, v] of Object.entries(defaulted)) {
    if (v === undefined || v === "") out.push(st.required(`spec.names.${k}`, ""));
    else if (k === "plural" || k === "singular") {
      const errors = isDNS1035Label(String(v));
      if (errors.length > 0) out.push(st.invalidValue(`spec.names.${k}`, v, errors.join(",")));
    }
  }
  for (const [i, v] of (Array.isArray(spec.versions) ? spec.versions : []).entries()) {
    const schema = (v as Obj)?.schema?.openAPIV3Schema;
    if (!isObject(schema)) out.push(st.required(`spec.versions[${i}].schema.openAPIV3Schema`, ""));
    else if (schema.type === undefined || schema.type === "")
      out.push(st.required("spec.validation.openAPIV3Schema.type", "must not be empty at the root"));
  }
  return out;
}

/** core.MaxSecretSize: the most a ConfigMap's or Secret's values may hold together. */
const maxDataSize = 1024 * 1024;

/**
 * ConfigMap and Secret keys (apimachinery's IsConfigMapKey), as data[key] / binaryData[key], a
 * ConfigMap's keys in both data and binaryData, and the values' total size.
 */
function keyCauses(res: FakeResource, o: Obj): Cause[] {
  const key = `${res.group}/${res.resource}`;
  if (key !== "/configmaps" && key !== "/secrets") return [];
  const out: Cause[] = [];
  for (const field of key === "/configmaps" ? ["data", "binaryData"] : ["data"]) {
    if (!isObject(o[field])) continue;
    for (const k of Object.keys(o[field])) {
      const at = `${field}[${k}]`;
      if (k.length > 253) out.push(st.invalidValue(at, k, "must be no more than 253 characters"));
      if (!configKey.test(k)) out.push(st.invalidValue(at, k, configKeyMsg));
      if (k === ".") out.push(st.invalidValue(at, k, "must not be '.'"));
      else if (k === "..") out.push(st.invalidValue(at, k, "must not be '..'"));
      else if (k.startsWith("..")) out.push(st.invalidValue(at, k, "must not start with '..'"));
      if (field === "data" && isObject(o.binaryData) && Object.hasOwn(o.binaryData, k))
        out.push(st.invalidValue(at, k, "duplicate of key present in binaryData"));
    }
  }
  // The total size of the values (decoded bytes; a Secret's stringData is part of its data then),
  // at most 1 MiB: for a ConfigMap on the whole object ("[]"), for a Secret on data.
  const values = new Map<string, number>();
  const base64Size = (v: unknown) => (typeof v === "string" ? Buffer.from(v, "base64").length : 0);
  for (const [k, v] of Object.entries(isObject(o.data) ? o.data : {}))
    values.set(`d:${k}`, key === "/secrets" ? base64Size(v) : Buffer.byteLength(String(v ?? "")));
  if (key === "/configmaps")
    for (const [k, v] of Object.entries(isObject(o.binaryData) ? o.binaryData : {}))
      values.set(`b:${k}`, base64Size(v));
  if (key === "/secrets")
    for (const [k, v] of Object.entries(isObject(o.stringData) ? o.stringData : {}))
      values.set(`d:${k}`, Buffer.byteLength(String(v ?? "")));
  let total = 0;
  for (const n of values.values()) total += n;
  if (total > maxDataSize) {
    out.push(st.tooLong(key === "/secrets" ? "data" : "[]", maxDataSize));
  }
  return out;
}

function jsonEq(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function immutableCauses(res: FakeResource, o: Obj, old: Obj | undefined): Cause[] {
  const key = `${res.group}/${res.resource}`;
  if (old === undefined || (key !== "/configmaps" && key !== "/secrets")) return [];
  const out: Cause[] = [];
  if (key === "/secrets" && (o.type ?? "Opaque") !== (old.type ?? "Opaque")) {
    out.push(st.invalidValue("type", o.type ?? "Opaque", "field is immutable"));
  }
  if (old.immutable === true) {
    const msg = "field is immutable when `immutable` is set";
    if (!jsonEq(o.data, old.data)) out.push(st.forbiddenField("data", msg));
    if (!jsonEq(o.binaryData, old.binaryData) && key === "/configmaps")
      out.push(st.forbiddenField("binaryData", msg));
    if (o.immutable !== true) out.push(st.forbiddenField("immutable", msg));
  }
  return out;
}

function podCauses(o: Obj): Cause[] {
  const containers = o.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [st.required("spec.containers", "")];
  const out: Cause[] = [];
  containers.forEach((c: Obj, i: number) => {
    if (!c?.name) out.push(st.required(`spec.containers[${i}].name`, ""));
    if (!c?.image) out.push(st.required(`spec.containers[${i}].image`, ""));
  });
  return out;
}

const podUpdatable =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/**
 * A pod's spec after creation: containers may not come or go, and only images, the active deadline,
 * tolerations and a negative grace period set to 1 may change (the server appends a diff of the Go
 * structs to the message, the fake does not, and it does not check that tolerations are only added).
 */
function podUpdateCauses(o: Obj, old: Obj): Cause[] {
  const spec: Obj = o.spec ?? {};
  const was: Obj = old.spec ?? {};
  for (const k of ["containers", "initContainers"]) {
    if ((spec[k] ?? []).length !== (was[k] ?? []).length)
      return [st.forbiddenField(`spec.${k}`, "pod updates may not add or remove containers")];
  }
  const munged: Obj = structuredClone(spec);
  for (const k of ["containers", "initContainers"]) {
    if (!Array.isArray(munged[k])) continue;
    munged[k] = munged[k].map((c: Obj, i: number) => {
      const { image: _image, ...rest } = c;
      const image = was[k][i]?.image;
      return image === undefined ? rest : { ...rest, image };
    });
  }
  for (const k of ["activeDeadlineSeconds", "tolerations", "schedulingGates"]) {
    if (was[k] === undefined) delete munged[k];
    else munged[k] = was[k];
  }
  if ((was.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = was.terminationGracePeriodSeconds;
  return jsonEq(sortedCopy(munged), sortedCopy(was)) ? [] : [st.forbiddenField("spec", podUpdatable)];
}

/** Workload resources whose spec.replicas the registry's validation requires to be 0 or more. */
const scaled = new Set([
  "apps/deployments",
  "apps/replicasets",
  "apps/statefulsets",
  "/replicationcontrollers",
]);

function replicaCauses(res: FakeResource, o: Obj): Cause[] {
  const n = o.spec?.replicas;
  if (!scaled.has(`${res.group}/${res.resource}`) || typeof n !== "number" || n >= 0) return [];
  return [st.invalidValue("spec.replicas", n, "must be greater than or equal to 0")];
}

/** A new StatefulSet's serviceName is a DNS-1123 label (an update tolerates an old invalid one). */
function serviceNameCauses(o: Obj): Cause[] {
  const name = o.spec?.serviceName;
  if (typeof name !== "string" || name === "") return [];
  return dnsLabelMessages(name).map((msg) => st.invalidValue("spec.serviceName", name, msg));
}

/**
 * What ValidateObjectMetaAccessorUpdate refuses in an update's metadata: finalizers added to an
 * object being deleted (listed sorted, as a Go set), then changes to the immutable fields.
 */
function metadataUpdateCauses(m: Obj, was: Obj): Cause[] {
  const out: Cause[] = [];
  if (was.deletionTimestamp !== undefined) {
    const before = new Set<string>(was.finalizers ?? []);
    const added = [...new Set<string>(m.finalizers ?? [])].filter((f) => !before.has(f)).sort();
    if (added.length > 0) {
      const list = added.map((f) => JSON.stringify(f)).join(", ");
      out.push(
        st.forbiddenField(
          "metadata.finalizers",
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`,
        ),
      );
    }
  }
  for (const k of ["uid", "deletionTimestamp", "deletionGracePeriodSeconds"]) {
    if (!jsonEq(m[k], was[k])) out.push(st.invalidValue(`metadata.${k}`, m[k] ?? null, "field is immutable"));
  }
  return out;
}

/**
 * Throws the server's 422 Invalid when `o` (new, or an update of `old`) fails validation; a custom
 * resource's schema causes come after the metadata's.
 */
export function validateObject(
  res: FakeResource,
  o: Obj,
  old: Obj | undefined,
  schemaCauses: Cause[] = [],
): void {
  const m: Obj = o.metadata ?? {};
  const name: string = m.name ?? "";
  // The generic update check and the resource's own strategy both run it: its causes come twice.
  const metadataUpdate = old === undefined ? [] : metadataUpdateCauses(m, old.metadata ?? {});
  const causes: Cause[] = [...metadataUpdate, ...metadataUpdate];
  if (old === undefined) {
    if (typeof m.generateName === "string" && m.generateName !== "") {
      for (const msg of nameMessages(res, m.generateName, true))
        causes.push(st.invalidValue("metadata.generateName", m.generateName, msg));
    }
    if (name === "") causes.push(st.required("metadata.name", "name or generateName is required"));
    for (const msg of name === "" ? [] : nameMessages(res, name, false))
      causes.push(st.invalidValue("metadata.name", name, msg));
  }
  // A namespace is validated with the kubernetes.io/metadata.name label its strategy sets first.
  const namespace = res.group === "" && res.resource === "namespaces" && name !== "";
  const labels = namespace
    ? { ...(isObject(m.labels) ? m.labels : {}), "kubernetes.io/metadata.name": name }
    : m.labels;
  causes.push(...labelCauses(labels));
  causes.push(...annotationCauses(m.annotations));
  causes.push(...ownerReferenceCauses(m.ownerReferences));
  causes.push(...finalizerCauses(m.finalizers));
  causes.push(...keyCauses(res, o));
  if (res.group === "apiextensions.k8s.io" && res.resource === "customresourcedefinitions")
    causes.push(...crdCauses(o));
  causes.push(...immutableCauses(res, o, old));
  causes.push(...replicaCauses(res, o));
  if (old === undefined && res.group === "apps" && res.resource === "statefulsets")
    causes.push(...serviceNameCauses(o));
  if (res.group === "" && res.resource === "pods")
    causes.push(...(old === undefined ? podCauses(o) : podUpdateCauses(o, old)));
  causes.push(...schemaCauses);
  if (causes.length > 0) throw st.invalid(res.group, res.kind, name, causes);
}
