// Field selectors as the API server parses and matches them (apimachinery's fields.ParseSelector),
// limited to the fields the server supports for each resource. Label selectors are in ../labels.ts.
import { SelectorError } from "../labels.js";

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
      return reqs.every(
        (r) => ((Object.hasOwn(fields, r.field) ? fields[r.field] : "") === r.value) !== r.negated,
      );
    },
  };
}
