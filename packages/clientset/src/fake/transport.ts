// The fake under the runtime: an in-process RestInterface. Each RequestSpec is described exactly as
// the RESTClient would send it (rest's buildRequest: path, query, headers, body) and answered by the
// FakeServer; errors become the same StatusErrors, watches the same event iterators.
import {
  buildRequest,
  type RequestSpec,
  type RestConfig,
  StatusError,
  type Watch,
  type WatchEvent,
} from "@org/rest";
import type { RestInterface } from "../runtime/rest.js";
import type { FakeRequest, FakeResponse, FakeServer } from "./server.js";

/** The RestConfig the fake's requests are described with (never dialled). */
const fakeConfig: RestConfig = { host: "https://fake.invalid" };

function toFakeRequest(req: RequestSpec, watch: boolean): { fake: FakeRequest; url: string; method: string } {
  const desc = buildRequest(fakeConfig, watch ? { ...req, query: { ...req.query, watch: true } } : req);
  const url = new URL(desc.url);
  const header = (name: string) => {
    const k = Object.keys(desc.headers).find((h) => h.toLowerCase() === name);
    return k === undefined ? undefined : desc.headers[k];
  };
  const fake: FakeRequest = { method: desc.method, path: url.pathname, query: url.searchParams };
  if (desc.body !== undefined) fake.body = desc.body;
  const ct = header("content-type");
  if (ct !== undefined) fake.contentType = ct;
  const accept = header("accept");
  if (accept !== undefined) fake.accept = accept;
  const ua = header("user-agent");
  if (ua !== undefined) fake.userAgent = ua;
  return { fake, url: desc.url, method: desc.method };
}

/** The call's AbortSignal: on the spec itself or on the options it carries. */
function signalOf(req: RequestSpec): AbortSignal | undefined {
  const carriers = req as {
    signal?: AbortSignal;
    options?: { signal?: AbortSignal };
    deleteOptions?: { signal?: AbortSignal };
  };
  return carriers.signal ?? carriers.deleteOptions?.signal ?? carriers.options?.signal;
}

function checkSignal(req: RequestSpec): void {
  const signal = signalOf(req);
  if (signal?.aborted) throw signal.reason;
}

/** A RestInterface answered in process by a FakeServer. */
export class FakeTransport implements RestInterface {
  readonly server: FakeServer;

  constructor(server: FakeServer) {
    this.server = server;
  }

  #send(req: RequestSpec): { res: FakeResponse; url: string; method: string } {
    checkSignal(req);
    const { fake, url, method } = toFakeRequest(req, false);
    return { res: this.server.handle(fake), url, method };
  }

  #body(req: RequestSpec): { body: unknown; url: string } {
    const { res, url, method } = this.#send(req);
    if (res.watch !== undefined) {
      res.watch.close();
      throw new TypeError(`${method} ${url}: a watch request needs watch(), not request()`);
    }
    if (res.error !== undefined) throw res.error;
    if (res.code >= 400) throw new StatusError(res.body as StatusError["status"], method, url);
    return { body: res.body, url };
  }

  async request<T = unknown>(req: RequestSpec): Promise<T> {
    return this.#body(req).body as T;
  }

  async requestText(req: RequestSpec): Promise<string> {
    const { body } = this.#body(req);
    return typeof body === "string" ? body : JSON.stringify(body);
  }

  async requestStream(req: RequestSpec): Promise<AsyncIterable<Uint8Array>> {
    const text = await this.requestText(req);
    return (async function* () {
      if (text !== "") yield new TextEncoder().encode(text);
    })();
  }

  watch<T = unknown>(req: RequestSpec): Watch<T> {
    let stream: ReturnType<FakeServer["handle"]> | undefined;
    let url = "";
    let failure: unknown;
    try {
      checkSignal(req);
      const r = toFakeRequest(req, true);
      url = r.url;
      stream = this.server.handle(r.fake);
      if (stream.watch === undefined) {
        failure =
          stream.error ??
          (stream.code >= 400
            ? new StatusError(stream.body as StatusError["status"], "GET", url)
            : new TypeError(`GET ${url}: not a watch`));
      }
    } catch (err) {
      failure = err;
    }
    const watch = stream?.watch;
    const signal = signalOf(req);
    const onAbort = () => watch?.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    return {
      stop() {
        watch?.close();
        signal?.removeEventListener("abort", onAbort);
      },
      async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
        if (failure !== undefined) throw failure;
        try {
          for await (const ev of watch!) {
            if (ev.type === "ERROR") throw new StatusError(ev.object as StatusError["status"], "WATCH", url);
            yield { type: ev.type, object: ev.object as T };
          }
        } finally {
          signal?.removeEventListener("abort", onAbort);
        }
      },
    };
  }
}
