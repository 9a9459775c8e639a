// Builds clients from descriptors: a resource client class per descriptor (the generic verbs plus
// the named subresource methods and the expansion the descriptor carries), group clients whose getters
// create resource clients, and a clientset whose group methods return one group client each.
import type { ClientMethod, GroupVersionDescriptor, ResourceDescriptor } from "./descriptor.js";
import { ResourceClient } from "./resource-client.js";
import type { RestInterface } from "./rest.js";
import { subresourceMethod } from "./subresources.js";

type ResourceClientClass = new (
  rest: RestInterface,
  target: ResourceDescriptor,
  namespace?: string,
) => ResourceClient<unknown, unknown, unknown>;

const classes = new WeakMap<ResourceDescriptor, ResourceClientClass>();

function install(proto: object, d: ResourceDescriptor, name: string, fn: ClientMethod): void {
  if (name in proto) {
    throw new TypeError(
      `descriptor of ${d.resource} (${d.group || "core"}/${d.version}): a second method named ${name}`,
    );
  }
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

/** The client class of one resource: built once per descriptor, its methods on the prototype. */
export function resourceClientClass(d: ResourceDescriptor): ResourceClientClass {
  let cls = classes.get(d);
  if (cls !== undefined) return cls;
  cls = class extends ResourceClient<unknown, unknown, unknown> {};
  for (const row of d.methods) install(cls.prototype, d, row.method, subresourceMethod(row));
  for (const [name, fn] of Object.entries(d.expansion ?? {})) install(cls.prototype, d, name, fn);
  classes.set(d, cls);
  return cls;
}

/** A client for one resource: `namespace` is ignored for cluster-scoped resources. */
export function newResourceClient<C>(rest: RestInterface, d: ResourceDescriptor, namespace = ""): C {
  const Cls = resourceClientClass(d);
  return new Cls(rest, d, namespace) as C;
}

/**
 * A group-version client (client-go's CoreV1Client): for every resource a getter named as in the
 * descriptor; namespaced getters take the namespace ("" = all namespaces), cluster-scoped ones none.
 */
export function newGroupClient<G>(rest: RestInterface, gv: GroupVersionDescriptor): G {
  const client: Record<string, (namespace?: string) => unknown> = {};
  for (const [getter, d] of Object.entries(gv.resources)) {
    const Cls = resourceClientClass(d);
    client[getter] = d.namespaced
      ? (namespace?: string) => new Cls(rest, d, namespace ?? "")
      : () => new Cls(rest, d);
  }
  return Object.freeze(client) as G;
}

/**
 * Installs one method per group-version on `target` (`coreV1()`, `appsV1()` ...), each returning the
 * same group client every time, created on first use.
 */
export function installGroupClients(
  target: object,
  rest: RestInterface,
  groupVersions: Readonly<Record<string, GroupVersionDescriptor>>,
): void {
  for (const [method, gv] of Object.entries(groupVersions)) {
    let client: unknown;
    Object.defineProperty(target, method, {
      value: () => {
        client ??= newGroupClient(rest, gv);
        return client;
      },
      enumerable: false,
      configurable: true,
      writable: false,
    });
  }
}

/** A clientset object over `groupVersions` (the generic part of `Clientset`). */
export function newClientset<G>(
  rest: RestInterface,
  groupVersions: Readonly<Record<string, GroupVersionDescriptor>>,
): G {
  const cs = {};
  installGroupClients(cs, rest, groupVersions);
  return cs as G;
}
