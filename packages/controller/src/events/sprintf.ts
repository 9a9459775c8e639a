// Go's fmt.Sprintf rules for event notes: client-go's Eventf formats every note with fmt.Sprintf, so
// a note written for client-go ("Resource %q already exists", "sync failed: %v" with an error) reads
// the same here. JS values are given the Go type they stand for (see goType); numbers use JS's own
// digit generation (toFixed, toExponential: exact, but a tie rounds up where Go rounds to even).
import { inspect } from "node:util";

/** Flags, width and precision of one directive. */
interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v: strings quoted. */
  sharpV?: boolean;
  width?: number | undefined;
  prec?: number | undefined;
}

/**
 * Formats `format` with `args` by Go's fmt.Sprintf rules: verbs %v %+v %#v %s %q %d %t %x %X %o %O %b
 * %c %U %e %E %f %F %g %G %T %%, the flags `-+# 0`, width and precision (`*` too), argument indexes
 * (`%[2]d`), and Go's reports of what does not fit (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA int=3)`,
 * `%!(NOVERB)`, `%!d(BADINDEX)`). Lenient where JS has one type for Go's many: `%s` prints any value as
 * `%v`, and the float verbs take integral numbers.
 */
export function sprintf(format: string, ...args: unknown[]): string {
  const n = format.length;
  let out = "";
  let next = 0; // the argument the next directive takes
  let reordered = false; // an explicit index was used: unused arguments are not reported
  let good = true; // the directive's indexes are valid
  let i = 0;
  /** An explicit `[n]` at i: moves `next` to argument n-1. Returns whether one was there and parsed. */
  const argIndex = (): boolean => {
    if (format[i] !== "[") return false;
    reordered = true;
    const close = format.indexOf("]", i);
    const text = close < 0 ? "" : format.slice(i + 1, close);
    i = close < 0 ? i + 1 : close + 1;
    const k = /^\d{1,7}$/.test(text) ? Number(text) : 0;
    if (k >= 1 && k <= args.length) next = k - 1;
    else good = false;
    return /^\d{1,7}$/.test(text);
  };
  /** A `*`: an integer argument, else undefined. */
  const star = (): number | undefined => {
    i++;
    if (next >= args.length) return undefined;
    const a = args[next++];
    return isInt(a) && Math.abs(a) <= 1e6 ? a : undefined;
  };
  /** Digits at i; undefined when none; Infinity when over Go's limit (1e6). */
  const number = (): number | undefined => {
    const m = /^\d+/.exec(format.slice(i, i + 9));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]) > 1e6 ? Number.POSITIVE_INFINITY : Number(m[0]);
  };
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (let c = format[i]; c !== undefined && "-+# 0".includes(c); c = format[++i]) {
      if (c === "-") spec.minus = true;
      else if (c === "+") spec.plus = true;
      else if (c === "#") spec.sharp = true;
      else if (c === " ") spec.space = true;
      else spec.zero = true;
    }
    good = true;
    let afterIndex = argIndex();
    if (format[i] === "*") {
      const w = star();
      if (w === undefined) out += "%!(BADWIDTH)";
      else {
        spec.width = Math.abs(w);
        if (w < 0) spec.minus = true;
      }
      afterIndex = false;
    } else {
      const w = number();
      if (w === Number.POSITIVE_INFINITY) {
        out += "%!(NOVERB)"; // Go gives up on the rest of the format
        break;
      }
      spec.width = w;
      if (afterIndex && w !== undefined) good = false; // "%[2]5d"
    }
    if (format[i] === "." && i + 1 < n) {
      i++;
      if (afterIndex) good = false; // "%[1].2d"
      afterIndex = argIndex();
      if (format[i] === "*") {
        const p = star();
        if (p === undefined || p < 0) out += "%!(BADPREC)";
        else spec.prec = p;
        afterIndex = false;
      } else {
        const p = number();
        if (p === Number.POSITIVE_INFINITY) {
          out += "%!(NOVERB)";
          break;
        }
        spec.prec = p ?? 0;
      }
    }
    if (!afterIndex) argIndex();
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") out += "%";
    else if (!good) out += `%!${verb}(BADINDEX)`;
    else if (next >= args.length) out += `%!${verb}(MISSING)`;
    else {
      // With %v, `+` and `#` ask for Go's struct-field and Go-syntax forms, not a sign or a prefix: a
      // number prints as with %v alone, a string quoted with %#v.
      if (verb === "v") Object.assign(spec, { plus: false, sharp: false, sharpV: spec.sharp });
      out += formatArg(args[next++], verb, spec);
    }
  }
  if (!reordered && next < args.length) {
    const extra = args
      .slice(next)
      .map((a) => (a == null ? "<nil>" : `${goType(a)}=${formatArg(a, "v", plain)}`));
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}

