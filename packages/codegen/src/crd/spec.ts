// Pure: CustomResourceDefinition objects → the load stage's Spec (definitions and operations as the
// API server would serve them for every served version), so the model and the emitters are the same
// ones the built-in API goes through. Plus the CRD data the spec has no place for (printer columns,
// singular and short names, the scale subresource's paths). No I/O.
import { normalizeSchema } from "../load/normalize.js";
import { type Operation, REF_PREFIX, type Schema, type Spec, SpecError } from "../load/spec.js";
import { compareVersions, upperFirst } from "../model/names.js";

/** One parsed document of a CRD input: where it came from (file, document number) and its content. */
export interface CrdDocument {
  /** The file ("-" for stdin, "cluster <host>" for --from-cluster). */
  file: string;
  /** 1-based position in a multi-document file. */
  document: number;
  /** 1-based position in the document's `items` when the document is a List. */
  item?: number;
  object: unknown;
}

/** A malformed CRD input: the message names the file, the CRD and the version. */
export class CrdError extends SpecError {
  override name = "CrdError";
}

/** An additionalPrinterColumns entry (kubectl get's columns), as data. */
export interface PrinterColumn {
  /** The column header. */
  name: string;
  /** integer, number, string, boolean or date. */
  type: string;
  /** Where the value is in the object: ".spec.replicas". */
  jsonPath: string;
  /** What the column shows. */
  description?: string;
  /** OpenAPI format of the value. */
  format?: string;
  /** 0 (omitted): shown always; higher: only with -o wide. */
  priority?: number;
}

/** The scale subresource's paths (spec.versions[].subresources.scale). */
export interface ScaleInfo {
  /** Where the desired replicas are: ".spec.replicas". */
  specReplicasPath: string;
  /** Where the observed replicas are: ".status.replicas". */
  statusReplicasPath: string;
  /** Where the label selector (as a string) is, for Scale's status.selector. */
  labelSelectorPath?: string;
}

/** What a CRD says about one served version beyond its schema. */
export interface CustomResourceInfo {
  /** The CRD's name: "<plural>.<group>". */
  crd: string;
  /** spec.group */
  group: string;
  /** The served version's name. */
  version: string;
  /** spec.names.kind */
  kind: string;
  /** spec.names.listKind (default `<kind>List`). */
  listKind: string;
  /** spec.names.plural: the resource (URL segment, getter name). */
  plural: string;
  /** spec.names.singular (default the kind in lower case). */
  singular: string;
  /** spec.names.shortNames */
  shortNames: string[];
  /** spec.names.categories */
  categories: string[];
  /** spec.scope is Namespaced. */
  namespaced: boolean;
  /** Whether this is the storage version (one per CRD). */
  storage: boolean;
  /** Whether the version has the status subresource. */
  status: boolean;
  /** The scale subresource, when the version has one. */
  scale?: ScaleInfo;
  /** additionalPrinterColumns */
  printerColumns: PrinterColumn[];
  /** A deprecated version: the warning the API server sends with every response (its default when the CRD has none). */
  deprecationWarning?: string;
}

/** crdsToSpec's result: the spec, the modules it only references, the CRDs' other data. */
export interface CrdSpec {
  /** Definitions and operations of every served version, as the API server would serve them. */
  spec: Spec;
  /** Type modules the spec only references (meta/v1, autoscaling/v1): imported, not emitted. */
  external: Set<string>;
  resources: CustomResourceInfo[];
  /** Each CRD's document (by CRD name), for messages that name where a CRD came from. */
  origins: Map<string, CrdDocument>;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;
const SCALE = "io.k8s.api.autoscaling.v1.Scale";
const ref = (definition: string): Schema => ({ $ref: `${REF_PREFIX}${definition}` });

/** Stand-ins for the built-in definitions a CRD spec refers to; their types come from @org/api-types. */
const EXTERNAL: Record<string, Schema> = {
  [OBJECT_META]: { type: "object" },
  [LIST_META]: { type: "object" },
  [SCALE]: {
    type: "object",
    properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: ref(OBJECT_META) },
    "x-kubernetes-group-version-kind": [{ group: "autoscaling", version: "v1", kind: "Scale" }],
  },
};
const EXTERNAL_MODULES: ReadonlySet<string> = new Set(["meta/v1", "autoscaling/v1"]);

