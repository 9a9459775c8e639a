// For unit tests: a RestInterface that records every RequestSpec and answers from a handler, so a
// test sees exactly the request a client builds (rendered by @org/rest's own buildRequest).
import {
  buildRequest,
  type RequestDescription,
  type RequestSpec,
  type Watch,
  type WatchEvent,
} from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";

export type Answer = (spec: RequestSpec) => unknown;

export class RecordingRest implements RestInterface {
  readonly calls: RequestSpec[] = [];
  answer: Answer;
  watchEvents: WatchEvent<unknown>[] = [];
  stops = 0;

  constructor(answer: Answer = () => ({})) {
    this.answer = answer;
  }

  /** The request a real RESTClient would send for call `i` (default: the last). */
  sent(i = this.calls.length - 1): RequestDescription {
    const spec = this.calls[i];
    if (spec === undefined) throw new Error(`no call ${i}; ${this.calls.length} recorded`);
    return buildRequest({ host: "https://k8s.test:6443" }, spec);
  }

  /** Path and query of call `i`. */
  url(i = this.calls.length - 1): string {
    return this.sent(i).url.slice("https://k8s.test:6443".length);
  }

  async request<T = unknown>(spec: RequestSpec): Promise<T> {
    this.calls.push(spec);
    return (await this.answer(spec)) as T;
  }

  async requestText(spec: RequestSpec): Promise<string> {
    this.calls.push(spec);
    return String(await this.answer(spec));
  }

  async requestStream(spec: RequestSpec): Promise<AsyncIterable<Uint8Array>> {
    this.calls.push(spec);
    return (await this.answer(spec)) as AsyncIterable<Uint8Array>;
  }

  watch<T = unknown>(spec: RequestSpec): Watch<T> {
    this.calls.push(spec);
    const events = this.watchEvents as WatchEvent<T>[];
    let stopped = false;
    return {
      stop: () => {
        stopped = true;
        this.stops++;
      },
      async *[Symbol.asyncIterator]() {
        for (const ev of events) {
          if (stopped) return;
          yield ev;
        }
      },
    };
  }
}
