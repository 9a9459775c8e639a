// client-go's sample-controller in TypeScript: for every Foo, a Deployment named spec.deploymentName
// with spec.replicas replicas, owned by the Foo (so the garbage collector deletes it with the Foo), and
// the Deployment's available replicas written back to the Foo's status.
//   - Foos and Deployments come from informers; a Deployment event enqueues the Foo that controls it.
//   - Foos through the clients `org-codegen crd` generates from crds/foo.yaml (client-go's generated
//     sample clientset, informers and listers): FooInterface, FooLister, FooInformer.
//   - Events: Normal "Synced" after a successful sync, Warning "ErrResourceExists" when a Deployment of
//     that name exists but belongs to someone else.
//   - Every write carries the replica's identity as its field manager, and is made only while this
//     replica leads (leader election is part of the Controller runner).
import type { Deployment } from "@org/api-types/apps/v1";
import type { OwnerReference } from "@org/api-types/meta/v1";
import type { Clientset } from "@org/clientset";
import {
  Controller,
  type ControllerLeaderElection,
  type EventRecorder,
  LeadershipLostError,
  type Logger,
} from "@org/controller";
import { type Lister, SharedInformerFactory } from "@org/informers";
import { type GeneratedClientset, groupVersions } from "../generated/clientset/index.js";
import type { FooLister, InformerGroups } from "../generated/informers.js";
import { type Foo, GROUP, VERSION } from "./types.js";

/** Event reasons and messages, as in client-go's sample-controller. */
export const SuccessSynced = "Synced";
/** Reason of the Warning event when the Deployment belongs to someone else. */
export const ErrResourceExists = "ErrResourceExists";
/** Note of the Synced event. */
export const MessageResourceSynced = "Foo synced successfully";

/** Options of the sample controller. */
export interface SampleControllerOptions {
  /** For Deployments (informer and writes); its RESTClient serves the Foo informer too. */
  clientset: Clientset;
  /** The generated clientset of Foo (status writes), over the same RESTClient. */
  sampleclientset: GeneratedClientset;
  /** Where Synced and ErrResourceExists events go. */
  recorder: EventRecorder;
  /** Field manager of every write: this replica's identity. */
  fieldManager: string;
  /** Watch Foos and Deployments of this namespace only ("" = all). */
  namespace?: string;
  /** Concurrent reconciles (2, as client-go's sample). */
  workers?: number;
  /** The lease this replica campaigns for. */
  leaderElection?: ControllerLeaderElection;
  /** Where reconciles and elections are logged. */
  logger: Logger;
}

/** The sample controller: informers, the Controller runner and the sync handler. */
export class SampleController {
  /** The runner: queue, workers, leader election. */
  readonly controller: Controller;
  readonly #o: SampleControllerOptions;
  readonly #kube: SharedInformerFactory;
  readonly #sample: SharedInformerFactory & InformerGroups;
  readonly #foos: FooLister;
  readonly #deployments: Lister<Deployment>;

