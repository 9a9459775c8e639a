// A WebSocket client connection (RFC 6455) over a socket that transport.ts upgraded: masked frames out,
// the server's messages in, handed on piece by piece as they arrive (never reassembled), ping answered,
// close handshake. Reading follows the consumer:
// `pause()` stops reading the socket (TCP backpressure reaches the server), `resume()` continues.

import { randomFillSync } from "node:crypto";
import type { Socket } from "node:net";
import { endianness } from "node:os";
import type { Duplex } from "node:stream";

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Why a connection ended: the peer's close code and reason, or the error that broke it. */
export interface WebSocketClose {
  /** 1000 normal, 1005 none given, 1006 ended without a close frame. */
  code: number;
  reason: string;
  /** Set when a socket error or a protocol violation ended it. */
  error?: Error;
}

export interface WebSocketHandlers {
  /**
   * The bytes of the server's messages, in order, as they arrive: a message comes in one or more
   * pieces (its frames, and frames split across the socket's reads), never joined or copied here.
   * `first` is set on each message's first non-empty piece, where a channel protocol reads its channel
   * byte; empty pieces are not delivered. Pieces are views of the socket's chunks, which are never reused.
   */
  data(piece: Buffer, first: boolean): void;
  /** The connection ended (once). */
  close(info: WebSocketClose): void;
}

/** A mask key per frame, drawn from a pooled random buffer. */
let pool = Buffer.alloc(0);
let poolOffset = 0;
function maskKey(): Buffer {
  if (poolOffset + 4 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(4096));
    poolOffset = 0;
  }
  const key = pool.subarray(poolOffset, poolOffset + 4);
  poolOffset += 4;
  return key;
}

/** The header length of a client frame with `len` payload bytes (mask key included). */
function headLength(len: number): number {
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4;
}

/**
 * Writes one frame, client to server, into `frame` (headLength(len) + len bytes): FIN set, masked.
 * `prefix` (a channel byte) and `parts` are the `len` payload bytes, copied once into the frame.
 */
function writeFrame(
  frame: Buffer,
  len: number,
  opcode: number,
  parts: readonly Uint8Array[],
  prefix?: number,
): void {
  const head = headLength(len) - 4;
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  const key = maskKey();
  key.copy(frame, head);
  let o = head + 4;
  if (prefix !== undefined) frame[o++] = prefix;
  for (const p of parts) {
    frame.set(p, o);
    o += p.length;
  }
  mask(frame, head + 4, key);
}

function payloadLength(parts: readonly Uint8Array[], prefix?: number): number {
  let len = prefix === undefined ? 0 : 1;
  for (const p of parts) len += p.length;
  return len;
}

/** One frame in a buffer of its own. */
function encodeFrame(opcode: number, parts: readonly Uint8Array[], prefix?: number): Buffer {
  const len = payloadLength(parts, prefix);
  const frame = Buffer.allocUnsafe(headLength(len) + len);
  writeFrame(frame, len, opcode, parts, prefix);
  return frame;
}

// Bulk data (port-forward, stdin) goes out in frames of tens of KiB: their buffers are reused once
// the socket has written them, instead of one new allocation (and later a GC) per frame. The free
// list is shared by every connection and bounded, so idle connections hold nothing.
const SLAB = 256 * 1024 + 16;
const MIN_SLAB_FRAME = 16 * 1024;
const MAX_FREE_SLABS = 8;
const slabs: ArrayBuffer[] = [];

const littleEndian = endianness() === "LE";

/**
 * XORs buf[start..] with the 4-byte key, 32-bit words four at a time where it can (signed words: the
 * XOR stays a small integer, never a heap number).
 */
function mask(buf: Buffer, start: number, key: Buffer): void {
  const n = buf.length;
  let i = start;
  if (littleEndian) {
    while (i < n && ((buf.byteOffset + i) & 3) !== 0) {
      buf[i]! ^= key[(i - start) & 3]!;
      i++;
    }
    const words = (n - i) >>> 2;
    if (words > 0) {
      const s = (i - start) & 3;
      const w = key[s]! | (key[(s + 1) & 3]! << 8) | (key[(s + 2) & 3]! << 16) | (key[(s + 3) & 3]! << 24);
      const view = new Int32Array(buf.buffer, buf.byteOffset + i, words);
      let k = 0;
      for (const end = words - 3; k < end; k += 4) {
        view[k]! ^= w;
        view[k + 1]! ^= w;
        view[k + 2]! ^= w;
        view[k + 3]! ^= w;
      }
      for (; k < words; k++) view[k]! ^= w;
      i += words * 4;
    }
  }
  for (; i < n; i++) buf[i]! ^= key[(i - start) & 3]!;
}

