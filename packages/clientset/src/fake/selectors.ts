// Label and field selectors as the API server parses and matches them (apimachinery's labels.Parse
// and fields.ParseSelector): the full label-selector syntax (=, ==, !=, in, notin, exists, !exists,
// >, <) and field selectors limited to the fields the server supports for each resource.

/** A selector that the server would reject (400 BadRequest with this message). */
export class SelectorError extends Error {
  override name = "SelectorError";
}

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";

interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

/** A parsed label selector; an empty one matches everything. */
export interface LabelSelector {
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  readonly empty: boolean;
}

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateKey(key: string): void {
  const parts = key.split("/");
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0 || prefix.length > 253 || !dns1123Subdomain.test(prefix)) {
      throw new SelectorError(
        `unable to parse requirement: prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      );
    }
  } else if (parts.length > 2) {
    throw new SelectorError(
      `unable to parse requirement: values[0][${key}]: Invalid value: "${key}": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
  }
  if (name.length === 0 || name.length > 63 || !qualifiedNamePart.test(name)) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
}

function validateValue(v: string): void {
  if (v.length > 63 || !labelValue.test(v)) {
    throw new SelectorError(
      `unable to parse requirement: values[0][]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
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

/** Parses a label selector string; throws a SelectorError with the server's message when invalid. */
export function parseLabelSelector(selector: string | undefined): LabelSelector {
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
        reqs.push({ key, op: "!", values: [] });
      } else {
        const opTok = peek();
        if (opTok.t === "," || opTok.t === "end") {
          reqs.push({ key, op: "exists", values: [] });
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
          reqs.push({ key, op: opTok.v as Op, values });
        } else if (opTok.t === "op" && opTok.v !== "!") {
          next();
          const op: Op = opTok.v === "==" || opTok.v === "=" ? "=" : (opTok.v as Op);
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
          reqs.push({ key, op, values: [value] });
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
  return {
    empty: reqs.length === 0,
    matches(labels) {
      return reqs.every((r) => {
        const has = labels !== undefined && Object.hasOwn(labels, r.key);
        const v = has ? labels![r.key]! : undefined;
        switch (r.op) {
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
            return r.op === ">" ? n > want : n < want;
          }
          default:
            return false;
        }
      });
    },
  };
}

/** One `field=value` or `field!=value` term of a field selector. */
export interface FieldRequirement {
  field: string;
  value: string;
  negated: boolean;
}

/** A parsed field selector: its terms (all must hold). */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Readonly<Record<string, string>>): boolean;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescapeField(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") {
      const n = s[i + 1];
      if (n === "\\" || n === "," || n === "=") {
        out += n;
        i++;
        continue;
      }
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ""}`);
    }
    out += c;
  }
  return out;
}

/** Parses a field selector (`a=b,c!=d`, with `\,` `\=` `\\` escapes). */
export function parseFieldSelector(selector: string | undefined): FieldSelector {
  const reqs: FieldRequirement[] = [];
  const s = selector ?? "";
  if (s.trim() !== "") {
    for (const term of splitUnescaped(s, ",")) {
      if (term.trim() === "") continue;
      const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
      if (m === null) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
      reqs.push({ field: m[1]!.trim(), value: unescapeField(m[3]!), negated: m[2] === "!=" });
    }
  }
  return {
    requirements: reqs,
    matches(fields) {
      return reqs.every((r) => ((fields[r.field] ?? "") === r.value) !== r.negated);
    },
  };
}
