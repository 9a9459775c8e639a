// Pod logs through the real API server: it proxies pods/<name>/log to the node's kubelet, which here
// is a small HTTPS server of the test's own (not testenv's node agent), so the request the API server
// forwards and the stream it relays are both observed. (streams.test.ts reads real container logs
// from the node agent, with kubectl logs as the oracle.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { registerNode } from "@org/testenv";
import { createTestNamespace, uniqueNamespaceName } from "@org/testenv/harness";
import { Clientset } from "../src/clientset.js";
import { env } from "./support.js";

/** A serving certificate for 127.0.0.1 signed by the cluster CA (the API server verifies kubelets). */
function caSigned(pkiDir: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-kubelet-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        .concat(["-subj", "/CN=fake-kubelet", "-addext", "subjectAltName=IP:127.0.0.1"])
        .concat(["-CA", join(pkiDir, "ca.crt"), "-CAkey", join(pkiDir, "ca.key")])
        .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface FakeKubelet {
  server: Server;
  port: number;
  /** Paths (with query) the API server asked for. */
  requests: string[];
  /** The next follow stream the API server opens. */
  nextFollow(): Promise<ServerResponse>;
}

async function fakeKubelet(pkiDir: string): Promise<FakeKubelet> {
  const opened: ServerResponse[] = [];
  const waiting: ((res: ServerResponse) => void)[] = [];
  const requests: string[] = [];
  const server = createServer(caSigned(pkiDir), (req, res) => {
    requests.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "https://kubelet");
    res.writeHead(200, { "Content-Type": "text/plain" });
    if (url.searchParams.get("follow") === "true") {
      res.write("first line\n");
      const waiter = waiting.shift();
      if (waiter) waiter(res);
      else opened.push(res);
      return;
    }
    res.end(`log of ${url.pathname}\nquery ${url.searchParams.toString()}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const nextFollow = () => {
    const res = opened.shift();
    return res ? Promise.resolve(res) : new Promise<ServerResponse>((r) => waiting.push(r));
  };
  return { server, port: (server.address() as AddressInfo).port, requests, nextFollow };
}

test("getLogs and streamLogs through the API server's proxy to the kubelet", async (t) => {
  const ns = await createTestNamespace("cs-logs");
  t.after(ns.cleanup);
  const { cp, rest } = await env();
  const cs = new Clientset(rest);
  const kubelet = await fakeKubelet(join(cp.runDir, "pki"));
  t.after(() => {
    kubelet.server.closeAllConnections();
    kubelet.server.close();
  });

  // A node whose kubelet is the fake one, and a pod on it.
  const nodeName = uniqueNamespaceName("cs-logs-node");
  await registerNode(cp, nodeName, { agent: false, internalIP: "127.0.0.1" });
  t.after(() => cs.coreV1().nodes().delete(nodeName));
  await cs
    .coreV1()
    .nodes()
    .patch(
      nodeName,
      "application/merge-patch+json",
      {
        status: {
          addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        },
      },
      { subresource: "status" },
    );
  const pods = cs.coreV1().pods(ns.name);
  await pods.create({
    metadata: { name: "web" },
    spec: {
      nodeName,
      containers: [
        { name: "app", image: "registry.k8s.io/pause:3.10" },
        { name: "sidecar", image: "registry.k8s.io/pause:3.10" },
      ],
    },
  });

  const text = await pods.getLogs("web", {
    container: "sidecar",
    tailLines: 2,
    sinceSeconds: 60,
    timestamps: true,
  });
  assert.equal(text.split("\n")[0], `log of /containerLogs/${ns.name}/web/sidecar`);
  const forwarded = new URLSearchParams(text.split("\n")[1]?.slice("query ".length));
  assert.equal(forwarded.get("tailLines"), "2");
  assert.equal(forwarded.get("sinceSeconds"), "60");
  assert.equal(forwarded.get("timestamps"), "true");

  // Follow: lines arrive as the kubelet writes them, before the stream ends.
  const lines = pods.streamLogs("web", { container: "app" })[Symbol.asyncIterator]();
  const first = lines.next();
  const res = await kubelet.nextFollow();
  assert.deepEqual(await first, { done: false, value: "first line" });
  res.write("second ");
  res.write("line\nthird line\n");
  assert.deepEqual(await lines.next(), { done: false, value: "second line" });
  assert.deepEqual(await lines.next(), { done: false, value: "third line" });
  res.end("last words");
  assert.deepEqual(await lines.next(), { done: false, value: "last words" });
  assert.equal((await lines.next()).done, true, "the stream ends when the container's log ends");
  assert.ok(
    kubelet.requests.some(
      (r) => r.startsWith(`/containerLogs/${ns.name}/web/app?`) && r.includes("follow=true"),
    ),
  );

  // Leaving the loop early closes the connection, through the API server back to the kubelet.
  const again = pods.streamLogs("web", { container: "app" });
  const opening = kubelet.nextFollow();
  for await (const line of again) {
    assert.equal(line, "first line");
    break;
  }
  const open = await opening;
  if (!open.destroyed && !open.writableFinished) await new Promise((r) => open.once("close", r));
  assert.ok(open.destroyed || open.writableFinished, "the kubelet's stream was closed");

  // An AbortSignal ends a follow in progress.
  const ac = new AbortController();
  const aborting = kubelet.nextFollow();
  const seen: string[] = [];
  const outcome = await (async () => {
    for await (const line of pods.streamLogs("web", { container: "app", signal: ac.signal })) {
      seen.push(line);
      ac.abort(new Error("stop following"));
    }
    return "ended";
  })().catch((e: unknown) => (e as Error).message);
  await aborting;
  assert.deepEqual(seen, ["first line"]);
  assert.ok(outcome === "ended" || outcome === "stop following", outcome);
});
