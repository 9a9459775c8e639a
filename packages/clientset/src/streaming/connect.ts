// The builder of the table's "connect" rows (runtime/subresources.ts): exec, attach and portforward
// as WebSocket streams, proxy as an HTTP GET relayed by the API server (proxy.ts), addressed like
// every subresource call.
import type { ClientMethod, SubresourceMethod } from "../runtime/descriptor.js";
import { type ResourceClient, requireName } from "../runtime/resource-client.js";
import { openPortForward, type PortForwardOptions } from "./portforward.js";
import { proxyGetMethod } from "./proxy.js";
import { type AttachOptions, type ExecOptions, openRemoteCommand } from "./remotecommand.js";

type Client = ResourceClient<unknown, unknown, unknown>;

const connectors: Readonly<Record<string, (subresource: string, method: string) => ClientMethod>> = {
  exec: (subresource, method) =>
    async function (this: Client, name: string, opts: ExecOptions) {
      requireName(name, method);
      if (!Array.isArray(opts?.command) || opts.command.length === 0) {
        throw new TypeError(`${method}: opts.command must name the command, e.g. { command: ["ls", "-l"] }`);
      }
      return openRemoteCommand(
        this.rest,
        this.spec("GET", { name, subresource }),
        method,
        opts,
        opts.command,
      );
    },
  attach: (subresource, method) =>
    async function (this: Client, name: string, opts: AttachOptions = {}) {
      requireName(name, method);
      return openRemoteCommand(this.rest, this.spec("GET", { name, subresource }), method, opts);
    },
  portforward: (subresource, method) =>
    async function (this: Client, name: string, ports: readonly number[], opts: PortForwardOptions = {}) {
      requireName(name, method);
      return openPortForward(this.rest, this.spec("GET", { name, subresource }), method, ports, opts);
    },
  proxy: proxyGetMethod,
};

/** The method of one "connect" row; a subresource without a protocol here is a TypeError. */
export function connectMethod({ subresource, method }: SubresourceMethod): ClientMethod {
  const make = Object.hasOwn(connectors, subresource) ? connectors[subresource] : undefined;
  if (make === undefined) {
    throw new TypeError(
      `subresource method ${method} (${subresource}) has verb "connect", but only ${Object.keys(connectors).join(", ")} have a protocol`,
    );
  }
  return make(subresource, method);
}
