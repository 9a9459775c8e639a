// Fault: the API server restarts (etcd keeps running) while writes go on. On a control plane of this
// test's own. One restart is watched by the checked informer and by 20 more informers, and the new
// server process's request counters show how many LISTs and WATCHes reached it.
import assert from "node:assert/strict";
import { setMaxListeners } from "node:events";
import { after, before, test } from "node:test";
import type { ConfigMap } from "@org/api-types/core/v1";
import { Clientset } from "@org/clientset";
import { SharedIndexInformer } from "@org/informers";
import { apiServerRequestCount, type ControlPlane, restartAPIServer, startControlPlane } from "@org/testenv";
import { adminConfig, formatReport, namespaceOn, runFault } from "./support.js";

let cp: ControlPlane;
const ac = new AbortController();
setMaxListeners(50, ac.signal); // 21 informers share it
before(async () => {
  cp = await startControlPlane({ controllers: [] });
});
after(async () => {
  ac.abort();
  await cp?.stop();
});

test("API server restart: no event lost or repeated, 20 more informers reconnect without a LIST storm", async (t) => {
  const cs = Clientset.forConfig(adminConfig(cp));
  const ns = await namespaceOn(cs, "restart");
  const herdNs = await namespaceOn(cs, "herd");
  for (let i = 0; i < 50; i++)
    await cs
      .coreV1()
      .configMaps(herdNs)
      .create({ metadata: { name: `h${i}` } });

  // Twenty informers of one resource, as twenty controllers would have: LIST-based (watch-list off) so
  // that every relist is a LIST the server counts.
  const herd: SharedIndexInformer<ConfigMap>[] = [];
  for (let i = 0; i < 20; i++) {
    const informer = new SharedIndexInformer<ConfigMap>(
      Clientset.forConfig(adminConfig(cp)).coreV1().configMaps(herdNs),
      { name: `herd-${i}`, useWatchList: false, watchErrorHandler: () => {} },
    );
    herd.push(informer);
    void informer.run(ac.signal);
  }
  for (const h of herd) assert.ok(await h.waitForSync(ac.signal));

  let restartedAt = 0;
  let downMs = 0;
  const run = await runFault({
    fault: "API server restart",
    writerClient: cs.coreV1().configMaps(ns),
    informerClient: Clientset.forConfig(adminConfig(cp)).coreV1().configMaps(ns),
    signal: ac.signal,
    inject: async () => {
      const r = await restartAPIServer(cp);
      restartedAt = Date.now();
      downMs = r.downMs;
    },
  });
  t.diagnostic(formatReport(run.report));
  t.diagnostic(`API server down for ${downMs} ms (stop, start, /readyz)`);
  assert.equal(run.report.lost, 0);
  assert.equal(run.report.duplicates, 0);
  assert.ok(run.informer.health().stats.errors >= 1, "the informer saw the restart");
  assert.equal(run.informer.health().state, "watching");

  // Every herd informer is back: a ConfigMap written now reaches all twenty stores.
  await cs
    .coreV1()
    .configMaps(herdNs)
    .create({ metadata: { name: "after-restart" } });
  const arrived: number[] = [];
  const deadline = Date.now() + 90_000;
  for (const h of herd) {
    while (h.getIndexer().getByKey(`${herdNs}/after-restart`) === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    arrived.push(Date.now() - restartedAt);
  }
  const lists = await apiServerRequestCount(cp, { verb: "LIST", resource: "configmaps", scope: "namespace" });
  const watches = await apiServerRequestCount(cp, {
    verb: "WATCH",
    resource: "configmaps",
    scope: "namespace",
  });
  const herdLists = herd.reduce((n, h) => n + h.health().stats.listRequests, 0) - 20;
  const herdErrors = herd.reduce((n, h) => n + h.health().stats.errors, 0);
  t.diagnostic(
    `after the restart the new API server received ${lists} namespaced ConfigMap LISTs and ${watches} WATCHes ` +
      `from 21 informers (the herd: ${herdLists} LISTs, ${herdErrors} errors reported); the herd's last store ` +
      `had a new ConfigMap ${Math.max(...arrived)} ms after /readyz`,
  );
  for (const h of herd)
    assert.ok(h.getIndexer().getByKey(`${herdNs}/after-restart`), "a herd informer did not recover");
  // At most one relist per herd informer (the 410 after the restart) plus the scenario's own check
  // LIST; the checked informer relists through watch-list (a WATCH): no storm.
  assert.ok(lists <= 21, `${lists} LISTs`);
  assert.ok(herdLists <= 20, `${herdLists} LISTs from 20 informers`);
});
