// Test support: what a user of the clientset sees of a model, and the model of a version's snapshot.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fromV2 } from "../src/load/normalize.js";
import { type ApiModel, buildModel } from "../src/model/model.js";
import { repo } from "./typecheck.js";

/** The model of the snapshot of a server version's minor ("v1.36.3" → kubernetes-1.36.swagger.json). */
export function snapshotFor(version: string): ApiModel {
  const minor = /^v(\d+\.\d+)\./.exec(version)?.[1];
  const file = `kubernetes-${minor}.swagger.json`;
  return buildModel(
    fromV2(JSON.parse(readFileSync(join(repo, "..", "shared", "openapi", file), "utf8")), file),
  );
}

/** What a user of the clientset sees: group methods, getters, scope, verbs, kinds, subresources. */
export function surface(model: ApiModel): Map<string, unknown> {
  return new Map(
    model.groupVersions.map((g) => [
      g.method,
      g.resources.map((r) => ({
        getter: r.getter,
        namespaced: r.namespaced,
        kind: r.kind,
        listKind: r.listKind,
        verbs: r.verbs,
        subresources: r.subresources.map((s) => [s.name, s.verbs, s.kind, s.methods]),
      })),
    ]),
  );
}