/** A DNS-1123 subdomain (an API group), and a DNS-1035 label (plural, singular, short name, version). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Where an error is: "file (document 2, item 3): CRD crontabs.stable.example.com, version v1". */
export function where(doc: CrdDocument, crd?: string, version?: string): string {
  const place = [
    doc.document > 1 ? `document ${doc.document}` : "",
    doc.item !== undefined ? `item ${doc.item}` : "",
  ].filter(Boolean);
  const at = place.length ? `${doc.file} (${place.join(", ")})` : doc.file;
  return [at, crd ? `CRD ${crd}` : "", version ? `version ${version}` : ""].filter(Boolean).join(", ");
}

/** A description with the CRD's default value and CEL rules appended (they have no place in a type). */
function docWithRules(schema: Json): string | undefined {
  const parts: string[] = [];
  if (typeof schema.description === "string" && schema.description.trim() !== "")
    parts.push(schema.description.trim());
  if (schema.default !== undefined) parts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  const rules = schema["x-kubernetes-validations"];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      if (!isObject(r) || typeof r.rule !== "string") continue;
      const message = str(r.message) ?? str(r.messageExpression);
      parts.push(`Validation (CEL): \`${r.rule}\`${message ? ` (${message})` : ""}`);
    }
  }
  return parts.length ? parts.join("\n\n") : undefined;
}

/** Turns one version's openAPIV3Schema into named definitions, every object with properties its own. */
class SchemaConverter {
  readonly definitions: Record<string, Schema> = {};
  /** `taken`: the type names of the group-version so far (shared by its CRDs, updated here). */
  constructor(
    private readonly prefix: string,
    private readonly taken: Set<string>,
    private readonly fail: (message: string) => never,
  ) {}

  /** A type name no other definition of this group-version has: "CronTabSpec", else "CronTabSpec2". */
  private name(base: string): string {
    let n = base;
    for (let i = 2; this.taken.has(n); i++) n = `${base}${i}`;
    this.taken.add(n);
    return n;
  }

  /** Declares a named definition for `schema` (an object with properties) and returns its name. */
  declare(typeName: string, schema: Json, jsonPath: string, root?: Json): string {
    const name = root ? typeName : this.name(typeName);
    const def = `${this.prefix}.${name}`;
    this.definitions[def] = this.object(name, schema, jsonPath, root);
    return def;
  }

