// watch-pods when its resourceVersion has expired (410 Gone): the informer lists again and reports
// the difference. A small local server of the test's own plays an older API server here: it refuses
// watch-list (so the informer falls back to LIST) and answers 410 to the first watch. (The informers
// package's fault tests produce real 410s with an etcd compaction on a control plane of their own.)
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Program } from "./helpers.js";

const pod = (name: string, rv: string, phase = "Pending") => ({
  metadata: { name, namespace: "web", resourceVersion: rv },
  status: { phase },
});

test("watch-pods lists again after 410 Gone and reports what changed in between", async (t) => {
  const requests: string[] = [];
  const watches: ServerResponse[] = [];
  let lists = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}?${url.searchParams}`);
    if (url.pathname !== "/api/v1/namespaces/web/pods") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ kind: "Status", code: 404 }));
      return;
    }
    res.setHeader("content-type", "application/json");
    if (url.searchParams.get("watch") !== "true") {
      lists++;
      const body =
        lists === 1
          ? { kind: "PodList", metadata: { resourceVersion: "12" }, items: [pod("a", "10"), pod("b", "11")] }
          : {
              kind: "PodList",
              metadata: { resourceVersion: "20" },
              items: [pod("a", "15", "Running"), pod("c", "16")],
            };
      res.end(JSON.stringify(body));
      return;
    }
    if (url.searchParams.get("sendInitialEvents") === "true") {
      const status = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Invalid", code: 422 };
      res.writeHead(422).end(JSON.stringify({ ...status, message: "sendInitialEvents is not supported" }));
      return;
    }
    res.writeHead(200);
    if (url.searchParams.get("resourceVersion") === "12") {
      // What kube-apiserver sends when the version has been compacted away.
      const status = {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "too old resource version: 12 (18)",
        reason: "Expired",
        code: 410,
      };
      res.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
      return;
    }
    watches.push(res); // a watch that stays open
    res.write(`${JSON.stringify({ type: "ADDED", object: pod("d", "21") })}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const dir = await mkdtemp(join(tmpdir(), "examples-gone-"));
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: u, user: {token: test-token}}]
contexts: [{name: local, context: {cluster: local, user: u, namespace: web}}]
current-context: local
`,
  );
  const p = new Program("watch-pods", ["--kubeconfig", kubeconfig, "--namespace", "web"]);
  try {
    await p.waitFor(/^ADDED +d Pending$/m);
    assert.deepEqual(p.stdout.trimEnd().split("\n"), [
      "Watching pods in namespace web",
      "ADDED    a Pending",
      "ADDED    b Pending",
      "Synced 2 pods at resourceVersion 12; watching for changes",
      "resourceVersion 12 is too old (Expired: too old resource version: 12 (18)); listing again",
      "MODIFIED a Running",
      "ADDED    c Pending",
      "DELETED  b Pending (deleted while not watching)",
      "ADDED    d Pending",
    ]);
    // watch-list refused, list, watch from 12, list again, watch from 20
    const seen = requests.map((r) => {
      const q = new URL(r.split(" ")[1] ?? "", "http://x").searchParams;
      if (q.get("sendInitialEvents") === "true") return "watch-list";
      return q.get("watch") === "true" ? `watch from ${q.get("resourceVersion")}` : "list";
    });
    assert.deepEqual(seen, ["watch-list", "list", "watch from 12", "list", "watch from 20"]);
  } finally {
    await p.stop();
    for (const w of watches) w.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
    t.diagnostic(p.stdout);
  }
});
