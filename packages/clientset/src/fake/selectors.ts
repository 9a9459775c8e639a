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

/** apimachinery's UnescapeValue: `\\`, `\,` and `\=` escapes; an unescaped `,` or `=` is refused. */
function unescapeValue(s: string): string {
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
      const rune = i + 1 < s.length ? String.fromCodePoint(s.codePointAt(i + 1)!) : "";
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${rune}`);
    }
    // Go prints the rune as its number (61 for "=").
    if (c === "," || c === "=")
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.charCodeAt(0)}`);
    out += c;
  }
  return out;
}

/**
 * Parses a field selector as the server does (fields.ParseSelector): the terms split at unescaped
 * commas and sorted, empty ones skipped, each cut at its first `!=`, `==` or `=`; names and values
 * are not trimmed (" metadata.name" is a field of its own).
 */
export function parseFieldSelector(selector: string | undefined): FieldSelector {
  const reqs: FieldRequirement[] = [];
  const s = selector ?? "";
  const terms = s === "" ? [] : splitUnescaped(s, ",").sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const term of terms) {
    if (term === "") continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (m === null) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
    reqs.push({ field: m[1]!, value: unescapeValue(m[3]!), negated: m[2] === "!=" });
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
