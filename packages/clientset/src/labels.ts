// Label selectors (apimachinery's labels package): the API server's syntax ("app=web,tier!=db,
// env in (a,b),!canary,track,replicas>2"), parsed and validated as the server does it (its messages,
// word for word), matched against an object's labels. The fake clientset answers labelSelector with
// it, and informers' listers select with it.

// The parser words a key's and a value's errors as object validation does (lengths in bytes).
import { isQualifiedName, isValidLabelValue } from "./validation.js";

/** A selector the API server would reject (400 BadRequest with this message). */
export class SelectorError extends Error {
  override name = "SelectorError";
}

/** A requirement's operator: "exists" is a bare key, "!" a negated one, ">" and "<" compare integers. */
export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";

/** One requirement of a selector (client-go's labels.Requirement). */
export interface Requirement {
  key: string;
  operator: Operator;
  values: readonly string[];
}

/** A parsed label selector (client-go's labels.Selector); an empty one matches everything. */
export interface Selector {
  readonly requirements: readonly Requirement[];
  /** True when the selector has no requirement (client-go's Empty()). */
  readonly empty: boolean;
  /** True when the labels satisfy every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The selector in the API server's syntax. */
  toString(): string;
}

function matchOne(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? labels![r.key]! : undefined;
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(v!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v!);
    case "exists":
      return has;
    case "!":
      return !has;
    case ">":
    case "<": {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      const want = Number(r.values[0]);
      return r.operator === ">" ? n > want : n < want;
    }
  }
}

function format(r: Requirement): string {
  switch (r.operator) {
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

function selectorOf(requirements: readonly Requirement[]): Selector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => matchOne(r, labels)),
    toString: () => requirements.map(format).join(","),
  };
}

/** The selector that matches everything (client-go's labels.Everything()). */
export function everything(): Selector {
  return selectorOf([]);
}

/** A selector requiring every label of `set` (client-go's labels.SelectorFromSet). */
export function selectorFromSet(set: Readonly<Record<string, string>>): Selector {
  return selectorOf(Object.entries(set).map(([key, v]) => ({ key, operator: "=", values: [v] })));
}

