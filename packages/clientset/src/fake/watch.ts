// One watch of the fake server: an unbounded queue of events that the store fills synchronously and
// the consumer (the RestInterface adapter or the HTTPS server) drains; closing it unsubscribes.

/** A raw watch event as the server sends it (ERROR carries a Status). */
export interface RawEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: unknown;
}

/** The events of one watch, in commit order; `close()` ends it and unsubscribes. */
export class WatchStream implements AsyncIterable<RawEvent> {
  readonly #queue: RawEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #onClose: (() => void)[] = [];

  get closed(): boolean {
    return this.#closed;
  }

  push(ev: RawEvent): void {
    if (this.#closed) return;
    this.#queue.push(ev);
    this.#wake?.();
  }

  /** Ends the stream after the queued events; runs the close hooks once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#onClose.splice(0)) f();
    this.#wake?.();
  }

  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RawEvent> {
    try {
      for (;;) {
        while (this.#queue.length > 0) yield this.#queue.shift()!;
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      this.close();
    }
  }
}
