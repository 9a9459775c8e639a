// The typed clientset (client-go's kubernetes.Clientset): one method per generated group-version,
// all sharing one RESTClient (one transport, one rate limiter), plus discovery.
import { RESTClient, type RestConfig } from "@org/rest";
import { DiscoveryClient } from "./discovery/index.js";
import { type GeneratedClientset, groupVersions } from "./generated/index.js";
import { installGroupClients } from "./runtime/factory.js";

// The group methods (coreV1(), appsV1() ...) are declared by the generated interface and installed
// from the generated descriptors in the constructor.
export interface Clientset extends GeneratedClientset {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class Clientset {
  readonly restClient: RESTClient;
  #discovery: DiscoveryClient | undefined;

  /** client-go's kubernetes.NewForConfig: one RESTClient for every group. */
  static forConfig(config: RestConfig): Clientset {
    return new Clientset(RESTClient.forConfig(config));
  }

  /** client-go's kubernetes.New: a clientset over an existing RESTClient (shares its transport and limiter). */
  constructor(restClient: RESTClient) {
    this.restClient = restClient;
    installGroupClients(this, restClient, groupVersions);
  }

  /** The discovery client, over the same RESTClient, with its own memory cache. */
  discovery(): DiscoveryClient {
    this.#discovery ??= new DiscoveryClient(this.restClient);
    return this.#discovery;
  }
}