  private object(name: string, schema: Json, jsonPath: string, extra?: Json): Schema {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) if (k !== "properties") out[k] = v;
    this.dropCombinators(out, schema, jsonPath);
    const props = isObject(schema.properties) ? schema.properties : {};
    // Sorted: the API server returns a CRD's properties sorted (a Go map), a file in its own order.
    const converted = Object.keys(props)
      .sort()
      .map(
        (key) => [key, this.convert(`${name}${typePart(key)}`, props[key], `${jsonPath}.${key}`)] as const,
      );
    // apiVersion, kind, metadata (the API server's own) first and with their schemas; defined as own
    // properties by Object.fromEntries (an assignment of "__proto__" would set the prototype).
    const own = Object.entries(extra ?? {});
    out.properties = Object.fromEntries([...own, ...converted, ...own]);
    out.type = "object";
    const doc = docWithRules(schema);
    if (doc) out.description = doc;
    else delete out.description;
    return out;
  }

  /** One property's schema: nested objects become references to named definitions. */
  convert(typeName: string, value: unknown, jsonPath: string): Schema {
    if (!isObject(value)) this.fail(`the schema at ${jsonPath} is not an object`);
    const schema = value as Json;
    if ("$ref" in schema)
      this.fail(
        `$ref ${JSON.stringify(schema.$ref)} at ${jsonPath}: CRD schemas cannot reference other schemas (the API server rejects $ref); inline the schema`,
      );
    const s: Json = { ...schema };
    if (s["x-kubernetes-embedded-resource"] === true) {
      // An object with apiVersion, kind and metadata of its own (a Pod template in a CRD ...).
      const props: Json = isObject(s.properties) ? { ...s.properties } : {};
      props.apiVersion ??= { type: "string" };
      props.kind ??= { type: "string" };
      s.properties = props;
      s.type = "object";
      // The API server refuses an embedded object without them ("Required value").
      const required: unknown[] = Array.isArray(s.required) ? s.required : [];
      s.required = [...required, ...["apiVersion", "kind"].filter((k) => !required.includes(k))];
    }
    if (isObject(s.properties) && Object.keys(s.properties).length > 0) {
      const embedded = s["x-kubernetes-embedded-resource"] === true;
      const def = this.declare(typeName, s, jsonPath, undefined);
      if (embedded) {
        const d = this.definitions[def] as Json;
        (d.properties as Json).metadata = ref(OBJECT_META);
      }
      const out: Json = { $ref: `${REF_PREFIX}${def}` };
      const doc = docWithRules(schema);
      if (doc) out.description = doc;
      // A nullable reference: openapi-typescript adds `| null` to an anyOf, not to a bare $ref.
      return s.nullable === true ? { anyOf: [{ $ref: out.$ref }], nullable: true, ...withoutRef(out) } : out;
    }
    const out: Json = { ...s };
    if (isObject(s.items)) out.items = this.convert(typeName, s.items, `${jsonPath}[*]`);
    else if (Array.isArray(s.items)) this.fail(`the schema at ${jsonPath}.items is a list; use one schema`);
    if (isObject(s.additionalProperties))
      out.additionalProperties = this.convert(`${typeName}Value`, s.additionalProperties, `${jsonPath}.*`);
    this.dropCombinators(out, s, jsonPath);
    const doc = docWithRules(schema);
    if (doc) out.description = doc;
    return out;
  }

  /**
   * allOf, anyOf, oneOf and not are validation-only in a structural schema (the type comes from
   * `type` and `properties`): removed from `out`, their schemas in `schema` still checked for $ref.
   * Kept, they would make a kind `{...} | unknown` (anyOf at the root) or an intersection.
   */
  private dropCombinators(out: Json, schema: Json, jsonPath: string): void {
    for (const k of ["allOf", "anyOf", "oneOf", "not"] as const) {
      const v = schema[k];
      const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
      for (const [i, item] of list.entries()) if (isObject(item)) this.check(item, `${jsonPath}.${k}[${i}]`);
      delete out[k];
    }
  }

  private check(schema: Json, jsonPath: string): void {
    if ("$ref" in schema) this.convert("", schema, jsonPath);
    for (const v of Object.values(isObject(schema.properties) ? schema.properties : {}))
      if (isObject(v)) this.check(v, jsonPath);
  }
}

function withoutRef(o: Json): Json {
  const { $ref: _, ...others } = o;
  return others;
}

/** A property name as part of a type name: "spec" → "Spec", "x-foo" → "XFoo", "1a" → "_1a". */
function typePart(key: string): string {
  const words = key.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const part = words.map(upperFirst).join("");
  return part === "" ? "Field" : /^[0-9]/.test(part) ? `_${part}` : part;
}

/**
 * The TypeScript name of a kind (or list kind): its words capitalized and joined, "CronTab" stays,
 * "Foo-Bar" → "FooBar", "lowerkind" → "Lowerkind". The kind itself stays on the wire (apiVersion and
 * kind literals, descriptors, resources.ts); the model and the emitters name declarations after this.
 */
export function kindTypeName(kind: string): string {
  return typePart(kind);
}

/** "stable.example.com" → "com.example.stable" (the API server's definition prefix of a CRD group). */
function reversedGroup(group: string): string {
  return group.split(".").reverse().join(".");
}