  constructor(o: SampleControllerOptions) {
    this.#o = o;
    const factoryOpts = o.namespace ? { namespace: o.namespace } : {};
    this.#kube = new SharedInformerFactory(o.clientset, factoryOpts);
    // The generated groups' informers: the typed factory over the generated descriptors table.
    this.#sample = new SharedInformerFactory(
      o.clientset,
      factoryOpts,
      groupVersions,
    ) as SharedInformerFactory & InformerGroups;
    const fooInformer = this.#sample.samplecontrollerV1alpha1().foos();
    const deploymentInformer = this.#kube.appsV1().deployments();
    this.#foos = fooInformer.lister();
    this.#deployments = deploymentInformer.lister();
    this.controller = new Controller({
      name: "foos",
      workers: o.workers ?? 2,
      logger: o.logger,
      recorder: o.recorder,
      objectForKey: (key) => this.#fooRef(this.#foos.get(key)),
      reconcile: (key, signal) => this.syncHandler(key, signal),
      ...(o.leaderElection ? { leaderElection: o.leaderElection } : {}),
    });
    this.controller.watch(fooInformer.informer());
    // A Deployment change enqueues the Foo that controls it (client-go's handleObject).
    this.controller.watch(deploymentInformer.informer(), {
      keys: (d) => {
        const owner = controllerOf(d);
        if (owner?.kind !== "Foo" || owner.apiVersion !== `${GROUP}/${VERSION}`) return [];
        const key = `${d.metadata?.namespace}/${owner.name}`;
        return this.#foos.foos(d.metadata?.namespace ?? "").get(owner.name) ? [key] : [];
      },
    });
  }

  /**
   * Starts the informers and runs the controller until `signal` aborts (or SIGTERM). Informers run on
   * every replica (warm caches for a fast takeover); only the leader reconciles and writes.
   */
  async run(signal?: AbortSignal): Promise<void> {
    const informers = new AbortController();
    const stopInformers = () => informers.abort();
    signal?.addEventListener("abort", stopInformers, { once: true });
    this.#kube.start(informers.signal);
    this.#sample.start(informers.signal);
    try {
      await this.controller.run(signal);
    } finally {
      signal?.removeEventListener("abort", stopInformers);
      informers.abort();
    }
  }

  #fooRef(foo: Foo | undefined) {
    if (!foo?.metadata?.name) return undefined;
    return {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "Foo",
      name: foo.metadata.name,
      namespace: foo.metadata.namespace,
      uid: foo.metadata.uid,
    };
  }

  /** Throws unless this replica may write now (it leads, and the reconcile was not cancelled). */
  #mayWrite(signal: AbortSignal): void {
    signal.throwIfAborted();
    if (!this.controller.isLeader()) throw new LeadershipLostError("not the leader: no writes");
  }

  /** Compares the Foo's desired state with the Deployment and fixes the difference. */
  async syncHandler(key: string, signal: AbortSignal): Promise<void> {
    const [namespace = ""] = key.split("/");
    const foo = this.#foos.get(key);
    if (!foo) {
      // Deleted: its Deployment goes with it (garbage collection through the owner reference).
      this.#o.logger.info("foo no longer exists", { key });
      return;
    }
    const deploymentName = foo.spec?.deploymentName;
    if (!deploymentName) {
      this.#o.logger.error("foo has no spec.deploymentName; not requeued", { key });
      return;
    }
    const fm = { fieldManager: this.#o.fieldManager, signal };
    const deployments = this.#o.clientset.appsV1().deployments(namespace);
    let deployment = this.#deployments.get(`${namespace}/${deploymentName}`);
    if (!deployment) {
      this.#mayWrite(signal);
      deployment = await deployments.create(newDeployment(foo), fm);
      this.#o.logger.info("created deployment", { foo: key, deployment: deploymentName });
    }
    const owner = controllerOf(deployment);
    if (owner?.uid !== foo.metadata?.uid) {
      const msg = `Resource "${deploymentName}" already exists and is not managed by Foo`;
      this.#mayWrite(signal);
      this.#o.recorder.eventf(this.#fooRef(foo)!, undefined, "Warning", ErrResourceExists, "Sync", msg);
      throw new Error(msg);
    }
    const replicas = foo.spec?.replicas;
    if (replicas !== undefined && deployment.spec?.replicas !== replicas) {
      this.#mayWrite(signal);
      this.#o.logger.info("updating deployment replicas", {
        foo: key,
        from: deployment.spec?.replicas ?? null,
        to: replicas,
      });
      deployment = await deployments.update({ ...deployment, spec: { ...deployment.spec!, replicas } }, fm);
    }
    const available = deployment.status?.availableReplicas ?? 0;
    if (foo.status?.availableReplicas !== available) {
      this.#mayWrite(signal);
      // client-go's updateFooStatus: UpdateStatus with a copy (the lister's object is the cache's).
      await this.#o.sampleclientset
        .samplecontrollerV1alpha1()
        .foos(namespace)
        .updateStatus({ ...foo, status: { ...foo.status, availableReplicas: available } }, fm);
    }
    this.#mayWrite(signal);
    this.#o.recorder.eventf(
      this.#fooRef(foo)!,
      undefined,
      "Normal",
      SuccessSynced,
      "Sync",
      MessageResourceSynced,
    );
    this.#o.logger.info("synced", {
      foo: key,
      deployment: deploymentName,
      replicas: replicas ?? null,
      available,
    });
  }
}

/** The owner reference with controller: true (metav1.GetControllerOf). */
export function controllerOf(obj: {
  metadata?: { ownerReferences?: OwnerReference[] };
}): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The Deployment a Foo asks for: nginx pods labelled for the Foo, controlled by it. */
export function newDeployment(foo: Foo): Deployment {
  const labels = { app: "nginx", controller: foo.metadata?.name ?? "" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: foo.spec?.deploymentName,
      namespace: foo.metadata?.namespace,
      ownerReferences: [
        {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: "Foo",
          name: foo.metadata?.name ?? "",
          uid: foo.metadata?.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: foo.spec?.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "nginx", image: "nginx:latest" }] },
      },
    },
  };
}
