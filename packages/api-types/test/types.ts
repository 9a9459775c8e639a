// Type-level guarantees of the generated api-types (checked by `npm run typecheck`, never run):
// types are faithful to the wire, and every `@ts-expect-error` pins something that must not compile.
import type { Deployment } from "@org/api-types/apps/v1";
import type { Pod, PodList, PodSpec } from "@org/api-types/core/v1";
import type { IntOrString } from "@org/api-types/intstr";
import type { ObjectMeta, Time } from "@org/api-types/meta/v1";
import type { Quantity } from "@org/api-types/resource";
import type { RawExtension } from "@org/api-types/runtime";

export const quantity: Quantity = "500m";
// @ts-expect-error Quantity is a string on the wire
export const quantityNumber: Quantity = 1;
export const port: IntOrString[] = [8080, "http"];
export const time: Time = "2026-01-02T03:04:05Z";
export const meta: ObjectMeta = { name: "p", creationTimestamp: "2026-01-02T03:04:05Z", labels: { a: "b" } };
// @ts-expect-error timestamps stay RFC 3339 strings
export const dateMeta: ObjectMeta = { creationTimestamp: new Date() };
export const raw: RawExtension = { any: "thing" };

export const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
// @ts-expect-error apiVersion is the kind's own literal
export const wrongVersion: Pod = { apiVersion: "apps/v1" };
// @ts-expect-error kind is the kind's own literal
export const wrongKind: Deployment = { kind: "Pod" };
// @ts-expect-error required fields are required: a PodSpec has containers
export const noContainers: PodSpec = {};
// @ts-expect-error a list has items
export const noItems: PodList = { metadata: {} };
export const list: PodList = { items: [pod] };