const WRITE = ["*/*"];
const PATCH = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"];
/**
 * A custom resource's /scale takes apply's content type but always answers 500 ("request to convert
 * CR to an invalid group/version: autoscaling/v1", an upstream limitation): no applyScale for it.
 */
const SCALE_PATCH = PATCH.filter((t) => t !== "application/apply-patch+yaml");

/**
 * get, put and patch of one object's path (the object itself, or its status or scale subresource);
 * `patch` the patch content types it takes.
 */
function readWrite(path: string, gvk: Operation["gvk"], schema: string, patch = PATCH): Operation[] {
  return [
    { path, method: "get", action: "get", gvk, consumes: [], responseSchema: schema },
    {
      path,
      method: "put",
      action: "put",
      gvk,
      consumes: WRITE,
      requestSchema: schema,
      responseSchema: schema,
    },
    { path, method: "patch", action: "patch", gvk, consumes: patch, responseSchema: schema },
  ];
}

function operations(
  group: string,
  version: string,
  plural: string,
  namespaced: boolean,
  def: string,
  listDef: string,
  subresources: Json,
): Operation[] {
  const base = `/apis/${group}/${version}/${namespaced ? "namespaces/{namespace}/" : ""}${plural}`;
  const gvk = { group, version, kind: def.slice(def.lastIndexOf(".") + 1) };
  const ops: Operation[] = [
    {
      path: base,
      method: "get",
      action: "list",
      gvk,
      consumes: [],
      responseSchema: listDef,
      query: ["watch"],
    },
    {
      path: base,
      method: "post",
      action: "post",
      gvk,
      consumes: WRITE,
      requestSchema: def,
      responseSchema: def,
    },
    { path: base, method: "delete", action: "deletecollection", gvk, consumes: [] },
    ...readWrite(`${base}/{name}`, gvk, def),
    { path: `${base}/{name}`, method: "delete", action: "delete", gvk, consumes: [] },
  ];
  if (isObject(subresources.status)) ops.push(...readWrite(`${base}/{name}/status`, gvk, def));
  if (isObject(subresources.scale)) {
    const scale = { group: "autoscaling", version: "v1", kind: "Scale" };
    ops.push(...readWrite(`${base}/{name}/scale`, scale, SCALE, SCALE_PATCH));
  }
  return ops;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function printerColumns(v: unknown): PrinterColumn[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((c) => {
    const col: PrinterColumn = { name: String(c.name), type: String(c.type), jsonPath: String(c.jsonPath) };
    if (str(c.description)) col.description = c.description as string;
    if (str(c.format)) col.format = c.format as string;
    if (typeof c.priority === "number" && c.priority !== 0) col.priority = c.priority;
    return col;
  });
}

/**
 * Every served version of every CRD as one Spec: per version the kind (apiVersion and kind as
 * literals, metadata an ObjectMeta), its list, one named definition per nested object, and the
 * operations the API server serves (status and scale included). Throws CrdError for a malformed CRD.
 */
export function crdsToSpec(docs: readonly CrdDocument[], source: string): CrdSpec {
  const schemas: Record<string, Schema> = { ...EXTERNAL };
  const ops: Operation[] = [];
  const resources: CustomResourceInfo[] = [];
  const given = docs.map(parseCrd);
  checkNames(given);
  // In CRD name order, as --from-cluster lists them: nested types are numbered first come first
  // served (`taken`), so the order of the files must not decide which one is CronTabSpec2.
  const parsed = [...given].sort((a, b) => (a.crd < b.crd ? -1 : a.crd > b.crd ? 1 : 0));
  // Kinds and lists keep their names; nested types of the same group-version get what is left.
  const kinds = new Map<string, string[]>();
  for (const c of parsed)
    for (const v of c.versions) {
      const list = kinds.get(v.prefix) ?? [];
      list.push(c.typeName, c.listTypeName, `${c.typeName}ApplyConfiguration`);
      kinds.set(v.prefix, list);
    }
  const taken = new Map<string, Set<string>>();
  for (const c of parsed) {
    const { doc, crd, group, kind, listKind, plural, namespaced } = c;
    for (const { version, prefix, schema, v } of c.versions) {
      const fail = (message: string): never => {
        throw new CrdError(`${where(doc, crd, version)}: ${message}`);
      };
      const names = taken.get(prefix) ?? new Set(kinds.get(prefix));
      taken.set(prefix, names);
      const conv = new SchemaConverter(prefix, names, fail);
      const def = conv.declare(c.typeName, schema, "", {
        apiVersion: {
          type: "string",
          description: "APIVersion defines the versioned schema of this representation of an object.",
        },
        kind: {
          type: "string",
          description: "Kind is a string value representing the REST resource this object represents.",
        },
        metadata: ref(OBJECT_META),
      });
      (conv.definitions[def] as Json)["x-kubernetes-group-version-kind"] = [{ group, version, kind }];
      // What the API server sends as a Warning header with every response of a deprecated version.
      const warning =
        v.deprecated === true
          ? (str(v.deprecationWarning) ?? defaultDeprecationWarning(c, version))
          : undefined;
      if (warning) {
        const d = conv.definitions[def] as Json;
        d.description = [d.description, `@deprecated ${warning}`].filter(Boolean).join("\n\n");
      }
      const listDef = `${prefix}.${c.listTypeName}`;
      conv.definitions[listDef] = {
        type: "object",
        description: `${listKind} is a list of ${kind}.`,
        required: ["items"],
        properties: {
          apiVersion: { type: "string" },
          items: { type: "array", items: ref(def) },
          kind: { type: "string" },
          metadata: ref(LIST_META),
        },
        "x-kubernetes-group-version-kind": [{ group, version, kind: listKind }],
      };
      for (const [d, s] of Object.entries(conv.definitions)) schemas[d] = normalizeSchema(s) as Schema;
      const subresources = isObject(v.subresources) ? v.subresources : {};
      ops.push(...operations(group, version, plural, namespaced, def, listDef, subresources));
      const info: CustomResourceInfo = {
        crd,
        group,
        version,
        kind,
        listKind,
        plural,
        singular: c.singular,
        shortNames: c.shortNames,
        categories: c.categories,
        namespaced,
        storage: v.storage === true,
        status: isObject(subresources.status),
        printerColumns: printerColumns(v.additionalPrinterColumns),
        ...(warning ? { deprecationWarning: warning } : {}),
      };
      if (isObject(subresources.scale)) {
        const s = subresources.scale;
        info.scale = {
          specReplicasPath: str(s.specReplicasPath) ?? fail("subresources.scale has no specReplicasPath"),
          statusReplicasPath:
            str(s.statusReplicasPath) ?? fail("subresources.scale has no statusReplicasPath"),
          ...(str(s.labelSelectorPath) ? { labelSelectorPath: s.labelSelectorPath as string } : {}),
        };
      }
      resources.push(info);
    }
  }
  if (resources.length === 0) throw new CrdError(`${source}: no CustomResourceDefinition found`);
  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(schemas).sort()) sorted[k] = schemas[k]!;
  ops.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.method < b.method ? -1 : 1));
  resources.sort((a, b) => (a.crd < b.crd ? -1 : a.crd > b.crd ? 1 : a.version < b.version ? -1 : 1));
  return {
    spec: { source, schemas: sorted, operations: ops },
    external: new Set(EXTERNAL_MODULES),
    resources,
    origins: new Map(parsed.map((c) => [c.crd, c.doc])),
  };
}

