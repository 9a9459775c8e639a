// client-go's sample-controller as a program: run it twice (two replicas) and one leads at a time.
//
//   node dist/sample-controller/main.js [--kubeconfig ~/.kube/config] [--namespace ""] [--identity <host_uuid>]
//       [--lease-namespace default] [--lease-name sample-controller] [--workers 2]
//       [--lease-duration 15s] [--renew-deadline 10s] [--retry-period 2s]
//       [--kube-api-qps 5] [--kube-api-burst 10]
//
// The Foo CRD must be installed first (see fooCustomResourceDefinition in types.ts; the demo and the
// tests apply it). Logs go to stdout; SIGTERM stops it gracefully and releases the lease.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Clientset, newClientset } from "@org/clientset";
import { LeaseLock, newBroadcaster, textLogger } from "@org/controller";
import { buildConfigFromFlags } from "@org/rest";
import { type GeneratedClientset, groupVersions } from "../generated/clientset/index.js";
import { defaultKubeconfig, panic, parseDuration, parseFlags } from "../lib/cli.js";
import { SampleController } from "./controller.js";

const { values: flags } = parseFlags("sample-controller", {
  kubeconfig: { type: "string", default: defaultKubeconfig() },
  namespace: { type: "string", default: "" },
  identity: { type: "string", default: `${hostname()}_${randomUUID()}` },
  "lease-namespace": { type: "string", default: "" },
  "lease-name": { type: "string", default: "sample-controller" },
  workers: { type: "string", default: "2" },
  "lease-duration": { type: "string", default: "15s" },
  "renew-deadline": { type: "string", default: "10s" },
  "retry-period": { type: "string", default: "2s" },
  // client-go's defaults; 0 turns client-side rate limiting off (as kube-controller-manager's flags do).
  "kube-api-qps": { type: "string", default: "5" },
  "kube-api-burst": { type: "string", default: "10" },
});

async function main(): Promise<void> {
  const config = await buildConfigFromFlags("", flags.kubeconfig);
  config.qps = Number(flags["kube-api-qps"]);
  config.burst = Number(flags["kube-api-burst"]);
  const clientset = Clientset.forConfig(config);
  // The generated Foo clientset over the same RESTClient (one transport, one rate limiter).
  const sampleclientset = newClientset<GeneratedClientset>(clientset.restClient, groupVersions);
  const identity = flags.identity;
  const logger = textLogger(process.stdout);
  const broadcaster = newBroadcaster({ sink: clientset.eventsV1(), logger });
  broadcaster.startRecordingToSink();
  const sample = new SampleController({
    clientset,
    sampleclientset,
    recorder: broadcaster.newRecorder("sample-controller", identity),
    fieldManager: identity,
    namespace: flags.namespace,
    workers: Number(flags.workers),
    logger,
    leaderElection: {
      lock: new LeaseLock({
        namespace: flags["lease-namespace"] || flags.namespace || "default",
        name: flags["lease-name"],
        client: clientset.coordinationV1(),
        identity,
      }),
      leaseDurationMs: parseDuration(flags["lease-duration"]),
      renewDeadlineMs: parseDuration(flags["renew-deadline"]),
      retryPeriodMs: parseDuration(flags["retry-period"]),
      releaseOnCancel: true,
    },
  });
  try {
    await sample.run();
    logger.info("stopped", { identity });
  } finally {
    await broadcaster.shutDown();
  }
}

main().then(
  () => process.exit(0),
  (err) => panic(err),
);