const plain: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };

/** One argument under one verb, padded to the spec's width. */
function formatArg(a: unknown, verb: string, spec: Spec): string {
  if (verb === "T") return formatString(a == null ? "<nil>" : goType(a), "s", spec)!;
  if (a == null) return verb === "v" || verb === "s" ? pad("<nil>", spec, false) : `%!${verb}(<nil>)`;
  if (Array.isArray(a) || a instanceof Set || ArrayBuffer.isView(a)) {
    // a nil element is <nil> whatever the verb, as in Go
    const items = [...(a as Iterable<unknown>)].map((x) => (x == null ? "<nil>" : formatArg(x, verb, spec)));
    return `[${items.join(" ")}]`;
  }
  if (a instanceof Map) {
    const items = [...a].map(([k, v]) => `${formatArg(k, verb, spec)}:${formatArg(v, verb, spec)}`);
    return `map[${items.join(" ")}]`;
  }
  const s = formatScalar(a, verb, spec);
  // Go prints the value of a wrong verb as %v, with the directive's flags, width and precision
  return s ?? `%!${verb}(${goType(a)}=${formatArg(a, "v", spec)})`;
}

/** A number, bigint, boolean or string (an object as its text); undefined: the verb does not apply. */
function formatScalar(a: unknown, verb: string, spec: Spec): string | undefined {
  if (typeof a === "bigint" || isInt(a)) return formatInt(BigInt(a as number | bigint), verb, spec);
  if (typeof a === "number") return formatFloat(a, verb, spec);
  if (typeof a === "boolean")
    return verb === "v" || verb === "t" || verb === "s" ? pad(String(a), spec, false) : undefined;
  return formatString(textOf(a), verb, spec);
}

/** What Go's fmt would print for a value with a method: an Error's Error(), a Stringer's String(). */
function textOf(a: unknown): string {
  if (typeof a === "string") return a;
  if (a instanceof Error) return a.message;
  if (typeof a === "object" && a !== null) {
    try {
      const own = typeof a.toString === "function" && a.toString !== Object.prototype.toString;
      const text = own ? String(a) : JSON.stringify(a);
      if (text !== undefined) return text;
    } catch {
      // a cycle or a bigint in JSON, a toString that throws: inspect below
    }
  }
  return inspect(a, { breakLength: Number.POSITIVE_INFINITY });
}

/** Integral numbers in Go's int64 range stand for ints; the rest for float64s. */
const isInt = (a: unknown): a is number =>
  typeof a === "number" && Number.isInteger(a) && Math.abs(a) < 2 ** 63;

/** The Go type a JS value stands for, as Go's fmt names it in its reports and %T. */
function goType(a: unknown): string {
  if (typeof a === "bigint" || isInt(a)) return "int";
  if (typeof a === "number") return "float64";
  if (typeof a === "boolean") return "bool";
  if (typeof a === "string") return "string";
  if (Array.isArray(a) || a instanceof Set) return `[]${commonType([...(a as Iterable<unknown>)])}`;
  if (ArrayBuffer.isView(a)) return "[]uint8";
  if (a instanceof Map) return `map[${commonType([...a.keys()])}]${commonType([...a.values()])}`;
  if (typeof a === "object" && a !== null) return a.constructor?.name || "Object";
  return typeof a;
}

