// The label-selector parser without a server: its messages are kube-apiserver 1.36's, word for word
// (the contract suite compares them with the real server's over a list request; these are a few of
// the same, so that a change of wording shows in the unit tests too).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSelector, SelectorError } from "./labels.js";

const error = (s: string): string => {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(e instanceof SelectorError);
    return e.message;
  }
  return "parsed";
};

test("label selectors: the parser's error for a lone !, a trailing or doubled comma, a leading one", () => {
  assert.equal(error("!"), "unable to parse requirement: found '', expected: identifier");
  assert.equal(error("a,!"), "unable to parse requirement: found '', expected: identifier");
  assert.equal(error("a,"), "found '', expected: identifier after ','");
  assert.equal(error("a,,b"), "found ',', expected: identifier after ','");
  assert.equal(error(",a"), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(error("a in x"), "unable to parse requirement: found 'x' expected: '('");
  assert.equal(error("a in (x,"), "unable to parse requirement: found '', expected: ',', or identifier");
  assert.equal(error("a<=1"), "unable to parse requirement: found '=', expected: identifier");
});

test("label selectors: keys and values are validated with the values[i][key] path of the sorted values", () => {
  const long = "x".repeat(64);
  assert.equal(
    error(`a=${long}`),
    `unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 bytes`,
  );
  assert.equal(
    error(`a in (b, ${long})`),
    `unable to parse requirement: values[1][a]: Invalid value: "${long}": must be no more than 63 bytes`,
  );
  assert.equal(
    error(long),
    `unable to parse requirement: <nil>: Invalid value: "${long}": name part must be no more than 63 bytes`,
  );
  assert.equal(
    error("/a"),
    'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
  );
  assert.match(
    error("Example.com/a"),
    /^unable to parse requirement: <nil>: Invalid value: "Example.com\/a": prefix part a lowercase RFC 1123 subdomain/,
  );
  assert.match(error("a/b/c"), /<nil>: Invalid value: "a\/b\/c": a valid label key must consist of/);
  // Several problems of one requirement are an aggregate, in brackets.
  assert.match(
    error("a<x-"),
    /^unable to parse requirement: \[values\[0\]: Invalid value: "x-": for 'Gt', 'Lt' operators, the value must be an integer, values\[0\]\[a\]: Invalid value: "x-": a valid label/,
  );
  // Lengths are in bytes, as Go counts them.
  assert.match(error(`a=${"é".repeat(40)}`), /must be no more than 63 bytes; a valid label must be/);
});

test("label selectors: in and notin are identifiers where a value or key goes; values are a sorted set", () => {
  const s = parseSelector("a in (z,b,b), in=in, !notin");
  assert.deepEqual(
    s.requirements.map((r) => [r.key, r.operator, r.values]),
    [
      ["a", "in", ["b", "z"]],
      ["in", "=", ["in"]],
      ["notin", "!", []],
    ],
  );
  assert.equal(s.toString(), "a in (b,z),in=in,!notin");
  assert.equal(parseSelector("a in (,)").requirements[0]!.values.length, 1);
  assert.equal(parseSelector("n>5").matches({ n: "6" }), true);
  assert.match(error("n>-1"), /values\[0\]\[n\]: Invalid value: "-1"/);
});
