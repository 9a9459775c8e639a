// A minimal SPDY/3.1 client session over a WebSocket, for port-forward through the API server's
// tunnel (subprotocol "SPDY/3.1+portforward.k8s.io": the WebSocket's binary messages carry the SPDY
// byte stream to the kubelet, which is what kubectl speaks since 1.31). It opens streams (SYN_STREAM
// with zlib-compressed headers), waits for their SYN_REPLY, sends and receives DATA frames with FIN
// (half-close), resets streams, answers PING and ends on GOAWAY. No flow control: the kubelet's
// SPDY library (spdystream) neither sends nor honours WINDOW_UPDATE.
import { constants, createDeflate, type Deflate } from "node:zlib";
import type { WebSocketConnection } from "@org/rest";

/** SPDY/3's zlib dictionary for header blocks (a constant of the protocol). */
const DICTIONARY = Buffer.from(
  "AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2Vw" +
    "dC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UA" +
    "AAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNl" +
    "AAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxv" +
    "Y2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAA" +
    "AAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAAN" +
    "aWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9j" +
    "YXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXph" +
    "dGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRy" +
    "YW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3" +
    "dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8x" +
    "LjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1" +
    "MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0" +
    "NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0" +
    "MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2Vy" +
    "dmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBK" +
    "dW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwg" +
    "R01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxp" +
    "Y2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRl" +
    "ZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==",
  "base64",
);

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
/** RST_STREAM status CANCEL. */
const CANCEL = 5;
/** The largest DATA frame sent. */
const MAX_DATA = 1 << 20;

/** One SPDY stream: data arrives through `onData`, `onEnd` (the peer's FIN) and `onReset`. */
export interface SpdyStream {
  readonly id: number;
  onData?: (data: Buffer) => void;
  onEnd?: () => void;
  /** RST_STREAM from the server (its status), or the session's end (-1, with its error if any). */
  onReset?: (status: number, err?: Error) => void;
  /** Sends data (frames of at most 1 MiB); false when the socket's buffer is full. */
  write(data: Buffer | readonly Buffer[]): boolean;
  /** Half-closes: an empty DATA frame with FIN. */
  end(): void;
  /** RST_STREAM (CANCEL). */
  reset(): void;
}

interface StreamState {
  stream: SpdyStream;
  replied: (err?: Error) => void;
  localClosed: boolean;
  remoteClosed: boolean;
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.allocUnsafe(8);
  h.writeUInt16BE(0x8003, 0); // control bit, version 3
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([h, body]);
}

function dataHeader(id: number, flags: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(8);
  h.writeUInt32BE(id & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return h;
}

/** The header block of SYN_STREAM: count, then length-prefixed lowercase names and values. */
function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.allocUnsafe(4);
  n.writeUInt32BE(Object.keys(headers).length, 0);
  parts.push(n);
  for (const [k, v] of Object.entries(headers)) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, "utf8");
      const l = Buffer.allocUnsafe(4);
      l.writeUInt32BE(b.length, 0);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

/** A SPDY client session on an open WebSocket whose messages carry the SPDY bytes. */
export class SpdySession {
  readonly #conn: WebSocketConnection;
  readonly #streams = new Map<number, StreamState>();
  readonly #deflate: Deflate;
  #compressing: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #chunks: Buffer[] = [];
  #size = 0;
  /** The DATA frame whose body is arriving: its stream, its flags and the body bytes still to come. */
  #dataId = 0;
  #dataFlags = 0;
  #dataLeft = 0;
  #closed: Error | undefined;

  constructor(conn: WebSocketConnection) {
    this.#conn = conn;
    this.#deflate = createDeflate({ dictionary: DICTIONARY, level: constants.Z_BEST_COMPRESSION });
  }

