import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { sprintf } from "./sprintf.js";

/** Stands for a Go type with a String() method. */
class Stringer {
  toString(): string {
    return "str!";
  }
}
const stringer = new Stringer();

// Expected values are Go 1.26's fmt.Sprintf with the Go-typed equivalents of these arguments ([]int for
// [1, 2], errors.New for an Error, a type with String() for stringer, float64 for the numbers of float
// verbs), produced by a throwaway Go program and pasted here.
const fromGo: [format: string, args: unknown[], want: string][] = [
  ["failed: %v", [new Error("boom")], "failed: boom"],
  ["100%%v literal", [], "100%v literal"],
  ["no args %q and %v", [], "no args %!q(MISSING) and %!v(MISSING)"],
  ["%t enabled", [true], "true enabled"],
  ["%x hex", [255], "ff hex"],
  ["%5d pad", [7], "    7 pad"],
  ["%q num", [5], "'\\x05' num"],
  ["%s and %s", ["one"], "one and %!s(MISSING)"],
  ["%d", [1, 2, 3], "1%!(EXTRA int=2, int=3)"],
  [
    "%d",
    [1, "x", 3.5, null, true, [1, 2]],
    "1%!(EXTRA string=x, float64=3.5, <nil>, bool=true, []int=[1 2])",
  ],
  ["%d", ["x"], "%!d(string=x)"],
  ["%z", [3], "%!z(int=3)"],
  ["abc%", [], "abc%!(NOVERB)"],
  ["%v %v", [1], "1 %!v(MISSING)"],
  ["%-5d|", [3], "3    |"],
  ["%05d", [-3], "-0003"],
  ["%+d % d", [3, 3], "+3  3"],
  ["%x %X %#x %#X", [-255, 255, 255, 255], "-ff FF 0xff 0XFF"],
  ["%o %#o %O %b %#b", [8, 8, 8, 5, 5], "10 010 0o10 101 0b101"],
  ["%#08x", [255], "0x000000ff"],
  ["%08.3d|", [7], "     007|"],
  ["%.0d|%5.0d|", [0, 0], "|     |"],
  ["%-08d|", [-7], "-7      |"],
  ["%+05d", [7], "+0007"],
  ["%v %d", [9007199254740993n, -9223372036854775808n], "9007199254740993 -9223372036854775808"],
  ["%c%c%c", [65, 0x1f600, -1], "A😀�"],
  ["%q %+q %q", [120, 0xe9, 0x1f600], "'x' '\\u00e9' '😀'"],
  ["%U %#U %#U %.6U", [0x1f600, 0x1f600, 7, 65], "U+1F600 U+1F600 '😀' U+0007 U+000041"],
  ["%#v", [42], "42"],
  ["%v %v %v", [3.25, 0.0001, 0.00001], "3.25 0.0001 1e-05"],
  ["%v %v", [123456.5, 1234567.5], "123456.5 1.2345675e+06"],
  ["%v %v %v", [1e21, 1.5e300, 5e-324], "1e+21 1.5e+300 5e-324"],
  ["%v %v", [1.7976931348623157e308, -0.5], "1.7976931348623157e+308 -0.5"],
  ["%e %E", [1234.5678, 1234.5678], "1.234568e+03 1.234568E+03"],
  ["%f %.2f %F", [1.23456, 1.23456, 1.23456], "1.234560 1.23 1.234560"],
  ["%.20f", [0.1], "0.10000000000000000555"],
  ["%.2f %.3f %.1f %.4g", [2.675, 1.0005, 9.96, 99999.5], "2.67 1.000 10.0 1e+05"],
  ["%.3f %.2f", [1e-10, 0.999], "0.000 1.00"],
  ["%.30e", [5e-324], "4.940656458412465441765687928682e-324"],
  ["%g %g %g", [100000, 1e6, 1e-7], "100000 1e+06 1e-07"],
  ["%.3g %.3g %G", [1234.5678, 1, 1e-7], "1.23e+03 1 1E-07"],
  ["%#g %#.3g %#.0f %#e", [1, 2.5, 1, 1], "1.00000 2.50 1. 1.000000e+00"],
  ["%.3v %6.2v|", [1.23456, 1234.5], "1.23 1.2e+03|"],
  ["%8.2f|%-8.2f|%08.2f", [-1.23456, -1.23456, -1.23456], "   -1.23|-1.23   |-0001.23"],
  ["%+.1e % f %+f", [12345, 1.5, 1.5], "+1.2e+04  1.500000 +1.500000"],
  ["%v %5v|%05v|%f %+v % v", [NaN, Infinity, Infinity, -Infinity, NaN, NaN], "NaN  +Inf| +Inf|-Inf NaN  NaN"],
  ["%e %.0e %g", [0, 5, 0], "0.000000e+00 5e+00 0"],
  ["%#v %+v", [1.5, 1.5], "1.5 1.5"],
  ["%.*f", [2, 1.23456], "1.23"],
  ["%s %v %#v", ["héllo", "str", "str"], 'héllo str "str"'],
  ["%q", ['a"b\n\t\\'], '"a\\"b\\n\\t\\\\"'],
  ["%+q %#q %#q", ["héllo", "abc", "a`b"], '"h\\u00e9llo" `abc` "a`b"'],
  ["%q", ["\x7f\u00ad\u2028😀é\x01"], '"\\x7f\\u00ad\\u2028😀é\\x01"'],
  ["%x % x %# X %#x", ["hé", "abc", "abc", "abc"], "68c3a9 61 62 63 0X61 0X62 0X63 0x616263"],
  ["%.2s|%5.1s|%-5s|%05s|%10q|", ["héllo", "abc", "ab", "ab", "é"], 'hé|    a|ab   |000ab|       "é"|'],
  ["%x|%5x|%.1x", ["", "", "ab"], "|     |61"],
  ["%d", ["12"], "%!d(string=12)"],
  ["%v %5t|%-6v|", [true, false, true], "true false|true  |"],
  ["%d", [true], "%!d(bool=true)"],
  ["%v %d %5v|", [null, null, null], "<nil> %!d(<nil>) <nil>|"],
  ["%v %d", [[1, 2, 3], ["a"]], "[1 2 3] [%!d(string=a)]"],
  [
    "%q %s",
    [
      ["a", "b"],
      ["a", "b"],
    ],
    '["a" "b"] [a b]',
  ],
  ["%v %d", [[null, 1], [null]], "[<nil> 1] [<nil>]"],
  [
    "%3d|%x",
    [
      [1, 2],
      [255, 16],
    ],
    "[  1   2]|[ff 10]",
  ],
  ["%v", [[new Error("e1"), 2.5]], "[e1 2.5]"],
  ["%v", [[[1, 2], [3]]], "[[1 2] [3]]"],
  [
    "%v",
    [
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    ],
    "map[a:1 b:2]",
  ],
  ["%d", [1, [1], new Map([["a", 1]])], "1%!(EXTRA []int=[1], map[string]int=map[a:1])"],
  [
    "%s|%q|%x|%10v|%-6s|",
    [new Error("boom"), new Error("boom"), new Error("boom"), new Error("boom"), new Error("boom")],
    'boom|"boom"|626f6f6d|      boom|boom  |',
  ],
  ["%v %q %s", [stringer, stringer, stringer], 'str! "str!" str!'],
  ["%*d|%-*d|%*d|", [5, 3, 5, 3, -5, 3], "    3|3    |3    |"],
  ["%*d", ["x", 3], "%!(BADWIDTH)3"],
  ["%.*d", [-1, 3], "%!(BADPREC)3"],
  ["%*d", [10000000, 3], "%!(BADWIDTH)3"],
  ["%.*s", [2, "abc"], "ab"],
  ["%*d", [], "%!(BADWIDTH)%!d(MISSING)"],
  ["%-010d|", [3], "3         |"],
  ["%[2]d %[1]d", [1, 2], "2 1"],
  ["%[3]d", [1, 2], "%!d(BADINDEX)"],
  ["%[1]d %d", [1, 2], "1 2"],
  ["%[2]*[1]d|", [12, 2], "12|"],
  ["%[1]d", [1, 2], "1"],
  ["%[x]d %[0]d %[]d", [1], "%!d(BADINDEX) %!d(BADINDEX) %!d(BADINDEX)"],
  ["%[1]", [1], "%!(NOVERB)"],
  ["%[2]5d", [1, 2], "%!d(BADINDEX)"],
  ["%[1].[2]d", [1, 2], "%!d(BADINDEX)"],
  ["%.[2]d|", [1, 2], "2|"],
  ["%[2]d %d", [1, 2], "2 %!d(MISSING)"],
  ["%% %5% %-+ #0d", [3], "% % +3"],
  ["%!", [], "%!!(MISSING)"],
  ["%é %ŝ", [1], "%!é(int=1) %!ŝ(MISSING)"],
  ["%.", [], "%!.(MISSING)"],
  ["%.d", [3], "3"],
  ["%12345678901d", [3], "%!(NOVERB)%!(EXTRA int=3)"],
  ["%T %T %T %T %T", [1, "s", 1.5, null, true], "int string float64 <nil> bool"],
  [
    "%T %T %T %T",
    [[1], [1, "a"], new Map([["a", 1]]), [["a"]]],
    "[]int []interface {} map[string]int [][]string",
  ],
];