function commonType(items: unknown[]): string {
  const types = new Set(items.map((x) => (x == null ? "interface {}" : goType(x))));
  return types.size === 1 ? [...types][0]! : "interface {}";
}

/** Pads to the width: spaces on the left (right with `-`), or zeros after the sign with `0`. */
function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  if (s.length >= 2 * w) return s; // wide enough whatever its surrogate pairs
  const n = w - [...s].length; // Go counts characters
  if (n <= 0) return s;
  if (spec.minus) return s + " ".repeat(n);
  if (!spec.zero) return " ".repeat(n) + s;
  const head = numeric && /^[-+ ]/.test(s) ? s[0]! : "";
  return head + "0".repeat(n) + s.slice(head.length);
}

function sign(negative: boolean, spec: Spec): string {
  return negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
}

const bases: Record<string, [base: number, prefix: string]> = {
  d: [10, ""],
  v: [10, ""],
  s: [10, ""],
  x: [16, "0x"],
  X: [16, "0X"],
  o: [8, "0"],
  O: [8, "0o"],
  b: [2, "0b"],
};

function formatInt(n: bigint, verb: string, spec: Spec): string | undefined {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  if (verb === "c") return pad(rune(n), spec, false);
  if (verb === "q") return pad(`'${escapeChar(rune(n), "'", spec.plus)}'`, spec, false);
  if (verb === "U") {
    // a negative number as the unsigned 64-bit one it is in Go
    const u = `U+${(neg ? n + 2n ** 64n : n)
      .toString(16)
      .toUpperCase()
      .padStart(Math.max(4, spec.prec ?? 0), "0")}`;
    return pad(
      spec.sharp && rune(n) !== "\ufffd" && printable(rune(n)) ? `${u} '${rune(n)}'` : u,
      spec,
      false,
    );
  }
  if ("eEfFgG".includes(verb)) return formatFloat(Number(n), verb, spec);
  const b = bases[verb];
  if (b === undefined) return undefined;
  let digits = abs.toString(b[0]);
  if (verb === "X") digits = digits.toUpperCase();
  // zero with precision 0 is no digits and no sign, as in Go
  if (spec.prec === 0 && abs === 0n) return pad("", { ...spec, zero: false }, false);
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, "0");
  const prefix =
    verb === "O" || (spec.sharp && b[1] !== "" && !(verb === "o" && digits.startsWith("0"))) ? b[1] : "";
  const head = sign(neg, spec);
  // Go zero-pads the digits alone (a prefix comes on top), and not at all with a precision
  if (spec.zero && !spec.minus && spec.prec === undefined && spec.width !== undefined)
    digits = digits.padStart(spec.width - head.length, "0");
  return pad(head + prefix + digits, { ...spec, zero: false }, false);
}

/** The character of a code point; an invalid one is U+FFFD, as in Go. */
function rune(cp: bigint): string {
  return cp >= 0n && cp <= 0x10ffffn && !(cp >= 0xd800n && cp <= 0xdfffn)
    ? String.fromCodePoint(Number(cp))
    : "\ufffd";
}

function formatFloat(x: number, verb: string, spec: Spec): string | undefined {
  if (!"vseEfFgG".includes(verb)) return undefined;
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let body: string;
  if (!Number.isFinite(abs)) body = Number.isNaN(abs) ? "NaN" : "Inf";
  else if (verb === "e" || verb === "E") body = exponential(abs, spec.prec ?? 6, spec.sharp);
  else if (verb === "f" || verb === "F") body = fixed(abs, spec.prec ?? 6, spec.sharp);
  else body = general(abs, spec.prec, spec.sharp);
  if ((verb === "E" || verb === "G") && Number.isFinite(x)) body = body.toUpperCase();
  // Go writes +Inf with its sign always, NaN with none unless asked, and pads neither with zeros
  const head = Number.isNaN(x)
    ? sign(false, spec)
    : body === "Inf" && !neg
      ? spec.space && !spec.plus
        ? " "
        : "+"
      : sign(neg, spec);
  return pad(head + body, { ...spec, zero: spec.zero && Number.isFinite(x) }, true);
}

