import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  defaultSpecInput,
  findRepoRoot,
  newestSnapshot,
  parseSpecArgument,
  readSpec,
  SAVED_SPEC_FILE,
} from "./read.js";
import { SpecError } from "./spec.js";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures");
const miniText = readFileSync(join(fixtures, "mini.swagger.json"), "utf8");

describe("readSpec from a path", () => {
  it("reads a v2 file; the source is its base name", async () => {
    const spec = await readSpec({ kind: "path", path: join(fixtures, "mini.swagger.json") });
    assert.equal(spec.source, "mini.swagger.json");
    assert.ok(spec.operations.length > 10);
  });
  it("reads a directory of v3 documents", async () => {
    const spec = await readSpec({ kind: "path", path: join(fixtures, "v3") });
    assert.equal(spec.source, "v3/");
    assert.ok(spec.operations.some((o) => o.path.includes("crontabs")));
    assert.ok(spec.operations.some((o) => o.path.includes("configmaps")));
  });
  it("says what is wrong: missing file, invalid JSON, not a spec", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codegen-read-"));
    try {
      await assert.rejects(
        readSpec({ kind: "path", path: join(dir, "nope.json") }),
        /spec not found: .*nope\.json/,
      );
      writeFileSync(join(dir, "bad.json"), "{ not json");
      await assert.rejects(
        readSpec({ kind: "path", path: join(dir, "bad.json") }),
        /bad\.json is not valid JSON/,
      );
      writeFileSync(join(dir, "other.json"), JSON.stringify({ openapi: "3.0.0", paths: {} }));
      await assert.rejects(
        readSpec({ kind: "path", path: join(dir, "other.json") }),
        /not a Kubernetes API spec/,
      );
      mkdirSync(join(dir, "empty"));
      await assert.rejects(
        readSpec({ kind: "path", path: join(dir, "empty") }),
        /no \.json OpenAPI v3 documents/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("readSpec from a URL", () => {
  let server: Server;
  let base: string;
  before(async () => {
    const v3core = readFileSync(join(fixtures, "v3", "api", "v1.json"), "utf8");
    const v3crd = readFileSync(join(fixtures, "v3", "apis", "stable.example.com", "v1.json"), "utf8");
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const send = (body: string, code = 200) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(body);
      };
      if (url.pathname === "/swagger.json") return send(miniText);
      if (url.pathname === "/openapi/v3")
        return send(
          JSON.stringify({
            paths: {
              // a stale hash, as after the document changed since the index was read: the server redirects
              "api/v1": { serverRelativeURL: "/openapi/v3/api/v1?hash=OLD" },
              "apis/stable.example.com/v1": {
                serverRelativeURL: "/openapi/v3/apis/stable.example.com/v1?hash=B",
              },
              // listed, then gone before it is read (its CRD deleted meanwhile): a 404
              "apis/gone.example.com/v1": {
                serverRelativeURL: "/openapi/v3/apis/gone.example.com/v1?hash=C",
              },
            },
          }),
        );
      if (url.pathname === "/openapi/v3/api/v1" && url.searchParams.get("hash") === "OLD") {
        res.writeHead(301, { location: "/openapi/v3/api/v1?hash=A" });
        return res.end();
      }
      if (url.pathname === "/openapi/v3/api/v1" && [null, "A"].includes(url.searchParams.get("hash")))
        return send(v3core);
      if (url.pathname === "/openapi/v3/apis/stable.example.com/v1") return send(v3crd);
      send("{}", 404);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("reads a swagger.json URL", async () => {
    const spec = await readSpec({ kind: "url", url: `${base}/swagger.json` });
    assert.equal(spec.source, `${base}/swagger.json`);
    assert.ok(spec.operations.length > 10);
  });
  it("follows an /openapi/v3 index", async () => {
    const logged: string[] = [];
    const spec = await readSpec({ kind: "url", url: `${base}/openapi/v3` }, fetch, (l) => logged.push(l));
    assert.ok(spec.operations.some((o) => o.path.includes("crontabs")));
    assert.ok(spec.operations.some((o) => o.path.includes("configmaps")));
    assert.deepEqual(logged, [
      `org-codegen: ${base}/openapi/v3/apis/gone.example.com/v1 was removed while the spec was read; left out`,
    ]);
  });
  it("reads a cluster through a KUBECONFIG list merged as kubectl merges it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codegen-kc-"));
    try {
      // The first file picks the context, the second defines it: kubectl uses both.
      const first = join(dir, "first");
      const second = join(dir, "second");
      writeFileSync(first, "current-context: c\n");
      writeFileSync(
        second,
        `clusters: [{name: k, cluster: {server: "${base}"}}]\ncontexts: [{name: c, context: {cluster: k}}]\n`,
      );
      const logged: string[] = [];
      const spec = await readSpec(
        { kind: "cluster", kubeconfigList: [first, second].join(delimiter) },
        fetch,
        (line) => logged.push(line),
      );
      assert.equal(spec.source, `cluster ${base}/openapi/v3`);
      assert.ok(spec.operations.some((o) => o.path.includes("crontabs")));
      // a group-version that went between the index and its read is left out, and said so
      assert.deepEqual(logged, [
        `org-codegen: ${base}/openapi/v3/apis/gone.example.com/v1 was removed while the spec was read; left out`,
      ]);
      await assert.rejects(
        readSpec({ kind: "cluster", kubeconfigList: first }),
        (e: unknown) =>
          e instanceof SpecError && /context "c" not found in kubeconfig .*first/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("reports HTTP errors and unreachable hosts", async () => {
    await assert.rejects(readSpec({ kind: "url", url: `${base}/missing.json` }), /answered 404/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(
      readSpec({ kind: "url", url: `http://127.0.0.1:${port}/swagger.json` }),
      (e: unknown) => e instanceof SpecError && /cannot reach .*ECONNREFUSED/.test(e.message),
    );
  });
});

describe("default input", () => {
  it("finds the repo root and the newest snapshot by version number", () => {
    const dir = mkdtempSync(join(tmpdir(), "codegen-default-"));
    try {
      const repo = join(dir, "repo");
      const shared = join(dir, "shared", "openapi");
      mkdirSync(join(repo, "packages", "x"), { recursive: true });
      mkdirSync(shared, { recursive: true });
      writeFileSync(join(repo, "package.json"), JSON.stringify({ workspaces: ["packages/*"] }));
      writeFileSync(join(repo, "packages", "x", "package.json"), JSON.stringify({ name: "x" }));
      for (const v of ["1.9", "1.36", "1.4"])
        writeFileSync(join(shared, `kubernetes-${v}.swagger.json`), "{}");
      assert.equal(findRepoRoot(join(repo, "packages", "x")), repo);
      assert.equal(newestSnapshot(shared), join(shared, "kubernetes-1.36.swagger.json"));
      assert.deepEqual(defaultSpecInput(join(repo, "packages", "x"), {}), {
        kind: "path",
        path: join(repo, "..", "shared", "openapi", "kubernetes-1.36.swagger.json"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("uses the input saved by `npm run generate -- …`, below ORG_CODEGEN_SPEC", () => {
    const repo = mkdtempSync(join(tmpdir(), "codegen-saved-"));
    try {
      writeFileSync(join(repo, "package.json"), JSON.stringify({ workspaces: ["packages/*"] }));
      const saved = { kind: "cluster", kubeconfig: "/home/u/.kube/config" };
      writeFileSync(join(repo, SAVED_SPEC_FILE), JSON.stringify(saved));
      assert.deepEqual(defaultSpecInput(repo, {}), saved);
      assert.deepEqual(defaultSpecInput(repo, { ORG_CODEGEN_SPEC: "/s.json" }), {
        kind: "path",
        path: "/s.json",
      });
      writeFileSync(join(repo, SAVED_SPEC_FILE), "not json");
      assert.throws(() => defaultSpecInput(repo, {}), /\.codegen-spec is not a saved spec choice/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
  it("in a clone without ../shared (no snapshot in ORG_CODEGEN_SNAPSHOTS) falls back to testenv's pinned version", () => {
    const dir = mkdtempSync(join(tmpdir(), "codegen-clone-"));
    try {
      const repo = join(dir, "repo");
      mkdirSync(repo);
      writeFileSync(join(repo, "package.json"), JSON.stringify({ workspaces: ["packages/*"] }));
      mkdirSync(join(dir, "empty"));
      assert.deepEqual(defaultSpecInput(repo, {}), { kind: "k8s-version" }, "no ../shared beside the clone");
      assert.deepEqual(defaultSpecInput(repo, { ORG_CODEGEN_SNAPSHOTS: join(dir, "empty") }), {
        kind: "k8s-version",
      });
      writeFileSync(join(dir, "empty", "kubernetes-1.35.swagger.json"), "{}");
      assert.deepEqual(defaultSpecInput(repo, { ORG_CODEGEN_SNAPSHOTS: join(dir, "empty") }), {
        kind: "path",
        path: join(dir, "empty", "kubernetes-1.35.swagger.json"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("honours ORG_CODEGEN_SPEC", () => {
    assert.deepEqual(defaultSpecInput("/", { ORG_CODEGEN_SPEC: "https://example.com/s.json" }), {
      kind: "url",
      url: "https://example.com/s.json",
    });
    assert.deepEqual(parseSpecArgument("a/b.json"), { kind: "path", path: "a/b.json" });
  });
});
