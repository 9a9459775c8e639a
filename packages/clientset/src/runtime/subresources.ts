// The named subresource methods (client-go's names), each built on ResourceClient's generic
// subresource calls. A resource gets the ones its descriptor lists.
import type { ApplyOptions, CreateOptions, GetOptions, UpdateOptions } from "@org/rest";
import type { ResourceClient } from "./resource-client.js";

type Client = ResourceClient<unknown, unknown, unknown>;

function metadataName(obj: unknown, what: string): string {
  const name = (obj as { metadata?: { name?: string } } | null | undefined)?.metadata?.name;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${what}: the body needs metadata.name (the name of the object it acts on)`);
  }
  return name;
}

const scale = {
  async getScale(this: Client, name: string, opts?: GetOptions) {
    return this.getSubresource(name, "scale", opts);
  },
  async updateScale(this: Client, name: string, body: unknown, opts?: UpdateOptions) {
    return this.updateSubresource(name, "scale", body, opts);
  },
  async applyScale(this: Client, name: string, body: unknown, opts: ApplyOptions) {
    return this.applySubresource(name, "scale", body, opts);
  },
};

/** Methods per subresource name (the URL segment). "status" is covered by updateStatus/applyStatus. */
export const subresourceMethods: Readonly<Record<string, Readonly<Record<string, Function>>>> = {
  scale,
  token: {
    async createToken(this: Client, name: string, request: unknown, opts?: CreateOptions) {
      return this.createSubresource(name, "token", request, opts);
    },
  },
  eviction: {
    /** POST pods/<eviction.metadata.name>/eviction with a policy/v1 Eviction. */
    async evict(this: Client, eviction: unknown, opts?: CreateOptions) {
      await this.createSubresource(metadataName(eviction, "evict"), "eviction", eviction, opts);
    },
  },
  binding: {
    /** POST pods/<binding.metadata.name>/binding with a core/v1 Binding. */
    async bind(this: Client, binding: unknown, opts?: CreateOptions) {
      await this.createSubresource(metadataName(binding, "bind"), "binding", binding, opts);
    },
  },
  ephemeralcontainers: {
    async updateEphemeralContainers(this: Client, name: string, pod: unknown, opts?: UpdateOptions) {
      return this.updateSubresource(name, "ephemeralcontainers", pod, opts);
    },
  },
  resize: {
    async updateResize(this: Client, name: string, pod: unknown, opts?: UpdateOptions) {
      return this.updateSubresource(name, "resize", pod, opts);
    },
  },
  approval: {
    async updateApproval(this: Client, name: string, csr: unknown, opts?: UpdateOptions) {
      return this.updateSubresource(name, "approval", csr, opts);
    },
  },
  finalize: {
    /** PUT namespaces/<namespace.metadata.name>/finalize. */
    async finalize(this: Client, namespace: unknown, opts?: UpdateOptions) {
      return this.updateSubresource(metadataName(namespace, "finalize"), "finalize", namespace, opts);
    },
  },
};
