// @org/clientset/fake: a clientset that behaves like the API server, in process. The fake sits under
// the runtime as a RestInterface, so typed clients, the DynamicClient, discovery, the RESTMapper and
// informers run on it unchanged; serveFake serves the same server over HTTPS for kubectl.
import { Clientset } from "../clientset.js";
import { groupVersions } from "../generated/index.js";
import { schemaTable } from "../generated/schema.js";
import {
  type Action,
  FakeServer,
  type FakeServerOptions,
  type ReactionFunc,
  type WatchReactionFunc,
} from "./server.js";
import { FakeTransport } from "./transport.js";

export type { ManagedFieldsEntry } from "./managed.js";
export type { FakeResource, FakeSubresource } from "./resources.js";
export { emptySchema, type FieldMeta, type SchemaTable } from "./schema.js";
export { type ServedFake, type ServeFakeOptions, serveFake } from "./serve.js";
export {
  type Action,
  type FakeRequest,
  type FakeResponse,
  FakeServer,
  type FakeServerOptions,
  initialEventsEndAnnotation,
  type Reaction,
  type ReactionFunc,
  type WatchReaction,
  type WatchReactionFunc,
} from "./server.js";
export { FakeTransport } from "./transport.js";
export { type RawEvent, WatchStream } from "./watch.js";

/** A Clientset over a FakeServer, with client-go's testing hooks (reactors, recorded actions). */
export interface FakeClientset extends Clientset {
  /** The in-process API server behind this clientset (serveFake serves it over HTTPS). */
  readonly server: FakeServer;
  /** client-go's PrependReactor: `fn` sees matching requests first ("*" matches every verb or resource). */
  prependReactor(verb: string, resource: string, fn: ReactionFunc): void;
  /** client-go's AddReactor: `fn` runs after the reactors added before it. */
  addReactor(verb: string, resource: string, fn: ReactionFunc): void;
  /** client-go's PrependWatchReactor: `fn` sees matching watch requests first ("*" matches every resource). */
  prependWatchReactor(resource: string, fn: WatchReactionFunc): void;
  /** client-go's AddWatchReactor: `fn` runs after the watch reactors added before it. */
  addWatchReactor(resource: string, fn: WatchReactionFunc): void;
  /** client-go's Actions(): every request so far, in order. */
  actions(): Action[];
  clearActions(): void;
}

/** Options of newFakeClientsetWithOptions (all of FakeServerOptions but the descriptors table). */
export type FakeClientsetOptions = Partial<FakeServerOptions>;

/**
 * client-go's fake.NewSimpleClientset: a Clientset whose API server is in process, seeded with
 * `objects` (each with apiVersion, kind and metadata.name). Like a new cluster it has the namespaces
 * default, kube-node-lease, kube-public and kube-system; other namespaces are not created for objects.
 */
export function newFakeClientset(...objects: object[]): FakeClientset {
  return newFakeClientsetWithOptions({}, ...objects);
}

/** newFakeClientset with options: the history window, a clock, another schema table ... */
export function newFakeClientsetWithOptions(opts: FakeClientsetOptions, ...objects: object[]): FakeClientset {
  const server = new FakeServer({ groupVersions, schema: schemaTable, ...opts });
  server.add(...(objects as Record<string, unknown>[]));
  return fakeClientsetFor(server);
}

/** A FakeClientset over an existing FakeServer (several clientsets can share one server). */
export function fakeClientsetFor(server: FakeServer): FakeClientset {
  const cs = new Clientset(new FakeTransport(server)) as Clientset & Partial<FakeClientset>;
  Object.defineProperties(cs, {
    server: { value: server, enumerable: false },
    prependReactor: { value: server.prependReactor.bind(server), enumerable: false },
    addReactor: { value: server.addReactor.bind(server), enumerable: false },
    prependWatchReactor: { value: server.prependWatchReactor.bind(server), enumerable: false },
    addWatchReactor: { value: server.addWatchReactor.bind(server), enumerable: false },
    actions: { value: server.actions.bind(server), enumerable: false },
    clearActions: { value: server.clearActions.bind(server), enumerable: false },
  });
  return cs as FakeClientset;
}
