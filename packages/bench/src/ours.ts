// Our client, loaded at run time through its public entry points ("@org/rest", "@org/clientset").
// Typed here by the few members the bench uses, so the bench builds whatever state the
// clientset is in; when our client is missing, the scenario reports why instead of a number.

export interface OurWatch extends AsyncIterable<{ type: string; object: unknown }> {
  stop(): void;
}

export interface OurClientset {
  coreV1(): {
    pods(namespace: string): { list(): Promise<{ items: unknown[] }>; watch(): OurWatch };
    configMaps(namespace: string): { get(name: string): Promise<unknown> };
  };
}

interface RestModule {
  buildConfigFromFlags(masterUrl: string, kubeconfigPath: string): Promise<Record<string, unknown>>;
}
interface ClientsetModule {
  Clientset?: { forConfig(config: Record<string, unknown>): OurClientset };
}

export async function loadOurs(kubeconfigPath: string): Promise<{ clientset: OurClientset }> {
  const rest = (await importUntyped("@org/rest")) as RestModule;
  const cs = (await importUntyped("@org/clientset")) as ClientsetModule;
  if (typeof rest.buildConfigFromFlags !== "function")
    throw new Error("@org/rest does not export buildConfigFromFlags yet");
  if (!cs.Clientset) throw new Error("@org/clientset does not export Clientset yet");
  const config = await rest.buildConfigFromFlags("", kubeconfigPath);
  // client-side rate limiting off, as in every client of the bench
  config.qps = 0;
  config.rateLimiter = null;
  return { clientset: cs.Clientset.forConfig(config) };
}

/**
 * import() through a variable: the bench type-checks against the few members it declares above,
 * never against a sibling package's (possibly half-built) declaration files.
 */
export function importUntyped(specifier: string): Promise<unknown> {
  return import(specifier) as Promise<unknown>;
}
