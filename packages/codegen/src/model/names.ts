// Naming rules shared by the model and the emitters: where a definition's type lives, and the
// client-go names (camelCased) of group-versions, resources and interfaces.
import { SpecError } from "../load/spec.js";

const VERSION_RE = /^v\d+(?:(?:alpha|beta)\d+)?$/;
/** Any version an API server serves (a DNS label: a CRD's "alpha", "v1-1"). */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The api-types module of an OpenAPI definition, after the Go package it comes from:
 * io.k8s.api.core.v1.Pod → "core/v1"; io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta → "meta/v1";
 * io.k8s.apimachinery.pkg.api.resource.Quantity → "resource"; ...util.intstr.IntOrString → "intstr";
 * ...pkg.runtime.RawExtension → "runtime"; ...pkg.version.Info → "version";
 * io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.X → "apiextensions/v1";
 * any other (CRDs: com.example.stable.v1.CronTab) → "<reversed group>/<version>" ("stable.example.com/v1"),
 * the version being the last part when it is vN, vNalphaM or vNbetaM, or a DNS label after a group of
 * at least two labels (a CRD version "alpha": com.example.stable.alpha.CronTab → "stable.example.com/alpha").
 */
export function definitionModule(definition: string): { module: string; name: string } {
  const parts = definition.split(".");
  const name = parts.pop() ?? definition;
  const known: [string, (rest: string[]) => string | undefined][] = [
    ["io.k8s.api.", (r) => (r.length === 2 ? `${r[0]}/${r[1]}` : undefined)],
    ["io.k8s.apimachinery.pkg.apis.", (r) => (r.length === 2 ? `${r[0]}/${r[1]}` : undefined)],
    ["io.k8s.apimachinery.pkg.api.", (r) => (r.length === 1 ? r[0] : undefined)],
    ["io.k8s.apimachinery.pkg.util.", (r) => (r.length === 1 ? r[0] : undefined)],
    ["io.k8s.apimachinery.pkg.", (r) => (r.length === 1 ? r[0] : undefined)],
    ["io.k8s.apiextensions-apiserver.pkg.apis.", (r) => (r.length === 2 ? `${r[0]}/${r[1]}` : undefined)],
    ["io.k8s.kube-aggregator.pkg.apis.", (r) => (r.length === 2 ? `${r[0]}/${r[1]}` : undefined)],
  ];
  const prefix = parts.join(".") + ".";
  for (const [p, f] of known) {
    if (prefix.startsWith(p)) {
      const m = f(prefix.slice(p.length, -1).split("."));
      if (m) return { module: m, name };
    }
  }
  const last = parts[parts.length - 1];
  if (last !== undefined && (VERSION_RE.test(last) || (parts.length >= 3 && DNS_LABEL.test(last)))) {
    const group = parts.slice(0, -1).reverse().join(".");
    return { module: group === "" ? last : `${group}/${last}`, name };
  }
  return { module: parts.length ? [...parts].reverse().join(".") : "unversioned", name };
}

/** "CSIDriver" → "csiDriver", "APIServices" → "apiServices", "Pods" → "pods". */
export function lowerCamel(pascal: string): string {
  const m = /^[A-Z]+/.exec(pascal);
  if (!m) return pascal;
  const run = m[0];
  if (run.length === 1 || run.length === pascal.length)
    return pascal.slice(0, run.length).toLowerCase() + pascal.slice(run.length);
  // "CSIDriver": the last capital of the run starts the next word.
  const cut = /[a-z]/.test(pascal[run.length] ?? "") ? run.length - 1 : run.length;
  return pascal.slice(0, cut).toLowerCase() + pascal.slice(cut);
}