/**
 * Keeps `socket` reading after a write the peer refused (EPIPE, ECONNRESET): Node destroys a socket on
 * a write error, and with it what the peer sent before its reset, still unread in the kernel. The API
 * server does that to an exec whose command exited without reading all of its stdin: it sends the exit
 * status and closes with stdin unread, so the connection is reset. Go's reader goroutine reads on, and
 * kubectl gets the status; here the write error goes to `onRefused`, and reading goes on until the
 * peer's close reaches the read side.
 */
function readOnAfterRefusedWrites(socket: Duplex, onRefused: (err: Error) => void): void {
  const guard =
    (cb: (err?: Error | null) => void) =>
    (err?: Error | null): void => {
      const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
      if (err && (code === "EPIPE" || code === "ECONNRESET")) {
        onRefused(err);
        cb();
      } else cb(err);
    };
  const write = socket._write;
  socket._write = function (this: Duplex, chunk, encoding, cb) {
    write.call(this, chunk, encoding, guard(cb));
  };
  const writev = socket._writev;
  if (writev) {
    socket._writev = function (this: Duplex, chunks, cb) {
      writev.call(this, chunks, guard(cb));
    };
  }
}

/** A client WebSocket over an upgraded socket (the handshake was done by transport.ts). */
export class WebSocketConnection {
  /** The subprotocol the server chose (Sec-WebSocket-Protocol), "" when none. */
  readonly protocol: string;
  readonly #socket: Duplex;
  readonly #handlers: WebSocketHandlers;
  /** The frame header being read (at most 10 bytes: server frames are not masked). */
  readonly #head = Buffer.allocUnsafe(10);
  #headHave = 0;
  #headNeed = 2;
  /** Reading a frame's payload (else its header): its opcode, FIN bit and bytes still to come. */
  #inPayload = false;
  #opcode = 0;
  #fin = false;
  #left = 0;
  /** A control frame's payload (at most 125 bytes), whole before it is acted on. */
  #control: Buffer[] = [];
  /** A data message has begun and its final frame has not come; its next non-empty piece is its first. */
  #inMessage = false;
  #first = false;
  #closed = false;
  #closeSent = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #drain: Promise<void> | undefined;
  /** The first write the peer refused: nothing more is sent, and what it sent is still read. */
  #refused: Error | undefined;
  readonly #idleMs: number;

