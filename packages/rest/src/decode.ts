// Decoding a JSON response body of any size. A body up to `incrementalDecodeBytes` is one string and
// one JSON.parse (the fast path). A larger one (a list of many big objects can exceed the longest
// string V8 can make, 512 MiB) is decoded as it arrives: a byte scanner splits the root object's
// array members (a list's `items`) into one slice per element, each parsed on its own, and parses
// the rest of the object (kind, apiVersion, metadata) as one small document. Chunks are let go of as
// soon as they are scanned, so memory holds the decoded objects plus at most one element's bytes.
// Below that size the fast path is kept on purpose: decoding a 63 MB list of 10,000 pods item by item
// as it arrived (from 1 MiB on, to overlap parse and transfer) took 1.2× the CPU of one JSON.parse
// alone and 1.3× in an informer's LIST, and was slower in wall time too on a loaded 2-core machine
// (issue 14, P8).

import { constants } from "node:buffer";
import { DecodeError } from "./errors.js";

/** Bodies above this many bytes are decoded element by element instead of as one string. */
export const incrementalDecodeBytes = 64 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** JSON whitespace: space, LF, CR, tab (a byte, or a UTF-16 code: the same numbers). */
export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function concat(parts: Buffer[], n: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** Where a decode failed, for its DecodeError: "GET <url>" and the URL. */
export interface BodyLabel {
  what: string;
  url: string;
}

/**
 * The bytes of one value being collected across chunks (a key, an element, the skeleton; a watch
 * event's line): slices of the chunks, joined and decoded once when the value is complete.
 */
export class Collector {
  parts: Buffer[] = [];
  bytes = 0;
  /** Where the value starts in the current chunk; -1 when it is not being collected. */
  start = -1;

  begin(at: number): void {
    this.parts = [];
    this.bytes = 0;
    this.start = at;
  }
  /** Collects again from `at`, after what was taken so far. */
  resume(at: number): void {
    this.start = at;
  }
  /** Takes the current chunk's part up to `end` (exclusive). */
  take(chunk: Buffer, end: number): void {
    if (this.start < 0) return;
    if (end > this.start) {
      this.parts.push(chunk.subarray(this.start, end));
      this.bytes += end - this.start;
    }
    this.start = -1;
  }
  text(): string {
    const s = concat(this.parts, this.bytes).toString("utf8");
    this.parts = [];
    this.bytes = 0;
    return s;
  }
}

/** One array member of the root object whose elements are decoded one by one. */
interface StreamedArray {
  key: string;
  items: unknown[];
}

/**
 * The incremental decoder: feed it chunks with push(), then finish(). Every byte outside the root
 * object's array members (the "skeleton": `{"kind":..,"metadata":{..},"items":[]}`) is kept and parsed
 * at the end; every element of those arrays is parsed as soon as it is complete.
 */
export class IncrementalJSONDecoder {
  readonly #label: BodyLabel;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** In the root object: what comes next. */
  #expect: "key" | "colon" | "value" | "comma" | "none" = "none";
  readonly #key = new Collector();
  #lastKey = "";
  /** Inside an array member of the root object (its elements are at depth 2). */
  #array: StreamedArray | undefined;
  readonly #arrays: StreamedArray[] = [];
  readonly #item = new Collector();
  readonly #skeleton = new Collector();
  #bytes = 0;

  constructor(label: BodyLabel) {
    this.#label = label;
    this.#skeleton.begin(0);
  }

  #fail(what: string, cause?: unknown): DecodeError {
    return new DecodeError(
      `${this.#label.what}: the response is not valid JSON (${what})`,
      this.#label.url,
      cause,
    );
  }

  #endItem(chunk: Buffer, end: number): void {
    this.#item.take(chunk, end);
    const text = this.#item.text();
    try {
      this.#array!.items.push(JSON.parse(text));
    } catch (err) {
      throw this.#fail(
        `element ${this.#array!.items.length} of "${this.#array!.key}": ${(err as Error).message}`,
        err,
      );
    }
  }

  /** Scans one chunk; complete elements are decoded now. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    this.#bytes += n;
    let i = 0;
    if (this.#skeleton.start === -2) this.#skeleton.start = 0;
    if (this.#item.start === -2) this.#item.start = 0;
    if (this.#key.start === -2) this.#key.start = 0;
    while (i < n) {
      if (this.#inString) {
        if (this.#escaped) {
          this.#escaped = false;
          i++;
          continue;
        }
        const q = chunk.indexOf(QUOTE, i);
        if (q < 0) {
          let k = n;
          while (k > i && chunk[k - 1] === BACKSLASH) k--;
          this.#escaped = (n - k) % 2 === 1;
          i = n;
          break;
        }
        let k = q;
        while (k > i && chunk[k - 1] === BACKSLASH) k--;
        i = q + 1;
        if ((q - k) % 2 === 1) continue; // an escaped quote
        this.#inString = false;
        if (this.#key.start >= 0) {
          this.#key.take(chunk, i);
          try {
            this.#lastKey = JSON.parse(this.#key.text()) as string;
          } catch (err) {
            throw this.#fail(`a key of the root object: ${(err as Error).message}`, err);
          }
        }
        continue;
      }
      const b = chunk[i]!;
      if (isSpace(b)) {
        i++;
        continue;
      }
      const depth = this.#depth;
      if (this.#array && depth === 2 && this.#item.start < 0 && b !== COMMA && b !== RBRACKET) {
        this.#item.begin(i);
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          if (depth === 1 && this.#expect === "key") {
            this.#key.begin(i);
            this.#expect = "colon";
          } else if (depth === 1 && this.#expect === "value") this.#expect = "comma";
          break;
        case LBRACE:
        case LBRACKET:
          if (depth === 0) this.#expect = b === LBRACE ? "key" : "none";
          else if (depth === 1 && this.#expect === "value") {
            this.#expect = "comma";
            if (b === LBRACKET) {
              this.#skeleton.take(chunk, i + 1);
              this.#array = { key: this.#lastKey, items: [] };
              this.#arrays.push(this.#array);
            }
          }
          this.#depth++;
          break;
        case RBRACE:
        case RBRACKET:
          this.#depth--;
          if (this.#depth < 0) throw this.#fail(`unexpected ${String.fromCharCode(b)}`);
          if (this.#array && this.#depth === 1) {
            if (b !== RBRACKET) throw this.#fail(`"${this.#array.key}" ends with }`);
            if (this.#item.start >= 0 || this.#item.parts.length > 0) this.#endItem(chunk, i);
            this.#array = undefined;
            this.#skeleton.resume(i);
          }
          break;
        case COMMA:
          if (this.#array && depth === 2) this.#endItem(chunk, i);
          else if (depth === 1) this.#expect = "key";
          break;
        case COLON:
          if (depth === 1 && this.#expect === "colon") this.#expect = "value";
          break;
        default:
          if (depth === 1 && this.#expect === "value") this.#expect = "comma";
      }
      i++;
    }
    // What is being collected continues in the next chunk (start -2: "from its first byte").
    for (const c of [this.#skeleton, this.#item, this.#key]) {
      if (c.start >= 0) {
        c.take(chunk, n);
        c.start = -2;
      }
    }
    if (this.#skeleton.bytes > constants.MAX_STRING_LENGTH) {
      throw new DecodeError(
        `${this.#label.what}: the response (over ${Math.floor(this.#bytes / 2 ** 20)} MiB) is too large to decode and is not a list (no top-level array to decode item by item); ask for less (limit and continue, listAll)`,
        this.#label.url,
      );
    }
  }

  /** The decoded document, once every chunk was pushed. */
  finish(): unknown {
    if (this.#depth !== 0 || this.#inString) throw this.#fail("the body ends in the middle of a value");
    let root: unknown;
    const skeleton = this.#skeleton.text();
    try {
      // a UTF-8 byte order mark is skipped, as undici's body.text() does
      root = JSON.parse(skeleton.charCodeAt(0) === 0xfeff ? skeleton.slice(1) : skeleton);
    } catch (err) {
      throw this.#fail((err as Error).message, err);
    }
    for (const a of this.#arrays) {
      Object.defineProperty(root, a.key, {
        value: a.items,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return root;
  }
}

/**
 * Decodes a JSON body: one JSON.parse when it is at most `incrementalDecodeBytes`, else element by
 * element (IncrementalJSONDecoder). An empty body is undefined. Throws a DecodeError naming `label`.
 */
export async function decodeJSONBody(chunks: AsyncIterable<Uint8Array>, label: BodyLabel): Promise<unknown> {
  const head: Buffer[] = [];
  let n = 0;
  let decoder: IncrementalJSONDecoder | undefined;
  for await (const c of chunks) {
    const chunk = c as Buffer;
    if (decoder) {
      decoder.push(chunk);
      continue;
    }
    head.push(chunk);
    n += chunk.length;
    if (n > incrementalDecodeBytes) {
      decoder = new IncrementalJSONDecoder(label);
      for (const h of head.splice(0)) decoder.push(h);
    }
  }
  if (decoder) return decoder.finish();
  if (n === 0) return undefined; // e.g. a DELETE answered with an empty body
  const body = concat(head, n);
  // A UTF-8 byte order mark is skipped, as undici's body.text() does.
  const start = n > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  try {
    return JSON.parse(body.toString("utf8", start));
  } catch (err) {
    throw new DecodeError(
      `${label.what}: the response is not valid JSON (${(err as Error).message})`,
      label.url,
      err,
    );
  }
}
