// Every Kubernetes snapshot in ../shared/openapi: the generated surface covers an independent census
// of the spec's paths, generation is deterministic, and the output type-checks with the runtime.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LINE_WIDTH } from "../src/emit/source.js";
import { emit, expansionLookup } from "../src/generate.js";
import { fromV2 } from "../src/load/normalize.js";
import { buildModel } from "../src/model/model.js";
import { SUBRESOURCE_METHODS } from "../src/model/subresources.js";
import { repo, scratchDir, typecheckGenerated } from "./typecheck.js";

const specDir = join(repo, "..", "shared", "openapi");
const snapshots = readdirSync(specDir)
  .filter((f) => /^kubernetes-\d+\.\d+\.swagger\.json$/.test(f))
  .sort();
const expansions = join(repo, "packages", "clientset", "src", "expansions");
const scratch = scratchDir("codegen-snapshots-");
const work = scratch.dir;
after(() => scratch.remove());

/** The census: read straight from the paths, sharing no code with the generator. */
function census(doc: { paths: Record<string, Record<string, { "x-kubernetes-action"?: string }>> }) {
  const gvs = new Set<string>();
  const resources = new Map<string, Set<string>>(); // "group/version/plural" → actions
  const subresources = new Map<string, Set<string>>(); // "group/version/plural/sub" → actions
  for (const [path, item] of Object.entries(doc.paths)) {
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
    if (!m) continue;
    const gv = m[1] === undefined ? "core/v1" : `${m[1]}/${m[2]}`;
    let segs = m[3]!.split("/");
    const watch = segs[0] === "watch";
    if (watch) segs = segs.slice(1);
    if (segs[0] === "namespaces" && segs[1] === "{namespace}" && segs.length > 2) segs = segs.slice(2);
    const actions = Object.entries(item)
      .filter(([k]) => k !== "parameters")
      .map(
        ([k, op]) =>
          `${watch ? "watch:" : ""}${segs.length > 1 ? "item:" : ""}${k}:${op["x-kubernetes-action"]}`,
      )
      .filter((a) => !a.endsWith(":undefined"));
    if (actions.length === 0) continue;
    gvs.add(gv);
    const into = segs.length > 2 ? subresources : resources;
    const key = segs.length > 2 ? `${gv}/${segs[0]}/${segs[2]}` : `${gv}/${segs[0]}`;
    const set = into.get(key) ?? new Set<string>();
    for (const a of actions) set.add(a);
    into.set(key, set);
  }
  return { gvs, resources, subresources };
}

const expected: Record<string, [number, number, number]> = {
  "kubernetes-1.32.swagger.json": [33, 80, 49],
  "kubernetes-1.36.swagger.json": [36, 95, 55],
};

