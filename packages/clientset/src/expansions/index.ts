// Handwritten methods installed on generated resource clients, keyed "<group|core>/<version>/<Kind>".
// Each module under expansions/<group>/<version>/<kind>.ts exports the `<Kind>Expansion` interface
// (which the generator merges into the generated interface) and its implementation here.
import { podExpansion } from "./core/v1/pod.js";

export const expansionMethods: Readonly<Record<string, Readonly<Record<string, Function>>>> = {
  "core/v1/Pod": podExpansion,
};

export function expansionKey(group: string, version: string, kind: string): string {
  return `${group === "" ? "core" : group}/${version}/${kind}`;
}
