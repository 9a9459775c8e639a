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
  // Every <Kind>Lister a kind has where its names are its own (in its first group-version).
  const plainListers = new Set(
    model.groupVersions.flatMap((gv) =>
      gv.resources
        .filter((r) => r.type && r.verbs.includes("list") && r.verbs.includes("watch"))
        .map((r) => `${r.kind}Lister`),
    ),
  );
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
      // A kind's lister and informer are <Kind>Lister and <Kind>Informer unless those names are taken:
      // by the same kind in an earlier group-version (this one gets the group-version's prefix) or by
      // an import (core/v1's Namespace: CoreV1NamespaceLister, as NamespaceLister is imported).
      const prefix = upperFirst(gv.method);
      const base = [`${r.kind}Lister`, `${r.kind}Informer`].some((n) => declared.has(n))
        ? prefix + r.kind
        : r.kind;
      // Its namespace lister <Kind>NamespaceLister is also what kind <Kind>Namespace's lister is called:
      // then Foo's is NV1FooNamespaceLister, whichever of the kinds comes first, and FooNamespace's
      // names, Foo's lister and Foo's informer stay those they have without the other kind.
      let namespaceLister = `${base}NamespaceLister`;
      if (
        r.namespaced &&
        base === r.kind &&
        (plainListers.has(namespaceLister) || declared.has(namespaceLister))
      )
        namespaceLister = `${prefix}${namespaceLister}`;
      if (r.namespaced) declared.add(namespaceLister, owner("namespace lister"));
      declared.add(`${base}Lister`, owner("lister"));
      declared.add(`${base}Informer`, owner("informer"));
      const what = `${r.kind} objects (${gvText})`;
      if (r.namespaced)
        decls.push(
          iface(
            namespaceLister,
            `${namespaceLister} lists the ${what} of one namespace from an informer's store.`,
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
              returns: namespaceLister,
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
