// The typed clientset (client-go's kubernetes.Clientset): one method per generated group-version,
// all sharing one RESTClient (one transport, one rate limiter), plus discovery. Any RestInterface
// will do: the fake clientset (@org/clientset/fake) passes its in-process one.
import { RESTClient, type RestConfig } from "@org/rest";
import { DiscoveryClient } from "./discovery/index.js";
import { type GeneratedClientset, groupVersions } from "./generated/index.js";
import { installGroupClients } from "./runtime/factory.js";
import type { RestInterface } from "./runtime/rest.js";

// The group methods (coreV1(), appsV1() ...) are declared by the generated interface and installed
// from the generated descriptors in the constructor.
export interface Clientset extends GeneratedClientset {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class Clientset {
  readonly restClient: RestInterface;
  #discovery: DiscoveryClient | undefined;

  /** client-go's kubernetes.NewForConfig: one RESTClient for every group. */
  static forConfig(config: RestConfig): Clientset {
    return new Clientset(RESTClient.forConfig(config));
  }

  /**
   * client-go's kubernetes.New: a clientset over an existing RESTClient (shares its transport and
   * limiter), or over any RestInterface.
   */
  constructor(restClient: RestInterface) {
    this.restClient = restClient;
    installGroupClients(this, restClient, groupVersions);
  }

  /** The discovery client, over the same RESTClient, with its own memory cache. */
  discovery(): DiscoveryClient {
    this.#discovery ??= new DiscoveryClient(this.restClient);
    return this.#discovery;
  }
}
