// Shared by the integration tests: configs for the test users of the shared control plane, clients,
// and small helpers. Every test creates its own namespace (createTestNamespace).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { ConfigMap } from "@org/api-types/core/v1";
import type { RestConfig } from "@org/rest";
import { RESTClient } from "@org/rest";
import type { ControlPlane } from "@org/testenv";
import { getControlPlane } from "@org/testenv/harness";
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

export type TestConfigMap = ConfigMap & { data: Record<string, string> };

export function configMap(
  name: string,
  data: Record<string, string> = {},
  labels?: Record<string, string>,
): TestConfigMap {
  const cm: TestConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
  if (labels !== undefined) cm.metadata!.labels = labels;
  return cm;
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

/** A namespaced CRD `<plural>.<group>` (v1, storage, open schema) ready to use; `remove()` deletes it. */
export async function installCRD(
  e: Env,
  group: string,
  kind: string,
  plural: string,
): Promise<{ gvr: { group: string; version: string; resource: string }; remove(): Promise<void> }> {
  const crds = e.dynamic.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  const name = `${plural}.${group}`;
  await crds.create({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        plural,
        singular: kind.toLowerCase(),
        kind,
        shortNames: [`${kind.toLowerCase().slice(0, 2)}x`],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: {
                    cronSpec: { type: "string" },
                    image: { type: "string" },
                    replicas: { type: "integer" },
                  },
                },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  });
  const { waitFor } = await import("../src/wait.js");
  await waitFor(
    (rv) => crds.watch({ fieldSelector: `metadata.name=${name}`, resourceVersion: rv }),
    (ev) =>
      (
        (ev.object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
        []
      ).some((c) => c.type === "Established" && c.status === "True"),
    { timeoutMs: 60_000 },
  );
  // Established does not mean discovery shows it yet: the aggregated document is updated
  // asynchronously. Wait for it, so tests of discovery and mappers see a settled server.
  for (let tries = 0; ; tries++) {
    const fresh = new DiscoveryClient(e.rest);
    const groups = await fresh.serverGroups();
    if (groups.groups.some((g) => g.name === group)) {
      const list = await fresh.serverResourcesForGroupVersion(`${group}/v1`);
      if (list.resources.some((r) => r.name === plural)) break;
    }
    if (tries > 600) throw new Error(`${name} is Established but discovery does not show it after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    gvr: { group, version: "v1", resource: plural },
    remove: () => crds.delete(name).catch(() => {}),
  };
}

/** What a finished kubectl run gave: its exit code, stdout bytes and stderr text. */
export interface Proc {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

const KLOG_LINE = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [^\]\n]+\] [^\n]*\n/gm;

/**
 * kubectl's stderr without its own klog lines: what the remote command wrote. kubectl logs its own
 * hiccups there ("E1202 15:08:54.672244   27577 websocket.go:296] Unknown stream id 1, discarding
 * message", a race in its WebSocket reader at the end of a stream); they are not the command's.
 */
export function commandStderr(p: Proc): string {
  return p.stderr.replace(KLOG_LINE, "");
}

/** kubectl with the admin kubeconfig (or `kubeconfig`), `input` on its stdin: the oracle of the stream tests. */
export function kubectl(
  cp: ControlPlane,
  args: string[],
  input?: Buffer | string,
  kubeconfig?: string,
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const p = spawn("kubectl", ["--kubeconfig", kubeconfig ?? cp.kubeconfigPath, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    // kubectl may end before it has read all of its input (EPIPE): its exit code says how it ended
    p.stdin.on("error", () => {});
    p.stdin.end(input);
  });
}

/** A port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
