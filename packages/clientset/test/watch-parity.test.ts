// watch() and waitFor against the real kube-apiserver, as client-go's StreamWatcher, RetryWatcher and
// watchtools.Until see them: ERROR events (410 after an etcd compaction), bookmarks and watch-list,
// timeoutSeconds, stop/break releasing the server's watch, typed refusals before any event (compared
// with kubectl), and waitFor watching again after a broken connection or a 410. On a control plane of
// this file's own: the tests compact etcd and read the API server's watch gauge.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ConfigMap } from "@org/api-types/core/v1";
import {
  isBadRequest,
  isForbidden,
  isGone,
  isNotFound,
  RESTClient,
  StatusError,
  TransportError,
  type Watch,
  type WatchEvent,
} from "@org/rest";
import {
  type ControlPlane,
  compactEtcd,
  startControlPlane,
  startTcpProxy,
  type TcpProxy,
} from "@org/testenv";
import { Clientset } from "../src/clientset.js";
import { DiscoveryClient } from "../src/discovery/index.js";
import { DynamicClient } from "../src/dynamic/index.js";
import { waitFor } from "../src/wait.js";
import { adminConfig, configMap, type Env, installCRD, kubectl } from "./support.js";

let cp: ControlPlane;
let e: Env;
let proxy: TcpProxy | undefined;
before(async () => {
  cp = await startControlPlane({ controllers: [] });
  const config = adminConfig(cp);
  const rest = RESTClient.forConfig(config);
  e = { cp, config, rest, dynamic: new DynamicClient(rest), discovery: new DiscoveryClient(rest) };
});
after(async () => {
  await proxy?.close();
  await e?.rest.close();
  await cp?.stop();
});

let nsCount = 0;
async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCount}`;
  await new Clientset(e.rest).coreV1().namespaces().create({ metadata: { name } });
  return name;
}

/** Reads `w` until it ends; its events and how it ended (the error, or undefined). */
async function drain<T>(w: Watch<T>, until?: (ev: WatchEvent<T>) => boolean) {
  const events: WatchEvent<T>[] = [];
  try {
    for await (const ev of w) {
      events.push(ev);
      if (until?.(ev)) w.stop();
    }
    return { events, error: undefined as unknown };
  } catch (error) {
    return { events, error };
  }
}

/** kube-apiserver's gauge of running WATCH requests on namespaced configmaps. */
async function configMapWatches(): Promise<number> {
  const text = await e.rest.requestText({ method: "GET", path: "/metrics" });
  let n = 0;
  for (const line of text.split("\n")) {
    if (
      line.startsWith("apiserver_longrunning_requests{") &&
      line.includes('resource="configmaps"') &&
      line.includes('scope="namespace"') &&
      line.includes('verb="WATCH"')
    )
      n += Number(line.slice(line.lastIndexOf("}") + 1));
  }
  return n;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} did not happen within 10 s`);
}

test("an ERROR event (410 after compactEtcd) is a StatusError, a cut connection a TransportError", async (t) => {
  const ns = await namespace("wp-gone");
  const crd = await installCRD(e, "gone.parity.test", "Widget", "widgets");
  t.after(crd.remove);
  const widgets = e.dynamic.resource(crd.gvr).namespace(ns);
  await widgets.create({ apiVersion: "gone.parity.test/v1", kind: "Widget", metadata: { name: "x" } });
  await compactEtcd(cp);

  // the server answers 200 and then {"type":"ERROR","object":<Status 410>}, as kubectl shows
  const raw = await kubectl(cp, [
    "get",
    "--raw",
    `/apis/gone.parity.test/v1/namespaces/${ns}/widgets?watch=true&resourceVersion=2`,
  ]);
  const line = JSON.parse(raw.stdout.toString()) as {
    type: string;
    object: { code: number; message: string };
  };
  assert.equal(line.type, "ERROR");
  assert.equal(line.object.code, 410);

  const gone = await drain(widgets.watch({ resourceVersion: "2" }));
  assert.deepEqual(gone.events, [], "no event before the error");
  assert.ok(gone.error instanceof StatusError, String(gone.error));
  assert.ok(isGone(gone.error));
  assert.equal(gone.error.code, 410);
  assert.equal(gone.error.status.message, line.object.message);

  // a transport failure is never mistaken for a 410
  proxy = await startTcpProxy(cp.apiServerURL);
  const viaProxy = RESTClient.forConfig({ ...e.config, host: proxy.url });
  t.after(() => viaProxy.close());
  const w = new DynamicClient(viaProxy).resource(crd.gvr).namespace(ns).watch();
  const cut = drain(w, () => {
    proxy!.cut();
    return false;
  });
  const { events, error } = await cut;
  assert.equal(events[0]?.type, "ADDED");
  assert.ok(error instanceof TransportError, String(error));
  assert.ok(!isGone(error));
});

