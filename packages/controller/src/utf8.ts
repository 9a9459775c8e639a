// The API server measures strings in bytes of UTF-8 (Go's len): an event's note, a field manager.

/** The longest prefix of `s` that is at most `maxBytes` in UTF-8, never splitting a code point. */
export function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    // a lone surrogate counts 3, as the U+FFFD it is sent as
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes > maxBytes) return s.slice(0, end);
    end += c.length;
  }
  return s;
}
