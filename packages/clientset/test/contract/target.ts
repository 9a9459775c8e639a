// The two targets of the contract suite: the run's real kube-apiserver (@org/testenv) and the fake.
// A case sees only a Ctx: the same clients over either, a fresh namespace, and small helpers that
// turn results and errors into comparable observations (volatile fields masked).

import { StatusError } from "@org/rest";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../../src/clientset.js";
import { DynamicClient } from "../../src/dynamic/index.js";
import { newFakeClientset } from "../../src/fake/index.js";
import type { FakeServer } from "../../src/fake/server.js";
import type { RestInterface } from "../../src/runtime/rest.js";
import { env, type Obj } from "../support.js";

export type { Obj };

export interface Ctx {
  target: "real" | "fake";
  cs: Clientset;
  dyn: DynamicClient;
  rest: RestInterface;
  /** The case's own namespace. */
  ns: string;
  /** Another fresh namespace. */
  namespace(prefix: string): Promise<string>;
  /** A fresh name unique in the run (for cluster-scoped objects and CRD groups). */
  unique(prefix: string): string;
  /** Polls `check` every 20 ms until it returns true (at most 30 s). */
  until(what: string, check: () => Promise<boolean>): Promise<void>;
}

export interface Target {
  name: "real" | "fake";
  ctx(caseName: string): Promise<{ ctx: Ctx; cleanup(): Promise<void> }>;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 20);
}

/** The real API server of the run. */
export async function realTarget(): Promise<Target> {
  const e = await env();
  const cs = new Clientset(e.rest);
  return {
    name: "real",
    async ctx(caseName) {
      const cleanups: (() => Promise<void>)[] = [];
      const namespace = async (prefix: string) => {
        const ns = await createTestNamespace(`c-${slug(prefix)}`);
        cleanups.push(ns.cleanup);
        return ns.name;
      };
      const ns = await namespace(caseName);
      return {
        ctx: {
          target: "real",
          cs,
          dyn: e.dynamic,
          rest: e.rest,
          ns,
          namespace,
          unique: uniqueNamespaceName,
          until,
        },
        cleanup: async () => {
          await Promise.all(cleanups.map((c) => c().catch(() => {})));
        },
      };
    },
  };
}

/** A fake server shared by every case (as the real one is). */
export function fakeTarget(): Target & { server: FakeServer } {
  const fake = newFakeClientset();
  const rest = fake.restClient;
  const dyn = new DynamicClient(rest);
  const cs: Clientset = fake;
  return {
    name: "fake",
    server: fake.server,
    async ctx(caseName) {
      const namespace = async (prefix: string) => {
        const name = uniqueNamespaceName(`c-${slug(prefix)}`);
        await cs
          .coreV1()
          .namespaces()
          .create({ metadata: { name, labels: { "org-testenv/test-namespace": "true" } } });
        return name;
      };
      const ns = await namespace(caseName);
      return {
        ctx: { target: "fake", cs, dyn, rest, ns, namespace, unique: uniqueNamespaceName, until },
        cleanup: async () => {},
      };
    },
  };
}

// --- observations ---

const uidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const tsRe = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** A copy with uids, timestamps and resourceVersions replaced by placeholders. */
export function mask(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mask);
  if (v === null || typeof v !== "object") {
    if (typeof v === "string" && uidRe.test(v)) return "<uid>";
    if (typeof v === "string" && tsRe.test(v)) return "<time>";
    return v;
  }
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    if (k === "resourceVersion" && typeof x === "string") out[k] = x === "" ? "" : "<rv>";
    else out[k] = mask(x);
  }
  return out;
}

/** What an error says: HTTP code, reason, message and details (masked), or the error's message. */
export function errorOf(err: unknown): Obj {
  if (err instanceof StatusError) {
    const s = err.status;
    const o: Obj = { code: s.code, reason: s.reason, message: s.message };
    if (s.details !== undefined) o.details = mask(s.details);
    return o;
  }
  return { thrown: (err as Error)?.message ?? String(err) };
}

/** Awaits `p` and expects it to fail: the error observation (or "succeeded"). */
export async function failure(p: Promise<unknown>): Promise<Obj> {
  try {
    await p;
    return { succeeded: true };
  } catch (err) {
    return errorOf(err);
  }
}

/** The 404 of a get: true when the object is gone. */
export async function gone(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return true;
    throw err;
  }
}

/** Collects watch events until `stop` says so (or `max` events); returns type + name (+ pick). */
export async function collect(
  w: AsyncIterable<{ type: string; object: unknown }> & { stop(): void },
  stop: (events: { type: string; object: Obj }[]) => boolean,
  pick: (o: Obj) => unknown = (o) => o.metadata?.name,
  timeoutMs = 15_000,
): Promise<unknown[]> {
  const events: { type: string; object: Obj }[] = [];
  const timer = setTimeout(() => w.stop(), timeoutMs);
  try {
    for await (const ev of w) {
      events.push(ev as { type: string; object: Obj });
      if (stop(events)) break;
    }
  } finally {
    clearTimeout(timer);
    w.stop();
  }
  return events.map((e) => [e.type, pick(e.object)]);
}

export function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): Obj {
  const o: Obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
  if (labels !== undefined) o.metadata!.labels = labels;
  return o;
}

export function deployment(
  name: string,
  containers: { name: string; image: string }[] = [{ name: "app", image: "nginx:1" }],
): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  };
}

export function pod(name: string, extra: Obj = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "app", image: "nginx:1" }], ...extra },
  };
}

/**
 * Installs a namespaced CRD (status subresource unless `status: false`, a scale subresource on
 * spec.replicas/status.replicas with `scale: true`, open spec) of a unique group; waits until it is
 * served.
 */
export async function crd(
  c: Ctx,
  kind: string,
  opts: {
    scope?: "Namespaced" | "Cluster";
    selectableFields?: string[];
    status?: boolean;
    scale?: boolean;
  } = {},
): Promise<{ group: string; version: string; resource: string }> {
  const group = `${c.unique("g")}.example.com`;
  const plural = `${kind.toLowerCase()}s`;
  const crds = c.dyn.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  const version: Obj = {
    name: "v1",
    served: true,
    storage: true,
    schema: {
      openAPIV3Schema: {
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: { color: { type: "string" }, size: { type: "integer" } },
            "x-kubernetes-preserve-unknown-fields": true,
          },
          status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    },
  };
  if (opts.status !== false) version.subresources = { status: {} };
  if (opts.scale === true)
    version.subresources = {
      ...version.subresources,
      scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
    };
  if (opts.selectableFields !== undefined)
    version.selectableFields = opts.selectableFields.map((jsonPath) => ({ jsonPath }));
  await crds.create({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: opts.scope ?? "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind },
      versions: [version],
    },
  });
  const gvr = { group, version: "v1", resource: plural };
  const probe = opts.scope === "Cluster" ? c.dyn.resource(gvr) : c.dyn.resource(gvr).namespace(c.ns);
  await c.until(`${plural}.${group} to be served`, async () => {
    try {
      await probe.list({ limit: 1 });
      return true;
    } catch {
      return false;
    }
  });
  return gvr;
}