  /**
   * Feeds bytes the WebSocket delivered (any split). A DATA frame's body is handed on piece by piece
   * as it arrives (views of the WebSocket's messages, never copied); control frames once complete.
   */
  receive(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    for (;;) {
      if (this.#dataLeft > 0) {
        const id = this.#dataId;
        while (this.#dataLeft > 0 && this.#size > 0) {
          const piece = this.#take(Math.min(this.#dataLeft, this.#chunks[0]!.length), false);
          this.#dataLeft -= piece.length;
          this.#streams.get(id)?.stream.onData?.(piece);
        }
        if (this.#dataLeft > 0) return;
        this.#dataEnd(id, this.#dataFlags);
        continue;
      }
      if (this.#size < 8) return;
      const head = this.#take(8, true);
      const len = head.readUInt32BE(4) & 0xffffff;
      if ((head[0]! & 0x80) === 0) {
        this.#take(8, false);
        this.#dataId = head.readUInt32BE(0) & 0x7fffffff;
        this.#dataFlags = head[4]!;
        this.#dataLeft = len;
        if (len === 0) this.#dataEnd(this.#dataId, this.#dataFlags);
        continue;
      }
      if (this.#size < 8 + len) return;
      const frame = this.#take(8 + len, false);
      this.#control(frame.subarray(0, 8), frame.subarray(8));
    }
  }

  /** The first `n` buffered bytes (copied only when they span chunks); `peek` leaves them buffered. */
  #take(n: number, peek: boolean): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      out = Buffer.allocUnsafe(n);
      let o = 0;
      for (const c of this.#chunks) {
        const k = Math.min(c.length, n - o);
        c.copy(out, o, 0, k);
        o += k;
        if (o === n) break;
      }
    }
    if (peek) return out;
    let left = n;
    while (left > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= left) {
        this.#chunks.shift();
        left -= c.length;
      } else {
        this.#chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.#size -= n;
    return out;
  }

  /** The connection ended (with `err` when it broke): every open stream ends. */
  closed(err?: Error): void {
    if (this.#closed) return;
    const why = err ?? new Error("the SPDY session ended");
    this.#closed = why;
    this.#deflate.close();
    for (const s of this.#streams.values()) {
      s.replied(why);
      s.stream.onReset?.(-1, err);
    }
    this.#streams.clear();
  }

  /** Opens a stream with `headers`; resolves once the server replied (SYN_REPLY). */
  async open(headers: Record<string, string>): Promise<SpdyStream> {
    if (this.#closed) throw this.#closed;
    const id = this.#nextId;
    this.#nextId += 2;
    const block = await this.#compress(headerBlock(headers));
    const body = Buffer.allocUnsafe(10);
    body.writeUInt32BE(id, 0);
    body.writeUInt32BE(0, 4); // associated-to stream
    body.writeUInt16BE(0, 8); // priority, slot
    const conn = this.#conn;
    const sessionStreams = this.#streams;
    const state: StreamState = {
      stream: {
        id,
        write(data) {
          // Chunks written together go out as one DATA frame (one WebSocket frame) of up to 1 MiB.
          const chunks = Buffer.isBuffer(data) ? [data] : data;
          let ok = true;
          let parts: Buffer[] = [];
          let size = 0;
          const flush = () => {
            ok = conn.send([dataHeader(id, 0, size), ...parts]);
            parts = [];
            size = 0;
          };
          for (const c of chunks) {
            for (let o = 0; o < c.length; ) {
              const k = Math.min(c.length - o, MAX_DATA - size);
              parts.push(k === c.length ? c : c.subarray(o, o + k));
              size += k;
              o += k;
              if (size === MAX_DATA) flush();
            }
          }
          if (size > 0) flush();
          return ok;
        },
        end() {
          if (state.localClosed) return;
          state.localClosed = true;
          conn.send([dataHeader(id, FLAG_FIN, 0)]);
          if (state.remoteClosed) sessionStreams.delete(id);
        },
        reset() {
          if (!sessionStreams.has(id)) return;
          sessionStreams.delete(id);
          const b = Buffer.allocUnsafe(8);
          b.writeUInt32BE(id, 0);
          b.writeUInt32BE(CANCEL, 4);
          conn.send([controlFrame(RST_STREAM, 0, b)]);
        },
      },
      replied: () => {},
      localClosed: false,
      remoteClosed: false,
    };
    const reply = new Promise<void>((resolve, reject) => {
      state.replied = (err) => (err ? reject(err) : resolve());
    });
    this.#streams.set(id, state);
    this.#conn.send([controlFrame(SYN_STREAM, 0, Buffer.concat([body, block]))]);
    await reply;
    return state.stream;
  }

  /** Compresses one header block in the session's single zlib stream (blocks in order). */
  #compress(raw: Buffer): Promise<Buffer> {
    const run = this.#compressing.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const out: Buffer[] = [];
          const onData = (b: Buffer) => out.push(b);
          this.#deflate.on("data", onData);
          this.#deflate.write(raw);
          this.#deflate.flush(constants.Z_SYNC_FLUSH, () => {
            this.#deflate.off("data", onData);
            if (this.#closed) reject(this.#closed);
            else resolve(Buffer.concat(out));
          });
        }),
    );
    this.#compressing = run.catch(() => {});
    return run;
  }

  /** A DATA frame's body has all arrived: with FIN, the stream's remote side is done. */
  #dataEnd(id: number, flags: number): void {
    const s = this.#streams.get(id);
    if (!s || !(flags & FLAG_FIN)) return;
    s.remoteClosed = true;
    if (s.localClosed) this.#streams.delete(id);
    s.stream.onEnd?.();
  }

  #control(head: Buffer, body: Buffer): void {
    const flags = head[4]!;
    const type = head.readUInt16BE(2);
    switch (type) {
      case SYN_REPLY: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const s = this.#streams.get(id);
        s?.replied();
        if (s && flags & FLAG_FIN) {
          s.remoteClosed = true;
          s.stream.onEnd?.();
        }
        return;
      }
      case RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const s = this.#streams.get(id);
        if (!s) return;
        this.#streams.delete(id);
        const status = body.readUInt32BE(4);
        s.replied(new Error(`the server reset stream ${id} (status ${status})`));
        s.stream.onReset?.(status);
        return;
      }
      case PING:
        this.#conn.send([controlFrame(PING, 0, Buffer.from(body))]);
        return;
      case GOAWAY:
        this.closed(new Error("the server ended the SPDY session (GOAWAY)"));
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, a SYN_STREAM of the server's: nothing to do
        return;
    }
  }
}
