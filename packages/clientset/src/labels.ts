// Label selectors (apimachinery's labels package): the API server's syntax ("app=web,tier!=db,
// env in (a,b),!canary,track,replicas>2"), parsed and validated as the server does it (its messages,
// word for word), matched against an object's labels. The fake clientset answers labelSelector with
// it, and informers' listers select with it.

import {
  dns1123SubdomainMessage,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelValueMessage,
  qualifiedNamePartMessage,
} from "./validation.js";

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

function validateKey(key: string): void {
  const parts = key.split("/");
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0 || isDNS1123Subdomain(prefix).length > 0) {
      throw new SelectorError(`unable to parse requirement: prefix part ${dns1123SubdomainMessage}`);
    }
  } else if (parts.length > 2) {
    throw new SelectorError(
      `unable to parse requirement: values[0][${key}]: Invalid value: "${key}": a qualified name ${qualifiedNamePartMessage} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
  }
  const name = parts[parts.length - 1]!;
  if (isQualifiedName(name).length > 0) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${key}": name part ${qualifiedNamePartMessage}`,
    );
  }
}

function validateValue(v: string): void {
  if (isValidLabelValue(v).length > 0) {
    throw new SelectorError(
      `unable to parse requirement: values[0][]: Invalid value: "${v}": ${labelValueMessage}`,
    );
  }
}

type Token =
  | { t: "id"; v: string }
  | { t: "op"; v: string }
  | { t: "(" }
  | { t: ")" }
  | { t: "," }
  | { t: "end" };

const special = new Set([" ", "\t", "\n", "\r", ",", "(", ")", "!", "=", "<", ">"]);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      out.push({ t: c } as Token);
      i++;
    } else if (c === "!" || c === "=" || c === "<" || c === ">") {
      const two = s.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        out.push({ t: "op", v: two });
        i += 2;
      } else {
        out.push({ t: "op", v: c });
        i++;
      }
    } else {
      let j = i;
      while (j < s.length && !special.has(s[j]!)) j++;
      out.push({ t: "id", v: s.slice(i, j) });
      i = j;
    }
  }
  out.push({ t: "end" });
  return out;
}

function describeToken(tok: Token): string {
  return tok.t === "id" || tok.t === "op" ? tok.v : tok.t === "end" ? "" : tok.t;
}

/**
 * Parses a label selector (client-go's labels.Parse); "" or undefined selects everything. Throws a
 * SelectorError with the API server's message for what the server would refuse.
 */
export function parseSelector(selector: string | undefined): Selector {
  const reqs: Requirement[] = [];
  const s = selector?.trim() ?? "";
  if (s !== "") {
    const toks = tokenize(s);
    let p = 0;
    const peek = () => toks[p]!;
    const next = () => toks[p++]!;
    for (;;) {
      let tok = next();
      let negated = false;
      if (tok.t === "op" && tok.v === "!") {
        negated = true;
        tok = next();
      }
      if (tok.t !== "id") {
        throw new SelectorError(
          `unable to parse requirement: found '${describeToken(tok)}', expected: !, identifier, or 'end of string'`,
        );
      }
      const key = tok.v;
      validateKey(key);
      if (negated) {
        reqs.push({ key, operator: "!", values: [] });
      } else {
        const opTok = peek();
        if (opTok.t === "," || opTok.t === "end") {
          reqs.push({ key, operator: "exists", values: [] });
        } else if (opTok.t === "id" && (opTok.v === "in" || opTok.v === "notin")) {
          next();
          if (next().t !== "(") {
            throw new SelectorError(
              `unable to parse requirement: found '${describeToken(toks[p - 1]!)}', expected: '('`,
            );
          }
          const values: string[] = [];
          for (;;) {
            const v = next();
            if (v.t === "id") {
              validateValue(v.v);
              values.push(v.v);
              const sep = next();
              if (sep.t === ")") break;
              if (sep.t !== ",") {
                throw new SelectorError(
                  `unable to parse requirement: found '${describeToken(sep)}', expected: ',' or ')'`,
                );
              }
            } else if (v.t === ")") {
              break;
            } else if (v.t === ",") {
              values.push("");
            } else {
              throw new SelectorError(
                `unable to parse requirement: found '${describeToken(v)}', expected: ',', ')' or identifier`,
              );
            }
          }
          reqs.push({ key, operator: opTok.v as Operator, values });
        } else if (opTok.t === "op" && opTok.v !== "!") {
          next();
          const op: Operator = opTok.v === "==" || opTok.v === "=" ? "=" : (opTok.v as Operator);
          const v = peek();
          let value = "";
          if (v.t === "id") {
            value = v.v;
            next();
          } else if (v.t !== "," && v.t !== "end") {
            throw new SelectorError(
              `unable to parse requirement: found '${describeToken(v)}', expected: identifier`,
            );
          }
          if (op === ">" || op === "<") {
            if (!/^-?\d+$/.test(value)) {
              throw new SelectorError(
                `unable to parse requirement: values[0]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`,
              );
            }
          } else validateValue(value);
          reqs.push({ key, operator: op, values: [value] });
        } else {
          throw new SelectorError(
            `unable to parse requirement: found '${describeToken(opTok)}', expected: in, notin, =, ==, !=, gt, lt`,
          );
        }
      }
      const sep = next();
      if (sep.t === "end") break;
      if (sep.t !== ",") {
        throw new SelectorError(`found '${describeToken(sep)}', expected: ',' or 'end of string'`);
      }
    }
  }
  return selectorOf(reqs);
}
