// watch-pods (an informer) keeps watching through an API server that goes away and comes back. The
// "server" the program talks to is testenv's TCP proxy in front of the real API server (TLS passes
// through untouched): taking it down drops every connection and refuses new ones, as a restarting
// server does.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Clientset } from "@org/clientset";
import { buildConfigFromFlags } from "@org/rest";
import { type ControlPlane, startTcpProxy, type TcpProxy } from "@org/testenv";
import { createTestNamespace, getControlPlane } from "@org/testenv/harness";
import yaml from "js-yaml";
import { ensureNamespace } from "../src/lib/world.js";
import { Program } from "./helpers.js";

let cp: ControlPlane;
let admin: Clientset;
let ns: { name: string; cleanup(): Promise<void> };
let proxy: TcpProxy;
let dir: string;

before(async () => {
  cp = await getControlPlane();
  admin = Clientset.forConfig(await buildConfigFromFlags("", cp.kubeconfigPath));
  ns = await createTestNamespace("examples-watch");
  await ensureNamespace(admin, ns.name);
  proxy = await startTcpProxy(cp.apiServerURL);
  const kubeconfig = yaml.load(cp.users.admin.kubeconfig) as { clusters: { cluster: { server: string } }[] };
  for (const c of kubeconfig.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
  dir = await mkdtemp(join(tmpdir(), "examples-watch-"));
  await writeFile(join(dir, "kubeconfig"), yaml.dump(kubeconfig));
});

after(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
  await ns.cleanup();
});

function pod(name: string) {
  return { metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }] } };
}

test("watch-pods lists, watches, and resumes from its last resourceVersion after the server comes back", async (t) => {
  const pods = admin.coreV1().pods(ns.name);
  await pods.create(pod("before-start"));
  const p = new Program("watch-pods", ["--kubeconfig", join(dir, "kubeconfig"), "--namespace", ns.name]);
  try {
    await p.waitFor(/^ADDED +before-start Pending$/m);
    await p.waitFor(/^Synced 1 pods at resourceVersion \d+; watching for changes$/m);

    await pods.create(pod("while-watching"));
    await p.waitFor(/^ADDED +while-watching Pending$/m);

    // The server goes away; meanwhile the cluster changes.
    let mark = p.stdout.length;
    proxy.down();
    await p.waitFor(/^Watch failed \(.*\); watching again from resourceVersion \d+$/m, mark);
    await pods.create(pod("while-down"));
    await pods.delete("before-start", { gracePeriodSeconds: 0 });
    // The program tries again while the server is still down, and is turned away.
    await proxy.waitForRefused(1);

    // It comes back: the program watches again from where it was and sees what it missed, in order.
    mark = p.stdout.length;
    proxy.restore();
    await p.waitFor(/^DELETED +before-start/m, mark);
    const missed = p.stdout.slice(mark);
    assert.ok(missed.indexOf("while-down") < missed.indexOf("DELETED  before-start"), missed);
    assert.match(missed, /^ADDED +while-down Pending$/m);
    assert.doesNotMatch(missed, /while-watching/, "an event it had already seen was delivered again");
    assert.doesNotMatch(missed, /listing again/, "it resumed by listing instead of from its resourceVersion");

    await pods.delete("while-watching", { gracePeriodSeconds: 0 });
    await p.waitFor(/^DELETED +while-watching/m, mark);
  } finally {
    await p.stop();
    t.diagnostic(`watch-pods printed:\n${p.stdout}`);
  }
});