test("BOOKMARK events are passed on: watch-list's initial events end with the initial-events-end bookmark", async () => {
  const ns = await namespace("wp-bookmark");
  const cms = new Clientset(e.rest).coreV1().configMaps(ns);
  await cms.create(configMap("a"));
  await cms.create(configMap("b"));
  const listRV = BigInt((await cms.list()).metadata?.resourceVersion ?? "0");

  const w = cms.watch({
    sendInitialEvents: true,
    resourceVersionMatch: "NotOlderThan",
    allowWatchBookmarks: true,
  });
  const events: WatchEvent<ConfigMap>[] = [];
  for await (const ev of w) {
    events.push(ev);
    if (ev.type === "BOOKMARK") await cms.create(configMap("after"));
    if (ev.object.metadata?.name === "after") w.stop();
  }
  const names = events.map((ev) => `${ev.type} ${ev.object.metadata?.name ?? ""}`);
  assert.deepEqual(names, ["ADDED a", "ADDED b", "BOOKMARK ", "ADDED after"]);
  const bookmarkAt = 2;
  const bookmark = events[bookmarkAt]!.object;
  // only a resourceVersion (not older than the list's) and the annotation
  assert.deepEqual(Object.keys(bookmark.metadata ?? {}).sort(), ["annotations", "resourceVersion"]);
  assert.deepEqual(bookmark.metadata?.annotations, { "k8s.io/initial-events-end": "true" });
  assert.ok(BigInt(bookmark.metadata?.resourceVersion ?? "0") >= listRV);
});

test("timeoutSeconds: the server ends the watch and the loop ends without an error", async () => {
  const ns = await namespace("wp-timeout");
  const cms = new Clientset(e.rest).coreV1().configMaps(ns);
  await cms.create(configMap("a"));
  const { events, error } = await drain(cms.watch({ timeoutSeconds: 1 }));
  assert.equal(error, undefined);
  assert.deepEqual(
    events.map((ev) => `${ev.type} ${ev.object.metadata?.name}`),
    ["ADDED a"],
  );
});

test("stop() while idle and a break out of the loop end the server's watch", async () => {
  const ns = await namespace("wp-stop");
  const cms = new Clientset(e.rest).coreV1().configMaps(ns);
  const before = await configMapWatches();

  const idle = cms.watch({ labelSelector: "none=1" });
  const ended = drain(idle);
  await eventually(
    "the idle watch reaching the server",
    async () => (await configMapWatches()) === before + 1,
  );
  idle.stop();
  assert.deepEqual(await ended, { events: [], error: undefined });
  await eventually("the server's watch ending", async () => (await configMapWatches()) === before);

  await cms.create(configMap("a"));
  const broken = cms.watch();
  for await (const ev of broken) {
    assert.equal(ev.object.metadata?.name, "a");
    break;
  }
  await eventually(
    "the server's watch ending after a break",
    async () => (await configMapWatches()) === before,
  );
});

test("refusals come before any event as typed errors with the server's message (as kubectl shows them)", async () => {
  const ns = await namespace("wp-refused");
  const cms = new Clientset(e.rest).coreV1().configMaps(ns);
  const cases: {
    name: string;
    watch: Watch<unknown>;
    path: string;
    is: (err: unknown) => boolean;
    user?: string;
  }[] = [
    {
      name: "bad labelSelector",
      watch: cms.watch({ labelSelector: "a===b" }),
      path: `/api/v1/namespaces/${ns}/configmaps?watch=true&labelSelector=a%3D%3D%3Db`,
      is: isBadRequest,
    },
    {
      name: "bad fieldSelector",
      watch: cms.watch({ fieldSelector: "spec.foo=b" }),
      path: `/api/v1/namespaces/${ns}/configmaps?watch=true&fieldSelector=spec.foo%3Db`,
      is: isBadRequest,
    },
    {
      name: "no such resource",
      watch: e.dynamic.resource({ group: "nope.parity.test", version: "v1", resource: "widgets" }).watch(),
      path: "/apis/nope.parity.test/v1/widgets?watch=true",
      is: isNotFound,
    },
    {
      name: "forbidden for alice",
      watch: new Clientset(
        RESTClient.forConfig({
          host: cp.apiServerURL,
          tls: {
            caData: cp.caData,
            certData: cp.users.certUser.clientCertificate!,
            keyData: cp.users.certUser.clientKey!,
          },
          qps: 0,
        }),
      )
        .coreV1()
        .configMaps(ns)
        .watch(),
      path: `/api/v1/namespaces/${ns}/configmaps?watch=true`,
      is: isForbidden,
      user: cp.users.certUser.kubeconfigPath,
    },
  ];
  for (const c of cases) {
    const { events, error } = await drain(c.watch);
    assert.deepEqual(events, [], c.name);
    assert.ok(error instanceof StatusError && c.is(error), `${c.name}: ${String(error)}`);
    const k = await kubectl(cp, ["get", "--raw", c.path], undefined, c.user);
    assert.notEqual(k.code, 0);
    assert.ok(k.stderr.includes(error.status.message ?? "-"), `${c.name}: kubectl said ${k.stderr}`);
  }
});

