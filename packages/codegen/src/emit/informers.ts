// The informer and lister types of a model (client-go's listers and informers packages), declarations
// only: per resource that can be listed and watched `<Kind>Lister`, `<Kind>NamespaceLister` (namespaced
// resources) and `<Kind>Informer`, per group-version `<Group><Version>Informers`, and `InformerGroups`.
// Named interfaces, so hovers show `PodLister`, not the generic types they extend. The built-in
// resources' module goes into @org/informers, a CRD package's into its own src/generated/.
import type { ApiModel } from "../model/model.js";
import { DeclaredNames, upperFirst } from "../model/names.js";
import { header, type InterfaceStructure, namedList, printFile } from "./source.js";

export interface InformersEmitOptions {
  /** Where Lister, NamespaceLister and ResourceInformer come from ("@org/informers", "../index.js"). */
  informersModule: string;
  /** Import specifier of a types module ("core/v1") from the emitted module. */
  typesModule: (module: string) => string;
}

const iface = (
  name: string,
  doc: string,
  extendsType: string | undefined,
  methods: { name: string; doc: string; params?: string; returns: string }[] = [],
): InterfaceStructure => ({
  kind: "interface",
  name,
  doc,
  ...(extendsType ? { extends: extendsType } : {}),
  methods: methods.map((m) => ({
    name: m.name,
    doc: m.doc,
    parameters: m.params ? [{ name: m.params, type: "string" }] : [],
    returnType: m.returns,
  })),
});

/** The informers module of `model` (one file's text). */
export function emitInformers(model: ApiModel, options: InformersEmitOptions): string {
  const types = new Map<string, Set<string>>();
  const decls: InterfaceStructure[] = [];
  const groups: { name: string; returns: string; gv: string }[] = [];
  const declared = new DeclaredNames("informers.ts");
  for (const name of ["Lister", "NamespaceLister", "ResourceInformer"])
    declared.add(name, { what: `the imported ${name}` });
  declared.add("InformerGroups", { what: "InformerGroups" });
  for (const gv of model.groupVersions) {
    const gvName = `${upperFirst(gv.method)}Informers`;
    const gvText = `${gv.group || "core"}/${gv.version}`;
    const getters: { name: string; doc: string; returns: string }[] = [];
    for (const r of gv.resources) {
      if (!r.type || !r.verbs.includes("list") || !r.verbs.includes("watch")) continue;
      const owner = (what: string) => ({
        group: gv.group,
        version: gv.version,
        kind: r.kind,
        what: `kind ${r.kind}'s ${what}`,
      });
      const local = `${upperFirst(gv.method)}${r.type.name}`;
      const names = types.get(r.type.module) ?? new Set();
      if (!names.has(`${r.type.name} as ${local}`)) declared.add(local, owner("type (imported)"));
      names.add(`${r.type.name} as ${local}`);
      types.set(r.type.module, names);
      // A kind whose names another kind already has gets the group-version's prefix: the same kind in
      // two group-versions (the later one), core/v1's Namespace (CoreV1NamespaceLister: NamespaceLister
      // is imported), Foo and FooNamespace (FooNamespaceLister).
      const derived = (b: string) => [
        ...(r.namespaced ? [`${b}NamespaceLister`] : []),
        `${b}Lister`,
        `${b}Informer`,
      ];
      const base = derived(r.kind).some((n) => declared.has(n)) ? upperFirst(gv.method) + r.kind : r.kind;
      const whats = r.namespaced ? ["namespace lister", "lister", "informer"] : ["lister", "informer"];
      for (const [i, n] of derived(base).entries()) declared.add(n, owner(whats[i]!));
      const what = `${r.kind} objects (${gvText})`;
      if (r.namespaced)
        decls.push(
          iface(
            `${base}NamespaceLister`,
            `${base}NamespaceLister lists the ${what} of one namespace from an informer's store.`,
            `NamespaceLister<${local}>`,
          ),
        );
      // Namespaced listers get the getter's name as their namespace method: `lister.pods("web")`.
      const lister = r.namespaced
        ? [
            {
              name: r.getter,
              doc: `The lister of one namespace's ${r.kind} objects.`,
              params: "namespace",
              returns: `${base}NamespaceLister`,
            },
          ]
        : [];
      decls.push(
        iface(
          `${base}Lister`,
          `${base}Lister lists ${what} from an informer's store.`,
          `Lister<${local}>`,
          lister,
        ),
        iface(
          `${base}Informer`,
          `${base}Informer: the shared informer and lister of ${what}.`,
          `ResourceInformer<${local}, ${base}Lister>`,
        ),
      );
      getters.push({ name: r.getter, doc: `The informer of ${what}.`, returns: `${base}Informer` });
    }
    if (getters.length === 0) continue;
    declared.add(gvName, { group: gv.group, version: gv.version, what: `${gvText}'s informers` });
    decls.push(iface(gvName, `The informers of ${gvText}.`, undefined, getters));
    groups.push({ name: gv.method, returns: gvName, gv: gvText });
  }
  const imports = [...types.keys()]
    .sort()
    .map((m) => namedList("import type", [...types.get(m)!].sort(), options.typesModule(m)));
  return printFile([
    header(model.source),
    namedList("import type", ["Lister", "NamespaceLister", "ResourceInformer"], options.informersModule),
    ...imports,
    ...decls,
    iface(
      "InformerGroups",
      "The group-version methods of a SharedInformerFactory (coreV1(), appsV1() ...).",
      undefined,
      groups.map((g) => ({ name: g.name, doc: `The informers of ${g.gv}.`, returns: g.returns })),
    ),
  ]);
}
