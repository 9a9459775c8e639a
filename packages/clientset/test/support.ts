// Shared by the integration tests: configs for the test users of the shared control plane, clients,
// and small helpers. Every test creates its own namespace (createTestNamespace).
import type { RestConfig } from "@org/rest";
import { RESTClient } from "@org/rest";
import { type ControlPlane, getControlPlane } from "@org/testenv/harness";
import { DiscoveryClient } from "../src/discovery/index.js";
import { DynamicClient } from "../src/dynamic/index.js";

export type { ControlPlane };

/** Loose object type for the tests (the generated api-types are not needed to exercise the runtime). */
export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: { manager?: string; operation?: string }[];
    [k: string]: unknown;
  };
  // biome-ignore lint/suspicious/noExplicitAny: test objects of every kind
  [k: string]: any;
}
export interface ObjList {
  metadata?: { resourceVersion?: string; continue?: string };
  items: Obj[];
}

/** The admin user (system:masters, client certificate); no client-side rate limit for the tests. */
export function adminConfig(cp: ControlPlane): RestConfig {
  const u = cp.users.admin;
  return {
    host: cp.apiServerURL,
    tls: { caData: cp.caData, certData: u.clientCertificate!, keyData: u.clientKey! },
    qps: 0,
  };
}

/** A bearer-token config (the unprivileged user "bob", or a ServiceAccount token). */
export function tokenConfig(cp: ControlPlane, token: string): RestConfig {
  return { host: cp.apiServerURL, tls: { caData: cp.caData }, bearerToken: token, qps: 0 };
}

export interface Env {
  cp: ControlPlane;
  config: RestConfig;
  rest: RESTClient;
  dynamic: DynamicClient;
  discovery: DiscoveryClient;
}

export async function env(): Promise<Env> {
  const cp = await getControlPlane();
  const config = adminConfig(cp);
  const rest = RESTClient.forConfig(config);
  return { cp, config, rest, dynamic: new DynamicClient(rest), discovery: new DiscoveryClient(rest) };
}

export function configMap(
  name: string,
  data: Record<string, string> = {},
  labels?: Record<string, string>,
): Obj {
  const metadata: Obj["metadata"] = { name };
  if (labels !== undefined) metadata.labels = labels;
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  n: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

import { newClientset } from "../src/runtime/factory.js";
import { type TestClientset, testGroupVersions } from "./descriptors.js";

/** The generic clientset over the hand-written descriptors (same factory as the generated one). */
export function testClientset(rest: RESTClient): TestClientset {
  return newClientset<TestClientset>(rest, testGroupVersions);
}
