// Faults on one control plane of this file's own, one after another: an etcd compaction that forces
// a 410 relist (ConfigMaps are served without the watch cache here, so a resumed watch meets the
// compaction), cut TCP connections, and a storm of real 429s from API Priority and Fairness.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Clientset } from "@org/clientset";
import { type RestConfig, StatusError } from "@org/rest";
import {
  addRejectingPriorityLevel,
  type ControlPlane,
  compactEtcd,
  startControlPlane,
  startTcpProxy,
  type TcpProxy,
} from "@org/testenv";
import { adminConfig, aliceConfig, formatReport, namespaceOn, runFault } from "./support.js";

let cp: ControlPlane;
let proxy: TcpProxy;
const ac = new AbortController();
before(async () => {
  cp = await startControlPlane({
    controllers: [],
    // ConfigMap watches go to etcd itself, so a watch resumed after a compaction gets 410 Gone.
    apiServerFlags: ["--watch-cache-sizes=configmaps#0"],
    priorityAndFairness: { maxRequestsInflight: 10, maxMutatingRequestsInflight: 5 },
  });
  proxy = await startTcpProxy(cp.apiServerURL);
});
after(async () => {
  ac.abort();
  await proxy?.close();
  await cp?.stop();
});

/** The admin config, through the proxy. */
function viaProxy(config: RestConfig): RestConfig {
  return { ...config, host: proxy.url };
}

test("etcd compaction while disconnected: 410, relist, tombstones for the deletes missed, no event lost", async (t) => {
  const cs = Clientset.forConfig(adminConfig(cp));
  const ns = await namespaceOn(cs, "compaction");
  let compactedTo = 0;
  const run = await runFault({
    fault: "etcd compaction (410)",
    writerClient: cs.coreV1().configMaps(ns),
    informerClient: Clientset.forConfig(viaProxy(adminConfig(cp)))
      .coreV1()
      .configMaps(ns),
    signal: ac.signal,
    inject: async ({ writer }) => {
      proxy.down();
      // Writes go on while the informer is cut off; some of them are deletes it will not see.
      const before = writer.writes;
      while (writer.writes < before + 150) await new Promise((r) => setTimeout(r, 50));
      for (const name of writer.liveNames().slice(0, 10)) await writer.delete(name);
      compactedTo = await compactEtcd(cp);
      proxy.restore();
    },
  });
  t.diagnostic(formatReport(run.report));
  const h = run.informer.health();
  t.diagnostic(
    `compacted to revision ${compactedTo}; watch-list ${h.watchList ? "used" : "refused, LIST used"}; stats ${JSON.stringify(h.stats)}`,
  );
  assert.ok(h.stats.gone >= 1, "no 410 was seen");
  assert.ok(run.report.tombstones >= 10, `${run.report.tombstones} tombstones`);
  assert.equal(run.report.lost, 0);
  assert.equal(run.report.duplicates, 0);
});

test("cut TCP connections: the watch resumes from its resourceVersion, no event lost or repeated", async (t) => {
  const cs = Clientset.forConfig(adminConfig(cp));
  const ns = await namespaceOn(cs, "cut");
  let cuts = 0;
  const run = await runFault({
    fault: "cut TCP connection ×3",
    writerClient: cs.coreV1().configMaps(ns),
    informerClient: Clientset.forConfig(viaProxy(adminConfig(cp)))
      .coreV1()
      .configMaps(ns),
    signal: ac.signal,
    inject: async () => {
      for (let i = 0; i < 3; i++) {
        cuts += proxy.cut();
        await new Promise((r) => setTimeout(r, 1500));
      }
    },
  });
  t.diagnostic(formatReport(run.report));
  t.diagnostic(`${cuts} connections cut; stats ${JSON.stringify(run.informer.health().stats)}`);
  assert.ok(cuts >= 3);
  assert.equal(run.report.lost, 0);
  assert.equal(run.report.duplicates, 0);
  assert.equal(run.report.skipped, 0);
  assert.equal(run.informer.health().stats.gone, 0, "a cut needs no relist");
});