/** The rows `sprintf` gets wrong, with what it gave. */
const wrong = (rows: [string, unknown[], string][]) =>
  rows
    .map(([format, args, want]) => ({
      call: `sprintf(${JSON.stringify(format)}, ${inspect(args)})`,
      want,
      got: sprintf(format, ...args),
    }))
    .filter((r) => r.got !== r.want);

test("formats as Go's fmt.Sprintf", () => {
  assert.deepEqual(wrong(fromGo), []);
});

// Where JS values have no Go counterpart, or Go's answer would surprise a JS caller.
const jsOnly: [format: string, args: unknown[], want: string][] = [
  // %s prints any value as %v (Go: %!s(int=3), %!s(<nil>))
  ["%s %s %s %s %s", [3, 1.5, true, null, undefined], "3 1.5 true <nil> <nil>"],
  ["%s", [[1, null]], "[1 <nil>]"],
  // float verbs take integers, which JS cannot tell from floats (Go: %!f(int=3))
  ["%.2f %e %g", [3, 5n, 1e6], "3.00 5.000000e+00 1e+06"],
  // ints: integral numbers up to Go's int64 range, and bigints of any size
  ["%v %v %d", [1e18, 1e20, 2n ** 70n], "1000000000000000000 1e+20 1180591620717411303424"],
  ["%d", [-0], "0"],
  // objects: their JSON, util.inspect for what JSON cannot hold
  ["%v", [{ a: 1, b: [2, "x"] }], '{"a":1,"b":[2,"x"]}'],
  ["%q", [{ a: "b" }], '"{\\"a\\":\\"b\\"}"'],
  ["%v", [{ n: 1n }], "{ n: 1n }"],
  [
    "%v",
    [
      (() => {
        const o: { self?: unknown } = {};
        o.self = o;
        return o;
      })(),
    ],
    "<ref *1> { self: [Circular *1] }",
  ],
  ["%v", [Object.create(null)], "{}"],
  // an Error is its message, never its stack; the type names are JS's
  ["%v|%+v|%#v", [new TypeError("bad"), new TypeError("bad"), new TypeError("bad")], 'bad|bad|"bad"'],
  ["%d %T", [new RangeError("r"), new RangeError("r")], "%!d(RangeError=r) RangeError"],
  ["%d", [1, new Error("e"), stringer, { a: 1 }], '1%!(EXTRA Error=e, Stringer=str!, Object={"a":1})'],
  // Sets and typed arrays are slices; a Map keeps its insertion order (Go sorts keys)
  ["%v %v %x", [new Set(["a", "b"]), new Uint8Array([1, 2]), Buffer.from("hi")], "[a b] [1 2] [68 69]"],
  [
    "%v %T",
    [
      new Map([
        ["b", 1],
        ["a", 2],
      ]),
      new Map<string, unknown>([
        ["a", 1],
        ["b", "x"],
      ]),
    ],
    "map[b:1 a:2] map[string]interface {}",
  ],
  // Stringers: Dates, URLs, class instances with toString
  ["%v %s", [new URL("https://example.com/a"), stringer], "https://example.com/a str!"],
  // functions and symbols: util.inspect (String() of a function is its source)
  ["%v %v %T", [function reconcile() {}, Symbol("s"), Symbol("s")], "[Function: reconcile] Symbol(s) symbol"],
  // a tie rounds up (JS's toFixed), where Go rounds it to even: "0 2 2 0.2 0.3"
  ["%.0f %.0f %.0f %.1f", [0.5, 1.5, 2.5, 0.25], "1 2 3 0.3"],
  // %#v quotes strings, in slices too, but writes no Go syntax: []interface {}{1, "a", interface {}(nil)}
  ["%#v %#v", [[1, "a", null], new Map([["k", "v"]])], '[1 "a" <nil>] map["k":"v"]'],
  // Go's %x of a float is a hex float; left out
  ["%x", [1.5], "%!x(float64=1.5)"],
  // lone surrogates are U+FFFD, as their UTF-8 encoding is
  ["%q %x", ["\ud800", "\ud800"], '"\ufffd" efbfbd'],
];

test("maps JS values to Go's view of them, and is lenient where JS has no Go type", () => {
  assert.deepEqual(wrong(jsOnly), []);
});