/**
 * Within a group, the API server gives a plural, singular or short name to one CRD and a kind or
 * list kind to one CRD: a CRD that asks for a name another CRD of its group has is not served
 * (NamesAccepted False, whichever was created later). A CRD's own names may repeat each other. Two
 * kinds the API server tells apart may still have one TypeScript name (Foo-Bar and FooBar): refused.
 * In the order given, so the message names the later CRD first.
 */
function checkNames(parsed: readonly ParsedCrd[]): void {
  const owners = new Map<string, { c: ParsedCrd; field: string }>();
  for (const c of parsed) {
    const claim = (space: "resource" | "kind", field: string, name: string): void => {
      const key = `${c.group} ${space} ${name}`;
      const other = owners.get(key);
      if (other === undefined) owners.set(key, { c, field });
      else if (other.c !== c) throw new CrdError(nameConflict(c, field, other.c, other.field, name, space));
    };
    // Kinds first: the same kind in two CRDs has the same default singular too; the kind is the news.
    claim("kind", "kind", c.kind);
    claim("kind", "listKind", c.listKind);
    claim("resource", "plural", c.plural);
    claim("resource", "singular", c.singular);
    for (const short of c.shortNames) claim("resource", "shortNames", short);
    for (const [field, name] of [
      ["kind", c.typeName],
      ["listKind", c.listTypeName],
    ] as const) {
      const key = `${c.group} type ${name}`;
      const other = owners.get(key);
      if (other === undefined) owners.set(key, { c, field });
      else if (other.c !== c || other.field !== field)
        throw new CrdError(typeNameConflict(c, field, other.c, other.field, name));
    }
  }
}

