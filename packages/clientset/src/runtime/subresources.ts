// The builders of named subresource methods, one per verb, over ResourceClient's generic subresource
// calls. Which methods a resource has is data: its descriptor's `methods` rows, generated from the one
// table in codegen (packages/codegen/src/model/subresources.ts); their types are SubresourceMethods.
import type { ApplyOptions, CreateOptions, GetOptions, UpdateOptions } from "@org/rest";
import { connectMethod } from "../streaming/connect.js";
import type { ClientMethod, SubresourceMethod, SubresourceVerb } from "./descriptor.js";
import { nameOf, type ResourceClient } from "./resource-client.js";

type Client = ResourceClient<unknown, unknown, unknown>;
type Send<O> = (client: Client, name: string, body: unknown, opts: O | undefined) => Promise<unknown>;

/** `(name, body, opts)`, or `(body, opts)` when the name comes from the body; no result with "none". */
function withBody<O>(row: SubresourceMethod, send: Send<O>): ClientMethod {
  const { method, nameFromBody, result } = row;
  return async function (this: Client, ...args: unknown[]): Promise<unknown> {
    const [name, body, opts] = nameFromBody
      ? [nameOf(args[0], method), args[0], args[1]]
      : [args[0] as string, args[1], args[2]];
    const response = await send(this, name, body, opts as O | undefined);
    return result === "none" ? undefined : response;
  };
}

const builders: { readonly [V in SubresourceVerb]: (row: SubresourceMethod) => ClientMethod } = {
  get: ({ subresource }) =>
    async function (this: Client, name: string, opts?: GetOptions) {
      return this.getSubresource(name, subresource, opts);
    },
  create: (row) =>
    withBody<CreateOptions>(row, (c, name, body, opts) =>
      c.createSubresource(name, row.subresource, body, opts),
    ),
  update: (row) =>
    withBody<UpdateOptions>(row, (c, name, body, opts) =>
      c.updateSubresource(name, row.subresource, body, opts),
    ),
  apply: ({ subresource }) =>
    async function (this: Client, name: string, config: unknown, opts: ApplyOptions) {
      return this.applySubresource(name, subresource, config, opts);
    },
  connect: connectMethod,
};

/** The method of one descriptor row; a verb without a builder is a TypeError naming the row. */
export function subresourceMethod(row: SubresourceMethod): ClientMethod {
  const build = Object.hasOwn(builders, row.verb) ? builders[row.verb] : undefined;
  if (build === undefined) {
    throw new TypeError(
      `subresource method ${row.method} (${row.subresource}) has verb ${JSON.stringify(row.verb)}; ` +
        `the runtime builds ${Object.keys(builders).join(", ")}`,
    );
  }
  return build(row);
}
