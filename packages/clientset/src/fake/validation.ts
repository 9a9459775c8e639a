// The validation the fake performs, with the API server's 422 causes: object names (DNS-1123
// subdomain; DNS-1123 label for namespaces and services), label keys and values,
// the immutability of ConfigMaps and Secrets marked `immutable`, and a pod's containers.
import type { FakeResource, Obj } from "./resources.js";
import * as st from "./status.js";

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const qualifiedMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

type Cause = ReturnType<typeof st.invalidValue>;

function nameCauses(res: FakeResource, name: string): Cause[] {
  const key = `${res.group}/${res.resource}`;
  if (key === "/namespaces") {
    const out: Cause[] = [];
    if (name.length > 63)
      out.push(st.invalidValue("metadata.name", name, "must be no more than 63 characters"));
    if (name.includes(".")) out.push(st.invalidValue("metadata.name", name, "must not contain dots"));
    else if (!label.test(name)) out.push(st.invalidValue("metadata.name", name, labelMsg));
    return out;
  }
  if (key === "/services") {
    // 1.36 (RelaxedServiceNameValidation): a DNS-1123 label, so a leading digit is fine.
    const out: Cause[] = [];
    if (name.length > 63)
      out.push(st.invalidValue("metadata.name", name, "must be no more than 63 characters"));
    if (!label.test(name)) out.push(st.invalidValue("metadata.name", name, labelMsg));
    return out;
  }
  const out: Cause[] = [];
  if (name.length > 253)
    out.push(st.invalidValue("metadata.name", name, "must be no more than 253 characters"));
  if (!subdomain.test(name)) out.push(st.invalidValue("metadata.name", name, subdomainMsg));
  return out;
}

function labelCauses(labels: unknown): Cause[] {
  if (labels === undefined || labels === null || typeof labels !== "object") return [];
  const out: Cause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const slash = k.indexOf("/");
    const namePart = slash < 0 ? k : k.slice(slash + 1);
    if (namePart.length > 63 || !qualifiedName.test(namePart))
      out.push(st.invalidValue("metadata.labels", k, qualifiedMsg));
    if (slash >= 0 && !subdomain.test(k.slice(0, slash)))
      out.push(st.invalidValue("metadata.labels", k, `prefix part ${subdomainMsg}`));
    const s = String(v);
    if (s.length > 63) out.push(st.invalidValue("metadata.labels", s, "must be no more than 63 characters"));
    else if (!labelValue.test(s)) out.push(st.invalidValue("metadata.labels", s, labelValueMsg));
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

/** Throws the server's 422 Invalid when `o` (new, or an update of `old`) fails validation. */
export function validateObject(res: FakeResource, o: Obj, old: Obj | undefined): void {
  const name: string = o.metadata?.name ?? "";
  const causes: Cause[] = [];
  if (name === "") causes.push(st.required("metadata.name", "name or generateName is required"));
  else if (old === undefined) causes.push(...nameCauses(res, name));
  causes.push(...labelCauses(o.metadata?.labels));
  causes.push(...immutableCauses(res, o, old));
  if (res.group === "" && res.resource === "pods" && old === undefined) causes.push(...podCauses(o));
  if (causes.length > 0) throw st.invalid(res.group, res.kind, name, causes);
}