/** Two kinds (or list kinds) of a group whose TypeScript names are one (kindTypeName). */
function typeNameConflict(
  c: ParsedCrd,
  field: string,
  other: ParsedCrd,
  otherField: string,
  name: string,
): string {
  const spelled = (x: ParsedCrd, f: string) => `${NAME_FIELDS[f]} ${f === "kind" ? x.kind : x.listKind}`;
  const otherAt = other === c ? "" : ` of ${where(other.doc, other.crd)}`;
  const otherName =
    other === c ? nameField(other, otherField) : `${other.crd}'s ${nameField(other, otherField)}`;
  return (
    `${where(c.doc, c.crd)}: ${spelled(c, field)} and the ${spelled(other, otherField)}${otherAt} would both be the TypeScript type ${name} ` +
    `(a kind's type is its words capitalized and joined: Foo-Bar and FooBar are both FooBar); rename ${nameField(c, field)} or ${otherName}`
  );
}

/** spec.names fields as the messages say them. */
const NAME_FIELDS: Record<string, string> = {
  plural: "plural",
  singular: "singular",
  shortNames: "short name",
  kind: "kind",
  listKind: "list kind",
};

/** A field of spec.names, and whether the CRD gave it or it is the API server's default. */
function nameField(c: ParsedCrd, field: string): string {
  const path = `spec.names.${field}`;
  if (field === "singular" && !c.singularGiven) return `${path} (not set: the kind in lower case)`;
  if (field === "listKind" && !c.listKindGiven) return `${path} (not set: the kind and List)`;
  return path;
}

/**
 * Two CRDs of one group asking for one name: `c`'s `field` is `other`'s `otherField`. The API server
 * would serve only the CRD created first; which one to rename is the user's choice.
 */
function nameConflict(
  c: ParsedCrd,
  field: string,
  other: ParsedCrd,
  otherField: string,
  name: string,
  space: "resource" | "kind",
): string {
  const at = where(c.doc, c.crd);
  const otherAt = where(other.doc, other.crd);
  if (c.crd === other.crd && field === otherField)
    return `${at}: CRD ${c.crd} is also given in ${otherAt}; give each CRD once`;
  const which =
    space === "resource" ? "resource names (plural, singular, short names)" : "kinds and list kinds";
  return (
    `${at}: ${NAME_FIELDS[field]} ${name} of group ${c.group} is also the ${NAME_FIELDS[otherField]} of ${otherAt}; ` +
    `the API server serves only one of two CRDs of a group with one of their ${which} (NamesAccepted False): ` +
    `rename ${nameField(c, field)} or ${other.crd}'s ${nameField(other, otherField)}`
  );
}

/**
 * The API server's warning for a deprecated version without deprecationWarning: "<group>/<version>
 * <Kind> is deprecated", with "; use <group>/<newer> <Kind>" for the first of the served versions
 * that are not deprecated and come before it in Kubernetes' version order.
 */