/** d.ddde±XX: Go writes at least two exponent digits. */
function exponential(x: number, prec: number, sharp: boolean): string {
  const [m, e] = x.toExponential(Math.min(prec, 100)).split("e") as [string, string];
  const point = sharp && !m.includes(".") ? "." : "";
  return `${m}${point}e${e[0]}${e.slice(1).padStart(2, "0")}`;
}

function fixed(x: number, prec: number, sharp: boolean): string {
  const p = Math.min(prec, 100);
  // toFixed switches to exponents from 1e21; such a double is an integer
  const s = x < 1e21 ? x.toFixed(p) : `${BigInt(x)}${p > 0 ? `.${"0".repeat(p)}` : ""}`;
  return sharp && !s.includes(".") ? `${s}.` : s;
}

/**
 * %g and %v: the shortest digits that read back as `x` (or `prec` significant ones), as an exponent
 * when it is below -4 or at least the precision (6 for the shortest form, as Go decides).
 */
function general(x: number, prec: number | undefined, sharp: boolean): string {
  const digits = prec === undefined ? undefined : Math.min(Math.max(prec, 1), 100);
  const [m, e] = (digits === undefined ? x.toExponential() : x.toExponential(digits - 1)).split("e") as [
    string,
    string,
  ];
  const exp = Number(e);
  let d = m.replace(".", "");
  if (sharp) d = d.padEnd(digits ?? 6, "0");
  else d = d.replace(/(?<=.)0+$/, "");
  if (exp < -4 || exp >= (digits ?? 6)) {
    const mant = d.length > 1 || sharp ? `${d[0]}.${d.slice(1)}` : d;
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}${d}`;
  const int = d.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = d.slice(exp + 1);
  return frac || sharp ? `${int}.${frac}` : int;
}

function formatString(s: string, verb: string, spec: Spec): string | undefined {
  const cut = spec.prec === undefined ? s : [...s].slice(0, spec.prec).join("");
  if (verb === "v" || verb === "s") return pad(spec.sharpV ? quote(cut, spec) : cut, spec, false);
  if (verb === "q") return pad(quote(cut, spec), spec, false);
  if (verb === "x" || verb === "X") {
    // the precision counts bytes here, not characters
    let bytes = [...Buffer.from(s, "utf8").subarray(0, spec.prec)].map((b) =>
      b.toString(16).padStart(2, "0"),
    );
    if (verb === "X") bytes = bytes.map((b) => b.toUpperCase());
    const prefix = spec.sharp ? (verb === "x" ? "0x" : "0X") : "";
    const hex = spec.space ? bytes.map((b) => prefix + b).join(" ") : prefix + bytes.join("");
    return pad(bytes.length === 0 ? "" : hex, spec, false);
  }
  return undefined;
}

/** Go's double-quoted string (`%+q`: ASCII only), or back-quoted with `%#q` when it can be. */
function quote(s: string, spec: Spec): string {
  if (spec.sharp && !s.includes("`") && ![...s].some((c) => !printable(c) && c !== "\t")) return `\`${s}\``;
  let out = "";
  for (const c of s) out += escapeChar(c, '"', spec.plus);
  return `"${out}"`;
}

const escapes: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
};

/** One character inside Go quotes `q`. */
function escapeChar(c: string, q: string, asciiOnly: boolean): string {
  if (c === q) return `\\${q}`;
  const named = escapes[c];
  if (named) return named;
  const cp = c.codePointAt(0)!;
  if (printable(c) && (!asciiOnly || cp < 0x80)) return c;
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return asciiOnly ? "\\ufffd" : "\ufffd";
  return cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printable = (c: string): boolean => c === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c);
