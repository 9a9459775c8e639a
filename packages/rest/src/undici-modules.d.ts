// Types for the undici 7 modules transport.ts loads directly (undici ships types for its index only).
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";

  const AgentClass: typeof Agent;
  export default AgentClass;
}
declare module "undici/lib/dispatcher/proxy-agent.js" {
  import type { ProxyAgent } from "undici";

  const ProxyAgentClass: typeof ProxyAgent;
  export default ProxyAgentClass;
}
declare module "undici/lib/dispatcher/dispatcher.js" {
  import type { Dispatcher } from "undici";

  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}
declare module "undici/lib/api/index.js" {
  const api: Record<string, unknown>;
  export default api;
}
declare module "undici/lib/api/api-request.js" {
  import type { Dispatcher } from "undici";

  /** The handler of dispatcher.request: `callback` gets the response once its headers arrive. */
  class RequestHandler implements Dispatcher.DispatchHandler {
    onConnect(abort: (err?: Error) => void): void;
    constructor(
      opts: Dispatcher.RequestOptions,
      callback: (err: Error | null, data: Dispatcher.ResponseData) => void,
    );
    onRequestSent?: () => void;
  }
  const request: { RequestHandler: typeof RequestHandler };
  export default request;
}
