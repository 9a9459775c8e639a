import assert from "node:assert/strict";
import { test } from "node:test";
import { PatchType } from "@org/rest";
import { RecordingRest } from "../testing/recording-rest.js";
import { MetadataClient, partialObjectMetadataAccept, partialObjectMetadataListAccept } from "./index.js";

const pods = { group: "", version: "v1", resource: "pods" };

test("metadata-only verbs ask for PartialObjectMetadata(List) through Accept", async () => {
  const rest = new RecordingRest(() => ({ items: [] }));
  const c = new MetadataClient(rest).resource(pods);
  await c.list({ labelSelector: "a=b" });
  assert.equal(rest.url(), "/api/v1/pods?labelSelector=a%3Db");
  assert.equal(rest.sent().headers.Accept, partialObjectMetadataListAccept);
  await c.namespace("web").get("p1");
  assert.equal(rest.url(), "/api/v1/namespaces/web/pods/p1");
  assert.equal(rest.sent().headers.Accept, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
  c.namespace("web").watch({ resourceVersion: "5" });
  assert.equal(rest.url(), "/api/v1/namespaces/web/pods?resourceVersion=5");
  assert.equal(rest.sent().headers.Accept, partialObjectMetadataAccept);
  await c.namespace("web").patch("p1", PatchType.Merge, { metadata: { labels: { x: "1" } } });
  assert.equal(rest.sent().headers.Accept, partialObjectMetadataAccept);
  assert.equal(rest.sent().headers["Content-Type"], PatchType.Merge);
  await c.namespace("web").delete("p1");
  assert.equal(rest.sent().method, "DELETE");
  assert.throws(
    () => new MetadataClient(rest).resource({ group: "", version: "", resource: "pods" }),
    /version/,
  );
});
