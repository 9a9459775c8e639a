// Types for the undici 7 modules transport.ts loads directly (undici ships types for its index only).
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
declare module "undici/lib/core/util.js" {
  /** Raw header pairs as an object: lower-case names, a repeated header's values as an array (latin1). */
  const util: { parseHeaders(raw: (Buffer | string)[]): Record<string, string | string[]> };
  export default util;
}
