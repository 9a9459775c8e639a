// Label selectors for listers (k8s.io/apimachinery/pkg/labels): the API server's string syntax
// ("app=web,tier!=db,env in (a,b),!canary,track"), parsed once, matched against an object's labels.

/** One requirement of a selector. */
export interface Requirement {
  key: string;
  operator: "=" | "!=" | "in" | "notin" | "exists" | "!";
  values: readonly string[];
}

/** A parsed label selector (client-go's labels.Selector). */
export interface Selector {
  readonly requirements: readonly Requirement[];
  /** True when the labels satisfy every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The selector in the API server's syntax. */
  toString(): string;
}

/** Thrown for a selector string that does not parse; names the selector and the position. */
export class SelectorError extends Error {
  override name = "SelectorError";
}

function matchOne(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const v = has ? labels![r.key]! : undefined;
  switch (r.operator) {
    case "=":
      return has && v === r.values[0];
    case "!=":
      return !has || v !== r.values[0];
    case "in":
      return has && r.values.includes(v!);
    case "notin":
      return !has || !r.values.includes(v!);
    case "exists":
      return has;
    case "!":
      return !has;
  }
}

function format(r: Requirement): string {
  switch (r.operator) {
    case "=":
    case "!=":
      return `${r.key}${r.operator}${r.values[0]}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
  }
}

function selector(requirements: Requirement[]): Selector {
  return {
    requirements,
    matches: (labels) => requirements.every((r) => matchOne(r, labels)),
    toString: () => requirements.map(format).join(","),
  };
}

/** The selector that matches everything (client-go's labels.Everything()). */
export function everything(): Selector {
  return selector([]);
}

/** A selector requiring every label of `set` (client-go's labels.SelectorFromSet). */
export function selectorFromSet(set: Readonly<Record<string, string>>): Selector {
  return selector(Object.entries(set).map(([key, v]) => ({ key, operator: "=", values: [v] })));
}

const token = /\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)/y;

/** Parses the API server's selector syntax (client-go's labels.Parse). "" selects everything. */
export function parseSelector(text: string): Selector {
  const toks: string[] = [];
  token.lastIndex = 0;
  const src = text.trim();
  while (token.lastIndex < src.length) {
    const m = token.exec(src);
    if (m === null) throw new SelectorError(`label selector ${JSON.stringify(text)}: cannot parse`);
    toks.push(m[1]!);
  }
  let i = 0;
  const fail = (what: string): never => {
    throw new SelectorError(
      `label selector ${JSON.stringify(text)}: ${what} at token ${i + 1}${toks[i] !== undefined ? ` (${JSON.stringify(toks[i])})` : " (end)"}`,
    );
  };
  const word = (): string => {
    const t = toks[i];
    if (t === undefined || /^(!=|==|=|\(|\)|,|!)$/.test(t)) return fail("expected a label key or value");
    i++;
    return t;
  };
  const reqs: Requirement[] = [];
  while (i < toks.length) {
    if (toks[i] === "!") {
      i++;
      reqs.push({ key: word(), operator: "!", values: [] });
    } else {
      const key = word();
      const op = toks[i];
      if (op === undefined || op === ",") reqs.push({ key, operator: "exists", values: [] });
      else if (op === "=" || op === "==" || op === "!=") {
        i++;
        // An empty value ("app=") is allowed.
        const t = toks[i];
        const value = t === undefined || t === "," ? "" : word();
        reqs.push({ key, operator: op === "!=" ? "!=" : "=", values: [value] });
      } else if (op === "in" || op === "notin") {
        i++;
        if (toks[i] !== "(") fail(`expected "(" after ${op}`);
        i++;
        const values: string[] = [];
        while (toks[i] !== ")") {
          values.push(word());
          if (toks[i] === ",") i++;
          else if (toks[i] !== ")") fail('expected "," or ")"');
        }
        i++;
        reqs.push({ key, operator: op, values });
      } else fail("expected an operator (=, ==, !=, in, notin)");
    }
    if (i < toks.length) {
      if (toks[i] !== ",") fail('expected ","');
      i++;
    }
  }
  return selector(reqs);
}

/** A Selector from a string, a label set or a Selector (what listers accept). */
export function toSelector(s: string | Selector | Readonly<Record<string, string>> | undefined): Selector {
  if (s === undefined) return everything();
  if (typeof s === "string") return parseSelector(s);
  if (typeof (s as Selector).matches === "function" && Array.isArray((s as Selector).requirements))
    return s as Selector;
  return selectorFromSet(s as Record<string, string>);
}
