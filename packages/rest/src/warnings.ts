// `Warning` response headers (RFC 7234: `299 - "message"`), as the API server sends for deprecated
// APIs and field validation. client-go hands them to a WarningHandler; our default prints each
// distinct message once to stderr.

/** The warn-text of every code-299 warning in one header value. */
export function parseWarnings(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === " " || value[i] === "," || value[i] === "\t")) i++;
    if (i >= n) break;
    const codeStart = i;
    while (i < n && value[i] !== " ") i++;
    const code = value.slice(codeStart, i);
    if (!/^\d{3}$/.test(code)) {
      // Not a warning: skip this element.
      i = value.indexOf(",", codeStart);
      if (i < 0) break;
      continue;
    }
    while (i < n && value[i] === " ") i++;
    while (i < n && value[i] !== " ") i++; // warn-agent
    while (i < n && value[i] === " ") i++;
    if (value[i] !== '"') {
      // Not a well-formed warning: skip to the next comma.
      while (i < n && value[i] !== ",") i++;
      continue;
    }
    i++;
    let text = "";
    while (i < n && value[i] !== '"') {
      if (value[i] === "\\" && i + 1 < n) i++;
      text += value[i];
      i++;
    }
    i++; // closing quote
    // Optional warn-date.
    while (i < n && value[i] === " ") i++;
    if (value[i] === '"') {
      i++;
      while (i < n && value[i] !== '"') i++;
      i++;
    }
    if (code === "299" && text) out.push(text);
  }
  return out;
}

const seen = new Set<string>();

/** Prints each distinct warning once per process, to stderr. */
export function defaultWarningHandler(message: string): void {
  if (seen.has(message)) return;
  seen.add(message);
  process.stderr.write(`Warning: ${message}\n`);
}