export function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The plural of a kind, cased like the kind (client-go's resource getter name before camelCasing):
 * ("NetworkPolicy", "networkpolicies") → "NetworkPolicies"; ("Endpoints", "endpoints") → "Endpoints".
 */
export function pluralKind(kind: string, plural: string): string {
  const lower = kind.toLowerCase();
  let i = 0;
  while (i < lower.length && i < plural.length && lower[i] === plural[i]) i++;
  if (i === 0) return upperFirst(plural);
  return kind.slice(0, i) + plural.slice(i);
}

/**
 * Resource getter on the group interface: pods, nodes, csiDrivers, networkPolicies; a CRD's plural
 * with dashes is camelCased ("with-dash" → withDash).
 */
export function resourceGetter(kind: string, plural: string): string {
  return lowerCamel(identifierPart(pluralKind(kind, plural)));
}

/** "v1beta1" → "V1beta1"; a dash is an underscore ("v1-beta1" → "V1_beta1", not v1beta1's). */
export function versionSuffix(version: string): string {
  return upperFirst(version.replace(/-/g, "_").replace(/[^A-Za-z0-9_]/g, ""));
}

/**
 * Group-version method names as client-go names them: the group's first DNS label + version
 * ("" → coreV1, "admissionregistration.k8s.io" v1 → admissionregistrationV1). When two groups share a
 * first label (a CRD group "apps.example.com" next to "apps"), the Kubernetes group keeps the short
 * name and the other one gets every label (appsExampleComV1).
 */
export function groupMethodNames(groups: readonly { group: string; version: string }[]): Map<string, string> {
  const label = (g: string) => (g === "" ? "core" : (g.split(".")[0] ?? g));
  const isKube = (g: string) => g === "" || !g.includes(".") || g.endsWith(".k8s.io");
  const owners = new Map<string, string>();
  const sorted = [...new Set(groups.map((g) => g.group))].sort(
    (a, b) => Number(isKube(b)) - Number(isKube(a)) || (a < b ? -1 : a > b ? 1 : 0),
  );
  // Keyed by the label as an identifier: "x-y" and "x--y" (two CRD groups) would both be xY.
  const key = (g: string) => identifierPart(label(g));
  for (const g of sorted) if (!owners.has(key(g))) owners.set(key(g), g);
  const out = new Map<string, string>();
  for (const { group, version } of groups) {
    const base =
      owners.get(key(group)) === group
        ? identifierPart(label(group))
        : group
            .split(".")
            .map((p, i) => (i === 0 ? identifierPart(p) : upperFirst(identifierPart(p))))
            .join("");
    out.set(`${group}/${version}`, identifierStart(lowerCamel(base) + versionSuffix(version)));
  }
  return out;
}

function identifierPart(s: string): string {
  return s.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""));
}

/** A name that may start with a digit (a CRD group "2fa.example.com") as an identifier: "_2faV1". */
function identifierStart(s: string): string {
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * A module path → the PascalCase prefix of the names imported from it where they need an alias:
 * "events/v1" → "EventsV1", "stable.example.com/v1" → "StableExampleComV1". Distinct paths of DNS
 * labels give distinct prefixes: a dash is "_" ("v1-1" → "V1_1", not v11's "V11"; "x-y.example.com" →
 * "X_yExampleCom", not x.y's "XYExampleCom"), and a label after the first that starts with a digit
 * (upperFirst cannot mark it) is preceded by "$" ("a.1b.com" → "A$1bCom", not a1b's "A1bCom").
 */
export function modulePrefix(module: string): string {
  return identifierStart(
    module
      .split(/[/.]/)
      .filter(Boolean)
      .map((label, i) => {
        const part = label
          .split(/(-+)/)
          .map((w) => (w.startsWith("-") ? "_".repeat(w.length) : identifierPart(w)))
          .join("");
        return i > 0 && /^[0-9]/.test(part) ? `$${part}` : upperFirst(part);
      })
      .join(""),
  );
}

/**
 * An import alias for `name` from `module` that is not in `used` (and joins it): the name itself,
 * else the module's prefix and the name, else that with a number (kinds Scale and NExampleComV1Scale).
 */
export function uniqueAlias(used: Set<string>, module: string, name: string): string {
  let alias = used.has(name) ? `${modulePrefix(module)}${name}` : name;
  for (let i = 2; used.has(alias); i++) alias = `${modulePrefix(module)}${name}${i}`;
  used.add(alias);
  return alias;
}

const VERSION_ORDER = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/** Kubernetes version priority: GA > beta > alpha, higher numbers first; negative when a sorts first. */
export function compareVersions(a: string, b: string): number {
  const ma = VERSION_ORDER.exec(a);
  const mb = VERSION_ORDER.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  const rank = (m: RegExpExecArray) => (m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1);
  return rank(mb) - rank(ma) || Number(mb[1]) - Number(ma[1]) || Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** What declares a generated name: a group-version, or one of its kinds; `what` says which declaration. */
export interface NameOwner {
  group?: string;
  version?: string;
  kind?: string;
  /** "kind Foo's namespace lister", "the group-version n.example.com/v1's interface". */
  what: string;
}

/** Two declarations of one generated module (or two clientset methods) would have one name. */
export class NameClashError extends SpecError {
  override name = "NameClashError";
  constructor(
    /** The generated module ("informers.ts", "clientset/n.example.com/v1.ts"). */
    readonly module: string,
    readonly clash: string,
    readonly owners: readonly [NameOwner, NameOwner],
    /** What to rename, when the owners' names alone do not say ("the plurals"). */
    readonly hint?: string,
  ) {
    super(`${module}: ${owners[0].what} and ${owners[1].what} would both be named ${clash}`);
  }
}

/** The names one generated module declares, each with its owner; a second owner of a name throws NameClashError. */
export class DeclaredNames {
  private readonly owners = new Map<string, NameOwner>();
  constructor(
    readonly module: string,
    private readonly hint?: string,
  ) {}

  has(name: string): boolean {
    return this.owners.has(name);
  }

  add(name: string, owner: NameOwner): void {
    const other = this.owners.get(name);
    if (other !== undefined) throw new NameClashError(this.module, name, [other, owner], this.hint);
    this.owners.set(name, owner);
  }
}