/** A field.Error's text: `path: Invalid value: "v": detail` (the path of the parser is nil). */
function invalid(path: string, value: string, errs: string[]): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${errs.join("; ")}`;
}

/** An aggregate of errors as Go's utilerrors prints it: one alone, several in brackets. */
function aggregate(errs: string[]): string {
  const seen = [...new Set(errs)];
  return seen.length === 1 ? seen[0]! : `[${seen.join(", ")}]`;
}

/** strconv.ParseInt(v, 10, 64) succeeds. */
function isInt64(v: string): boolean {
  if (!/^[+-]?\d+$/.test(v)) return false;
  const n = BigInt(v);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

// --- the lexer and parser of apimachinery's labels package ---

type Kind = "id" | "end" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<" | "in" | "notin";

interface Token {
  kind: Kind;
  lit: string;
}

const symbols = new Set(["=", "!", "(", ")", ",", ">", "<"]);
const symbolTokens = new Set(["(", ")", ",", "!", "=", "==", "!=", ">", "<"]);
const whitespace = new Set([" ", "\t", "\r", "\n"]);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && whitespace.has(s[i]!)) i++;
    // A NUL ends the input, as the lexer reads it as the end of the string.
    if (i >= s.length || s[i] === "\u0000") break;
    if (symbols.has(s[i]!)) {
      // The longest run of symbols that is a token ("!=", "=="), one character otherwise.
      let buf = "";
      let last = "";
      while (i < s.length && symbols.has(s[i]!)) {
        buf += s[i];
        if (symbolTokens.has(buf)) last = buf;
        else if (last !== "") break;
        i++;
      }
      out.push({ kind: last as Kind, lit: last });
    } else {
      let j = i;
      while (j < s.length && s[j] !== "\u0000" && !symbols.has(s[j]!) && !whitespace.has(s[j]!)) j++;
      const lit = s.slice(i, j);
      out.push({ kind: lit === "in" || lit === "notin" ? lit : "id", lit });
      i = j;
    }
  }
  out.push({ kind: "end", lit: "" });
  return out;
}

class Parser {
  #toks: Token[];
  #p = 0;

  constructor(s: string) {
    this.#toks = tokenize(s);
  }

  /** The next token; in the values context `in` and `notin` are identifiers. */
  #peek(values = true): Token {
    const t = this.#toks[this.#p]!;
    return values && (t.kind === "in" || t.kind === "notin") ? { kind: "id", lit: t.lit } : t;
  }

  #next(values = true): Token {
    const t = this.#peek(values);
    if (this.#p < this.#toks.length - 1) this.#p++;
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.kind === "end") return reqs;
      if (t.kind !== "id" && t.kind !== "!")
        throw new SelectorError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.#requirement());
      } catch (err) {
        if (err instanceof SelectorError)
          throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const sep = this.#next();
      if (sep.kind === "end") return reqs;
      if (sep.kind !== ",") throw new SelectorError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.#peek();
      if (after.kind !== "id" && after.kind !== "!")
        throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  #requirement(): Requirement {
    let t = this.#next();
    const negated = t.kind === "!";
    if (negated) t = this.#next();
    if (t.kind !== "id") throw new SelectorError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const errs = isQualifiedName(key);
    if (errs.length > 0) throw new SelectorError(invalid("<nil>", key, errs));
    if (negated) return { key, operator: "!", values: [] };
    const after = this.#peek();
    if (after.kind === "end" || after.kind === ",") return { key, operator: "exists", values: [] };
    const opTok = this.#next(false);
    let op: Operator;
    switch (opTok.kind) {
      case "in":
      case "notin":
      case "!=":
      case ">":
      case "<":
        op = opTok.kind;
        break;
      case "=":
      case "==":
        op = "=";
        break;
      default:
        throw new SelectorError(`found '${opTok.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    // The values are a set: sorted, each once (the paths below index the sorted list).
    const set = op === "in" || op === "notin" ? this.#setValues() : [this.#exactValue()];
    const values = [...new Set(set)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const problems: string[] = [];
    if (op === ">" || op === "<")
      values.forEach((v, i) => {
        if (!isInt64(v))
          problems.push(
            `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
      });
    values.forEach((v, i) => {
      const e = isValidLabelValue(v);
      if (e.length > 0) problems.push(invalid(`values[${i}][${key}]`, v, e));
    });
    if (problems.length > 0) throw new SelectorError(aggregate(problems));
    return { key, operator: op, values };
  }

  #exactValue(): string {
    const t = this.#peek();
    if (t.kind === "end" || t.kind === ",") return "";
    this.#next();
    if (t.kind === "id") return t.lit;
    throw new SelectorError(`found '${t.lit}', expected: identifier`);
  }

  #setValues(): string[] {
    const open = this.#next();
    if (open.kind !== "(") throw new SelectorError(`found '${open.lit}' expected: '('`);
    const t = this.#peek();
    if (t.kind === ")") {
      this.#next();
      return [""];
    }
    if (t.kind !== "id" && t.kind !== ",")
      throw new SelectorError(`found '${t.lit}', expected: ',', ')' or identifier`);
    const out: string[] = [];
    for (;;) {
      const v = this.#next();
      if (v.kind === "id") {
        out.push(v.lit);
        const after = this.#peek();
        if (after.kind === ")") break;
        if (after.kind !== ",") throw new SelectorError(`found '${after.lit}', expected: ',' or ')'`);
      } else if (v.kind === ",") {
        // "(,", ",)" and ",," stand for the empty value.
        if (out.length === 0) out.push("");
        const after = this.#peek();
        if (after.kind === ")") {
          out.push("");
          break;
        }
        if (after.kind === ",") {
          this.#next();
          out.push("");
        }
      } else throw new SelectorError(`found '${v.lit}', expected: ',', or identifier`);
    }
    const close = this.#next();
    if (close.kind !== ")") throw new SelectorError(`found '${close.lit}', expected: ')'`);
    return out;
  }
}

/**
 * Parses a label selector (client-go's labels.Parse); "" or undefined selects everything. Throws a
 * SelectorError with the API server's message, word for word, for what the server would refuse.
 */
export function parseSelector(selector: string | undefined): Selector {
  return selectorOf(new Parser(selector ?? "").parse());
}
