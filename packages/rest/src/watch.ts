// Watch stream decoding: the API server sends one JSON event per line ({"type":..,"object":..}).
// Lines may be split across chunks (and UTF-8 characters across chunk boundaries); a line that is
// not a valid event is an error, never dropped; an ERROR event becomes a StatusError.

import { DecodeError, type Status, StatusError } from "./errors.js";
import type { WatchEvent, WatchEventType } from "./options.js";

const eventTypes = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);

function decodeLine<T>(line: string, url: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new DecodeError(
      `watch ${url}: malformed event (not JSON): ${line.length > 120 ? `${line.slice(0, 120)}...` : line}`,
      url,
      err,
    );
  }
  const ev = v as { type?: unknown; object?: unknown };
  if (
    !ev ||
    typeof ev !== "object" ||
    typeof ev.type !== "string" ||
    typeof ev.object !== "object" ||
    ev.object === null
  ) {
    throw new DecodeError(`watch ${url}: malformed event (want {"type": ..., "object": {...}})`, url);
  }
  if (ev.type === "ERROR") {
    const status = ev.object as Status;
    throw new StatusError(status, "WATCH", url);
  }
  if (!eventTypes.has(ev.type))
    throw new DecodeError(`watch ${url}: unknown event type ${JSON.stringify(ev.type)}`, url);
  return { type: ev.type as WatchEventType, object: ev.object as T };
}

/** Decodes newline-delimited watch events from a byte stream. */
export async function* decodeWatchEvents<T>(
  chunks: AsyncIterable<Uint8Array>,
  url: string,
): AsyncGenerator<WatchEvent<T>> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let buf = "";
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    // Only the new text can hold the next newline: a big event split over many chunks is scanned once.
    let nl = text.indexOf("\n");
    if (nl < 0) {
      buf += text;
      continue;
    }
    nl += buf.length;
    buf += text;
    let start = 0;
    while (nl >= 0) {
      const line = buf.slice(start, nl).trim();
      start = nl + 1;
      if (line) yield decodeLine<T>(line, url);
      nl = buf.indexOf("\n", start);
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  const rest = buf.trim();
  if (rest) yield decodeLine<T>(rest, url);
}