function defaultDeprecationWarning(c: ParsedCrd, version: string): string {
  const newer = c.versions
    .filter((x) => x.v.deprecated !== true && compareVersions(x.version, version) < 0)
    .map((x) => x.version)
    .sort(compareVersions);
  const msg = `${c.group}/${version} ${c.kind} is deprecated`;
  return newer.length ? `${msg}; use ${c.group}/${newer[0]} ${c.kind}` : msg;
}

/** One CRD document and the names every one of its versions shares (CustomResourceInfo's fields). */
interface ParsedCrd
  extends Pick<
    CustomResourceInfo,
    "crd" | "group" | "kind" | "listKind" | "plural" | "singular" | "shortNames" | "categories" | "namespaced"
  > {
  doc: CrdDocument;
  /** kindTypeName of the kind and of the list kind. */
  typeName: string;
  listTypeName: string;
  /** Whether spec.names gave the singular and the list kind (else they are the defaults). */
  singularGiven: boolean;
  listKindGiven: boolean;
  versions: { version: string; prefix: string; schema: Json; v: Json }[];
}

/** The checks of one document, before any schema is read: a v1 CRD with names and served versions. */
function parseCrd(doc: CrdDocument): ParsedCrd {
  const o = doc.object;
  const fail = (message: string, crd?: string, version?: string): never => {
    throw new CrdError(`${where(doc, crd, version)}: ${message}`);
  };
  if (!isObject(o) || typeof o.kind !== "string" || typeof o.apiVersion !== "string") {
    const found = Array.isArray(o) ? "a YAML list" : isObject(o) ? "an object" : `a ${typeof o}`;
    return fail(
      `not a Kubernetes object (${found} without apiVersion and kind); expected a CustomResourceDefinition (apiVersion: apiextensions.k8s.io/v1)`,
    );
  }
  const name = str(isObject(o.metadata) ? o.metadata.name : undefined);
  if (o.kind !== "CustomResourceDefinition" || !o.apiVersion.startsWith("apiextensions.k8s.io/"))
    fail(
      `not a CustomResourceDefinition (apiVersion ${o.apiVersion}, kind ${o.kind}${name ? `, name ${name}` : ""}); give only CustomResourceDefinition documents (the CRDs' own files, or the installed CRDs with --from-cluster)`,
    );
  if (o.apiVersion === "apiextensions.k8s.io/v1beta1")
    fail(
      "apiextensions.k8s.io/v1beta1 is not supported (Kubernetes 1.22 stopped serving it); convert the CRD to apiextensions.k8s.io/v1 (every version needs schema.openAPIV3Schema)",
      name,
    );
  if (o.apiVersion !== "apiextensions.k8s.io/v1") fail(`unknown apiVersion ${o.apiVersion}`, name);
  const spec = isObject(o.spec) ? o.spec : fail("no spec", name);
  const group = str(spec.group) ?? fail("no spec.group", name);
  const names = isObject(spec.names) ? spec.names : fail("no spec.names", name);
  const kind = str(names.kind) ?? fail("no spec.names.kind", name);
  const plural = str(names.plural) ?? fail("no spec.names.plural", name);
  const crd = name ?? `${plural}.${group}`;
  // The API server's rules for these names (it refuses the CRD otherwise); each name becomes a URL
  // segment, a module path or a method name, so a name outside them would give broken code.
  if (!DNS_SUBDOMAIN.test(group) || group.length > 253 || !group.includes("."))
    fail(
      `spec.group ${JSON.stringify(group)} is not a DNS subdomain with at least one dot (lower case letters, digits, '-' and '.': "stable.example.com")`,
      crd,
    );
  const label = (field: string, value: string): void => {
    if (!DNS_LABEL.test(value) || value.length > 63)
      fail(
        `${field} ${JSON.stringify(value)} is not a DNS label (lower case letters, digits and '-', starting with a letter, at most 63 characters)`,
        crd,
      );
  };
  label("spec.names.plural", plural);
  if (str(names.singular)) label("spec.names.singular", names.singular as string);
  for (const short of stringList(names.shortNames)) label("spec.names.shortNames[]", short);
  // Categories are data only (resources.ts, discovery), but the API server refuses the CRD for them.
  for (const category of stringList(names.categories)) label("spec.names.categories[]", category);
  // The API server wants a kind that is a DNS-1035 label once in lower case (so "lowerkind" and
  // "Foo-Bar" are kinds); the types are named after kindTypeName.
  const kindName = (field: string, value: string): void => {
    if (!DNS_LABEL.test(value.toLowerCase()))
      fail(
        `${field} ${JSON.stringify(value)} is not a kind the API server accepts: in lower case it must be a DNS-1035 label (letters, digits and '-', starting with a letter and ending with a letter or digit: "CronTab", "Foo-Bar"); rename ${field === "kind" ? "spec.names.kind" : field}`,
        crd,
      );
    if (value.length > 63)
      fail(`${field} ${value} is ${value.length} characters long; the API server allows at most 63`, crd);
  };
  kindName("kind", kind);
  const listKind = str(names.listKind) ?? `${kind}List`;
  kindName("spec.names.listKind", listKind);
  if (listKind === kind)
    fail(`spec.names.listKind is the kind ${kind}; give the list its own kind (default ${kind}List)`, crd);
  if (name !== undefined && name !== `${plural}.${group}`)
    fail(`metadata.name must be <spec.names.plural>.<spec.group>: ${plural}.${group}`, crd);
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    fail(`spec.scope is ${JSON.stringify(spec.scope)}, expected Namespaced or Cluster`, crd);
  if (!Array.isArray(spec.versions) || spec.versions.length === 0)
    fail("spec.versions is not a list of versions (name, served, storage, schema)", crd);
  const all = (spec.versions as unknown[]).map((v, i) =>
    isObject(v)
      ? v
      : fail(
          `spec.versions[${i}] is ${JSON.stringify(v) ?? String(v)}, not a version (an object with name, served, storage and schema)`,
          crd,
        ),
  );
  const versionNames = new Set<string>();
  for (const v of all) {
    const version = str(v.name) ?? fail("a version without a name (spec.versions[].name)", crd);
    if (!DNS_LABEL.test(version) || version.length > 63)
      fail(
        `spec.versions[].name ${JSON.stringify(version)} is not a DNS label (lower case letters, digits and '-', starting with a letter: "v1", "v1beta1")`,
        crd,
      );
    if (versionNames.has(version)) fail(`version ${version} is listed twice in spec.versions`, crd);
    versionNames.add(version);
    for (const field of ["served", "storage", "deprecated"] as const) {
      const value = v[field];
      // A JSON null decodes as the zero value (false); anything else not a boolean is refused.
      if (value !== undefined && value !== null && typeof value !== "boolean")
        fail(
          `spec.versions[].${field} is ${JSON.stringify(value)} (${Array.isArray(value) ? "a list" : `a ${typeof value}`}), not a boolean; the API server refuses the CRD (cannot unmarshal it into a bool): write ${field}: true or ${field}: false`,
          crd,
          version,
        );
    }
  }
  const served = all.filter((v) => v.served === true);
  if (served.length === 0) fail("no served version (spec.versions[].served)", crd);
  const versions = served.map((v) => {
    const version = v.name as string;
    const schema =
      isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    if (!schema) fail("no schema (spec.versions[].schema.openAPIV3Schema)", crd, version);
    return { version, prefix: `${reversedGroup(group)}.${version}`, schema: schema as Json, v };
  });
  return {
    doc,
    crd,
    group,
    kind,
    listKind,
    typeName: kindTypeName(kind),
    listTypeName: kindTypeName(listKind),
    plural,
    singular: str(names.singular) ?? kind.toLowerCase(),
    singularGiven: str(names.singular) !== undefined,
    listKindGiven: str(names.listKind) !== undefined,
    shortNames: stringList(names.shortNames),
    categories: stringList(names.categories),
    namespaced: spec.scope === "Namespaced",
    versions,
  };
}