test("a storm of real 429s (APF rejecting): Retry-After honoured, recovered, no event lost", async (t) => {
  const cs = Clientset.forConfig(adminConfig(cp));
  const ns = await namespaceOn(cs, "apf");
  const alice = cp.users.certUser.name;
  await cs
    .rbacV1()
    .roles(ns)
    .create({
      metadata: { name: "configmaps" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    });
  await cs
    .rbacV1()
    .roleBindings(ns)
    .create({
      metadata: { name: "alice" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmaps" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: alice }],
    });
  const removeLevel = await addRejectingPriorityLevel(cp, { name: "tiny", users: [alice] });
  t.after(removeLevel);
  // The informer runs as alice through the proxy, without the client's own 429 retries, so every 429
  // reaches the Reflector.
  const informerConfig = { ...viaProxy(aliceConfig(cp)), maxRetries: 0 };
  const stormClient = Clientset.forConfig({ ...aliceConfig(cp), maxRetries: 0 })
    .coreV1()
    .configMaps(ns);
  let storm429 = 0;
  let stormOk = 0;
  const run = await runFault({
    fault: "429 storm (APF)",
    writerClient: cs.coreV1().configMaps(ns),
    informerClient: Clientset.forConfig(informerConfig).coreV1().configMaps(ns),
    signal: ac.signal,
    inject: async ({ errors }) => {
      const storming = new AbortController();
      const workers = Array.from({ length: 16 }, async () => {
        while (!storming.signal.aborted) {
          try {
            await stormClient.list();
            stormOk++;
          } catch (e) {
            if (e instanceof StatusError && e.code === 429) storm429++;
            else throw e;
          }
        }
      });
      // The informer's watch is cut again and again: each reconnect lands in the storm, and may still
      // be admitted (or be cut itself), so the cuts go on (8 at least) until it has met a 429. Its
      // backoff grows after each failure (up to 30 s), so a few reconnects take many cuts: at most
      // 120 (90 s).
      const met429 = () => errors.some((e) => e.err instanceof StatusError && e.err.code === 429);
      for (let i = 0; i < 120 && (i < 8 || !met429()); i++) {
        await new Promise((r) => setTimeout(r, 750));
        proxy.cut();
      }
      await new Promise((r) => setTimeout(r, 1000));
      storming.abort();
      await Promise.all(workers);
    },
  });
  t.diagnostic(formatReport(run.report));
  const got429 = run.errors.filter((e) => e.err instanceof StatusError && e.err.code === 429);
  const gaps = got429.slice(1).map((e, i) => e.at - got429[i]!.at);
  const retryAfter = got429.map((e) => (e.err as StatusError).retryAfterSeconds);
  t.diagnostic(
    `storm: ${storm429} rejected, ${stormOk} served; the informer got ${got429.length} 429s (Retry-After ${[...new Set(retryAfter)].join(",")} s), ` +
      `gaps between its attempts ${gaps.length ? `${Math.min(...gaps)}..${Math.max(...gaps)} ms` : "-"}`,
  );
  assert.ok(storm429 > 0, "the server never answered 429");
  assert.ok(
    got429.length >= 1,
    `the informer never met a 429; its errors: ${run.errors.map((e) => (e.err as Error).message).join(" | ")}`,
  );
  for (let i = 0; i < gaps.length; i++) {
    const ra = (got429[i]!.err as StatusError).retryAfterSeconds ?? 0;
    assert.ok(
      gaps[i]! >= ra * 1000 - 20,
      `attempt ${i + 1} came ${gaps[i]} ms after a Retry-After of ${ra} s`,
    );
  }
  assert.equal(run.report.lost, 0);
  assert.equal(run.report.duplicates, 0);
});