test("waitFor watches again after the connection breaks (client-go's Until retries it)", async (t) => {
  const ns = await namespace("wp-wait-cut");
  proxy ??= await startTcpProxy(cp.apiServerURL);
  const viaProxy = RESTClient.forConfig({ ...e.config, host: proxy.url });
  t.after(() => viaProxy.close());
  const cms = new Clientset(viaProxy).coreV1().configMaps(ns);
  const flag = await cms.create(configMap("flag", { ready: "false" }));
  const starts: (string | undefined)[] = [];
  let seen!: () => void;
  const firstEvent = new Promise<void>((r) => (seen = r));
  const waiting = waitFor(
    (rv) => {
      starts.push(rv);
      return cms.watch({ fieldSelector: "metadata.name=flag", resourceVersion: rv });
    },
    (ev) => {
      seen();
      return ev.object.data?.ready === "true";
    },
    { timeoutMs: 60_000 },
  );
  await firstEvent;
  assert.ok(proxy.cut() > 0);
  flag.data = { ready: "true" };
  const updated = await new Clientset(e.rest).coreV1().configMaps(ns).update(flag);
  const ev = await waiting;
  assert.equal(ev.object.metadata?.resourceVersion, updated.metadata?.resourceVersion);
  assert.deepEqual(starts, [undefined, flag.metadata?.resourceVersion]);
});

test("waitFor starts again from the current state when resuming from an object's old resourceVersion is 410", async (t) => {
  const ns = await namespace("wp-wait-gone");
  const crd = await installCRD(e, "resume.parity.test", "Widget", "widgets");
  t.after(crd.remove);
  const widgets = e.dynamic.resource(crd.gvr).namespace(ns);
  const x = await widgets.create({
    apiVersion: "resume.parity.test/v1",
    kind: "Widget",
    metadata: { name: "x" },
    spec: { replicas: 0 },
  });
  const oldRV = x.metadata?.resourceVersion;
  // x's resourceVersion becomes older than the server keeps: history compacted, and a changed
  // schema restarts the resource's watch cache at the current revision
  await compactEtcd(cp);
  const crds = e.dynamic.resource({
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
  });
  const def = await crds.get("widgets.resume.parity.test");
  (def.spec as { versions: { schema: { openAPIV3Schema: { description?: string } } }[] })
    .versions[0]!.schema.openAPIV3Schema.description = "changed";
  await crds.update(def);
  await eventually("a watch from x's resourceVersion answering 410", async () => {
    const { error } = await drain(widgets.watch({ resourceVersion: oldRV, timeoutSeconds: 1 }));
    return isGone(error);
  });

  // the first watch (no resourceVersion) begins with ADDED x at x's own, old, resourceVersion
  const starts: (string | undefined)[] = [];
  let fellBack!: () => void;
  const fallback = new Promise<void>((r) => (fellBack = r));
  const waiting = waitFor(
    (rv) => {
      starts.push(rv);
      if (starts.length === 3) fellBack();
      return widgets.watch({ fieldSelector: "metadata.name=x", resourceVersion: rv, timeoutSeconds: 1 });
    },
    (ev) => (ev.object.spec as { replicas?: number } | undefined)?.replicas === 3,
    { timeoutMs: 60_000 },
  );
  await fallback;
  assert.deepEqual(starts, [undefined, oldRV, undefined]);
  const current = await widgets.get("x");
  current.spec = { replicas: 3 };
  const updated = await widgets.update(current);
  const ev = await waiting;
  assert.equal(ev.object.metadata?.resourceVersion, updated.metadata?.resourceVersion);
});
