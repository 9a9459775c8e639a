import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultWarningHandler, parseWarnings } from "./warnings.js";

test("parseWarnings: code-299 texts, escapes, dates, several per header", () => {
  assert.deepEqual(parseWarnings('299 - "a"'), ["a"]);
  assert.deepEqual(
    parseWarnings('299 - "with \\"quotes\\", and commas", 299 k8s "b" "Wed, 21 Oct 2015 07:28:00 GMT"'),
    ['with "quotes", and commas', "b"],
  );
  assert.deepEqual(parseWarnings('199 - "misc", garbage, 299 - "kept"'), ["kept"]);
});

test("the default handler prints each distinct message once to stderr", () => {
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string) => {
    writes.push(String(c));
    return true;
  }) as typeof process.stderr.write;
  try {
    defaultWarningHandler("policy/v1beta1 is deprecated (unit test)");
    defaultWarningHandler("policy/v1beta1 is deprecated (unit test)");
    defaultWarningHandler("another (unit test)");
  } finally {
    process.stderr.write = orig;
  }
  assert.deepEqual(writes, [
    "Warning: policy/v1beta1 is deprecated (unit test)\n",
    "Warning: another (unit test)\n",
  ]);
});