  constructor(socket: Duplex, protocol: string, head: Buffer, handlers: WebSocketHandlers, idleMs = 0) {
    this.protocol = protocol;
    this.#socket = socket;
    this.#handlers = handlers;
    this.#idleMs = idleMs;
    (socket as Partial<Socket>).setNoDelay?.(true);
    readOnAfterRefusedWrites(socket, (err) => this.#onRefused(err));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err: Error) => this.#end({ code: 1006, reason: "", error: err }));
    socket.on("close", () => this.#end({ code: 1006, reason: "" }));
    socket.on("end", () => this.#end({ code: 1006, reason: "" }));
    this.#touch();
    if (head.length > 0) queueMicrotask(() => this.#onData(head));
    socket.resume(); // an upgraded socket comes paused
  }

  /** Whether the connection still carries messages. */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * Sends one binary message: `prefix` (a channel byte) then `parts`. Returns false when the socket's
   * buffer is full (wait for `drained()`); a closed connection drops the message.
   */
  send(parts: readonly Uint8Array[], prefix?: number): boolean {
    if (this.#closed || this.#closeSent || this.#refused) return false;
    this.#touch();
    const len = payloadLength(parts, prefix);
    const size = headLength(len) + len;
    if (size < MIN_SLAB_FRAME || size > SLAB)
      return this.#socket.write(encodeFrame(OP_BINARY, parts, prefix));
    const slab = slabs.pop() ?? new ArrayBuffer(SLAB);
    const frame = Buffer.from(slab, 0, size);
    writeFrame(frame, len, OP_BINARY, parts, prefix);
    // The callback runs once the socket is done with the bytes (written, or dropped as it closed).
    return this.#socket.write(frame, () => {
      if (slabs.length < MAX_FREE_SLABS) slabs.push(slab);
    });
  }

  /** Resolves when the socket can take more data (at once when it can now, or when it closed). */
  drained(): Promise<void> {
    if (this.#closed || !this.#socket.writableNeedDrain) return Promise.resolve();
    // One wait per full buffer, shared by every writer (many streams share one socket).
    this.#drain ??= new Promise<void>((resolve) => {
      const done = () => {
        this.#socket.off("drain", done);
        this.#socket.off("close", done);
        this.#drain = undefined;
        resolve();
      };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
    return this.#drain;
  }

  /** Stops reading the socket until resume(). */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Starts the close handshake; the socket ends when the server answers (or after 2 s). */
  close(code = 1000, reason = ""): void {
    if (this.#closed) return;
    if (!this.#closeSent) {
      this.#closeSent = true;
      const r = Buffer.from(reason, "utf8");
      const payload = Buffer.allocUnsafe(2 + r.length);
      payload.writeUInt16BE(code, 0);
      r.copy(payload, 2);
      this.#socket.write(encodeFrame(OP_CLOSE, [payload]));
      setTimeout(() => this.destroy(), 2000).unref();
    }
  }

  /** Ends the connection at once, without the close handshake. */
  destroy(error?: Error): void {
    this.#end({ code: 1006, reason: "", ...(error ? { error } : {}) });
    this.#socket.destroy();
  }

  #touch(): void {
    if (this.#idleMs <= 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.destroy(new Error(`the stream was idle for ${this.#idleMs} ms (idleTimeoutMs)`));
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  #onRefused(err: Error): void {
    if (this.#closed || this.#refused) return;
    this.#refused = err;
    // The peer's close follows its reset at once; one that sends nothing more is given 2 s.
    setTimeout(() => this.destroy(err), 2000).unref();
  }

  #end(info: WebSocketClose): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    // After a refused write, that error is why a connection ended without a close frame.
    if (this.#refused && info.code === 1006) info = { ...info, error: this.#refused };
    this.#handlers.close(info);
  }

  #onData(chunk: Buffer): void {
    this.#touch();
    const n = chunk.length;
    let o = 0;
    while (o < n && !this.#closed) {
      if (!this.#inPayload) {
        o = this.#readHead(chunk, o);
        if (this.#inPayload && this.#left === 0) this.#endFrame();
        continue;
      }
      const k = Math.min(this.#left, n - o);
      const piece = k === n ? chunk : chunk.subarray(o, o + k);
      o += k;
      this.#left -= k;
      if (this.#opcode >= OP_CLOSE) this.#control.push(piece);
      else {
        const first = this.#first;
        this.#first = false;
        this.#handlers.data(piece, first);
      }
      if (this.#left === 0 && !this.#closed) this.#endFrame();
    }
  }

  /** Reads header bytes from chunk[o..]; starts the frame once the header is whole. Returns the new offset. */
  #readHead(chunk: Buffer, o: number): number {
    const h = this.#head;
    while (o < chunk.length) {
      h[this.#headHave++] = chunk[o++]!;
      if (this.#headHave === 2) {
        if ((h[1]! & 0x80) !== 0) {
          this.destroy(new Error("the server sent a masked WebSocket frame, which RFC 6455 forbids"));
          return chunk.length;
        }
        const len = h[1]! & 0x7f;
        this.#headNeed = len === 126 ? 4 : len === 127 ? 10 : 2;
      }
      if (this.#headHave >= 2 && this.#headHave === this.#headNeed) {
        this.#startFrame();
        return o;
      }
    }
    return o;
  }

  #startFrame(): void {
    const h = this.#head;
    const fin = (h[0]! & 0x80) !== 0;
    const opcode = h[0]! & 0x0f;
    let len = h[1]! & 0x7f;
    if (len === 126) len = h.readUInt16BE(2);
    else if (len === 127) len = h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
    this.#headHave = 0;
    this.#headNeed = 2;
    let problem: string | undefined;
    if (opcode >= OP_CLOSE) {
      if (opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG)
        problem = `unknown opcode ${opcode}`;
      else if (!fin || len > 125)
        problem = `a control frame (opcode ${opcode}) that is fragmented or over 125 bytes`;
    } else if (opcode === OP_CONTINUATION) {
      if (!this.#inMessage) problem = "a continuation frame outside a message";
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.#inMessage) problem = "a new message before the previous one's final frame";
      this.#inMessage = true;
      this.#first = true;
    } else problem = `unknown opcode ${opcode}`;
    if (problem) {
      this.destroy(new Error(`the server sent a WebSocket frame with ${problem}`));
      return;
    }
    this.#opcode = opcode;
    this.#fin = fin;
    this.#left = len;
    this.#inPayload = true;
  }

  #endFrame(): void {
    this.#inPayload = false;
    if (this.#opcode < OP_CLOSE) {
      if (this.#fin) this.#inMessage = false;
      return;
    }
    const parts = this.#control;
    this.#control = [];
    this.#onControl(this.#opcode, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #onControl(opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        if (!this.#closeSent) this.#socket.write(encodeFrame(OP_PONG, [payload]));
        return;
      case OP_PONG:
        return;
      default: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
        if (!this.#closeSent) {
          this.#closeSent = true;
          this.#socket.write(encodeFrame(OP_CLOSE, payload.length >= 2 ? [payload.subarray(0, 2)] : []));
        }
        this.#end({ code, reason });
        this.#socket.end();
      }
    }
  }
}