describe("Kubernetes snapshots", () => {
  it("finds all five snapshots", () => {
    assert.equal(snapshots.length, 5, `snapshots in ${specDir}`);
  });

  for (const file of snapshots) {
    describe(file, () => {
      const doc = JSON.parse(readFileSync(join(specDir, file), "utf8"));
      const c = census(doc);
      const model = buildModel(fromV2(doc, file));
      const key = (g: string, v: string) => `${g === "" ? "core" : g}/${v}`;
      const clientset = emit(model, "clientset", { hasExpansion: expansionLookup(expansions) });

      it("models exactly the census: group-versions, resources, subresources", () => {
        const want = expected[file];
        if (want) assert.deepEqual([c.gvs.size, c.resources.size, c.subresources.size], want);
        assert.deepEqual(model.groupVersions.map((g) => key(g.group, g.version)).sort(), [...c.gvs].sort());
        const resources = model.groupVersions.flatMap((g) => g.resources);
        assert.deepEqual(
          resources.map((r) => `${key(r.group, r.version)}/${r.resource}`).sort(),
          [...c.resources.keys()].sort(),
        );
        const subs = resources.flatMap((r) =>
          r.subresources.map((s) => `${key(r.group, r.version)}/${r.resource}/${s.name}`),
        );
        assert.deepEqual(subs.sort(), [...c.subresources.keys()].sort());
        assert.deepEqual(model.unmapped, []);
      });

      it("gives every resource its getter, interface, descriptor and exactly its verbs", () => {
        for (const gv of model.groupVersions) {
          // Layout-free: lists wrap at the line width.
          const text = clientset.get(`${gv.path}.ts`)!.replace(/\s+/g, " ");
          for (const r of gv.resources) {
            const actions = c.resources.get(`${key(gv.group, gv.version)}/${r.resource}`)!;
            const getter = r.namespaced
              ? `${r.getter}(namespace: string): ${r.interfaceName};`
              : `${r.getter}(): ${r.interfaceName};`;
            assert.ok(text.includes(` ${getter} `), `${gv.method}: ${getter}`);
            assert.ok(text.includes(`export interface ${r.interfaceName} extends`), r.interfaceName);
            assert.ok(text.includes(`resource: "${r.resource}", namespaced: ${r.namespaced},`), r.resource);
            // The verbs the census sees, in client-go's names.
            const has = (a: string) => actions.has(a);
            const verbs = new Set<string>();
            if (has("get:list")) verbs.add("list");
            if (has("post:post")) verbs.add("create");
            if (has("delete:deletecollection")) verbs.add("deleteCollection");
            if (has("item:get:get")) verbs.add("get");
            if (has("item:put:put")) verbs.add("update");
            if (has("item:delete:delete")) verbs.add("delete");
            if (has("item:patch:patch")) verbs.add("patch");
            if (has("watch:get:watchlist") || has("watch:item:get:watch")) verbs.add("watch");
            const generic = r.verbs.filter((v) => !["apply", "applyStatus", "updateStatus"].includes(v));
            assert.deepEqual(generic.sort(), [...verbs].sort(), `${gv.method}.${r.getter}`);
            const pick = new RegExp(
              `export interface ${r.interfaceName} extends Pick<ResourceMethods<[^>]*>, ([^>]*)>`,
            ).exec(text);
            const picked = pick?.[1]?.split(" | ").map((s) => JSON.parse(s) as string) ?? [];
            assert.deepEqual(
              picked,
              r.verbs.flatMap((v) => (v === "list" ? ["list", "listAll", "listPages"] : [v])),
              r.interfaceName,
            );
          }
        }
      });

      it("types every resource and keeps each generated resource within 25 lines", () => {
        for (const gv of model.groupVersions) {
          for (const r of gv.resources) {
            assert.ok(r.type, `${gv.method}.${r.getter} has its kind's type`);
            if (r.verbs.includes("list")) assert.ok(r.listType, `${gv.method}.${r.getter} has its list type`);
            if (r.verbs.includes("apply"))
              assert.ok(r.applyType, `${gv.method}.${r.getter} has its apply configuration`);
          }
          const text = clientset.get(`${gv.path}.ts`)!;
          for (const block of text.split(/\n(?=\/\*\*\s+(?:\* )?[a-z0-9]+: )/).slice(1)) {
            const lines = block
              .split(/\n\n\/\*\*\s+(?:\* )?\w+Interface: /)[0]!
              .trimEnd()
              .split("\n").length;
            assert.ok(lines <= 25, `${gv.path}: ${lines} lines\n${block}`);
          }
        }
      });

      it("gives every non-connect subresource its methods", () => {
        for (const gv of model.groupVersions) {
          const text = clientset.get(`${gv.path}.ts`)!;
          for (const r of gv.resources) {
            const block = text.slice(text.indexOf(`export interface ${r.interfaceName} extends`));
            const descriptor = text.slice(text.indexOf(`resource: "${r.resource}"`)).split("\n};\n")[0]!;
            const listed = /\bmethods: \[([^\]]*)\]/.exec(descriptor)?.[1]?.split(/,\s*/) ?? [];
            const iface = block.slice(0, block.indexOf("}\n"));
            for (const s of r.subresources) {
              const actions = c.subresources.get(`${key(gv.group, gv.version)}/${r.resource}/${s.name}`)!;
              if ([...actions].some((a) => a.endsWith(":connect"))) {
                assert.ok(!text.includes(`{ name: "${s.name}", verbs: ["connect"]`));
                continue;
              }
              if (s.name === "status") {
                if (actions.has("item:put:put"))
                  assert.ok(iface.includes('"updateStatus"'), `${r.resource}/status`);
                continue;
              }
              if (s.name === "log") {
                assert.ok(
                  iface.includes(`${r.kind}Expansion`),
                  `${r.resource}/log by the ${r.kind}Expansion`,
                );
                continue;
              }
              const rows = SUBRESOURCE_METHODS.filter((row) => row.subresource === s.name);
              const row = (verb: string) => rows.find((x) => x.verb === verb);
              assert.ok(rows.length > 0, `rows of the method table for ${s.name}`);
              for (const [action, verb] of [
                ["item:post:post", "create"],
                ["item:put:put", "update"],
                ["item:get:get", "get"],
              ] as const) {
                if (!actions.has(action)) continue;
                const method = row(verb)?.method;
                if (verb !== "get") assert.ok(method, `a ${verb} row for ${s.name}`);
                if (method === undefined) continue;
                assert.ok(iface.includes(`"${method}"`), `${r.resource}/${s.name}: ${method}`);
                assert.ok(listed.includes(method), `${r.resource} row ${method}`);
              }
            }
          }
        }
      });

      it("generates identical bytes twice, formatted within the line width", () => {
        const again = buildModel(fromV2(JSON.parse(readFileSync(join(specDir, file), "utf8")), file));
        assert.deepEqual(
          [...emit(again, "clientset", { hasExpansion: expansionLookup(expansions) })],
          [...clientset],
        );
        const types = emit(model, "types");
        assert.deepEqual([...emit(again, "types")], [...types]);
        // Longer only where a doc comment holds a word longer than a line (a URL, a pattern).
        for (const [path, text] of [...clientset, ...types]) {
          for (const line of text.split("\n")) {
            if (line.length > LINE_WIDTH) assert.match(line, /^\s*\* (?:\S+ )?\S{60,}$/, `${path}: ${line}`);
          }
        }
      });

      it("type-checks: api-types and the generated clientset with the runtime", () => {
        assert.equal(typecheckGenerated(join(work, file), emit(model, "types"), clientset), "");
      });
    });
  }
});
