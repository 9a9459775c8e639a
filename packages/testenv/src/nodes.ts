// Nodes and Running pods without a kubelet: a registered Node that reports Ready, and pods moved to
// Running through the status subresource, as a kubelet would report them.
import { createHash, randomBytes } from "node:crypto";
import { adminCredentials, type ControlPlane } from "./controlplane.js";
import { kubeCall } from "./http.js";

type Json = Record<string, unknown>;

export interface NodeOptions {
  /** Node InternalIP (default: derived from the name, in 10.89.0.0/16). */
  internalIP?: string;
  labels?: Record<string, string>;
  capacity?: { cpu?: string; memory?: string; pods?: string };
}

function ipFor(key: string, prefix: string): string {
  const h = createHash("sha256").update(key).digest();
  return `${prefix}.${h[0]}.${((h[1] ?? 0) % 253) + 2}`;
}

const enc = encodeURIComponent;

/**
 * Creates (or, when it exists, updates) the Node `name` and sets its status to Ready with capacity,
 * addresses and nodeInfo, as a kubelet would. Nothing marks it NotReady later (no node lifecycle controller).
 */
export async function registerNode(cp: ControlPlane, name: string, opts: NodeOptions = {}): Promise<Json> {
  const creds = adminCredentials(cp);
  const ip = opts.internalIP ?? ipFor(name, "10.89");
  const labels = {
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "node.kubernetes.io/instance-type": "org-testenv",
    ...opts.labels,
  };
  const created = await kubeCall(cp.apiServerURL, creds, "POST", "/api/v1/nodes", {
    body: { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: {} },
    allow: [409],
  });
  if (created.statusCode === 409) {
    await kubeCall(cp.apiServerURL, creds, "PATCH", `/api/v1/nodes/${enc(name)}`, {
      body: { metadata: { labels } },
      contentType: "application/merge-patch+json",
    });
  }
  const now = new Date().toISOString();
  const capacity = { cpu: "4", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi", ...opts.capacity };
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const status = {
    capacity,
    allocatable: capacity,
    phase: "Running",
    conditions: [
      cond(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
      cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      cond("Ready", "True", "KubeletReady", "kubelet is posting ready status (simulated by @org/testenv)"),
    ],
    addresses: [
      { type: "InternalIP", address: ip },
      { type: "Hostname", address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: createHash("md5").update(name).digest("hex"),
      systemUUID: createHash("md5").update(`uuid:${name}`).digest("hex"),
      bootID: randomBytes(16).toString("hex"),
      kernelVersion: "6.1.0",
      osImage: "org-testenv simulated node",
      containerRuntimeVersion: "containerd://1.7.0",
      kubeletVersion: cp.version,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
  const res = await kubeCall<Json>(cp.apiServerURL, creds, "PATCH", `/api/v1/nodes/${enc(name)}/status`, {
    body: { status },
    contentType: "application/merge-patch+json",
  });
  return res.body;
}

interface PodLike {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: {
    nodeName?: string;
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string; restartPolicy?: string }[];
  };
  status?: Json;
}

/**
 * Moves the pod `namespace/podName` to phase Running on `nodeName`, as a kubelet would: binds it to the
 * node when it is not yet (the binding subresource), then writes through the status subresource
 * conditions (PodScheduled, Initialized, ContainersReady, Ready), hostIP, podIP, startTime and a running
 * status for every container. The node must exist (registerNode). Returns the updated pod.
 */
export async function makePodRunning(
  cp: ControlPlane,
  namespace: string,
  podName: string,
  nodeName: string,
): Promise<Json> {
  const creds = adminCredentials(cp);
  const podPath = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(podName)}`;
  const node = await kubeCall<{ status?: { addresses?: { type: string; address: string }[] } }>(
    cp.apiServerURL,
    creds,
    "GET",
    `/api/v1/nodes/${enc(nodeName)}`,
    { allow: [404] },
  );
  if (node.statusCode === 404) {
    throw new Error(`makePodRunning: node "${nodeName}" does not exist; create it first with registerNode()`);
  }
  const hostIP = node.body.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "127.0.0.1";
  let pod = (await kubeCall<PodLike>(cp.apiServerURL, creds, "GET", podPath)).body;
  if (!pod.spec?.nodeName) {
    await kubeCall(cp.apiServerURL, creds, "POST", `${podPath}/binding`, {
      body: {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: podName, namespace },
        target: { apiVersion: "v1", kind: "Node", name: nodeName },
      },
    });
    pod = (await kubeCall<PodLike>(cp.apiServerURL, creds, "GET", podPath)).body;
  } else if (pod.spec.nodeName !== nodeName) {
    throw new Error(
      `makePodRunning: pod ${namespace}/${podName} is bound to node "${pod.spec.nodeName}", not "${nodeName}"`,
    );
  }
  const now = new Date().toISOString();
  const podIP = ipFor(`${namespace}/${podName}/${pod.metadata?.uid ?? ""}`, "10.244");
  const cid = () => `containerd://${randomBytes(32).toString("hex")}`;
  const imageID = (image = "") =>
    `${image.split(":")[0]}@sha256:${createHash("sha256").update(image).digest("hex")}`;
  const cond = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: now });
  const status = {
    phase: "Running",
    conditions: [
      cond("PodReadyToStartContainers"),
      cond("Initialized"),
      cond("Ready"),
      cond("ContainersReady"),
      cond("PodScheduled"),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    qosClass: (pod.status as { qosClass?: string } | undefined)?.qosClass ?? "BestEffort",
    initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? "",
      imageID: imageID(c.image),
      containerID: cid(),
      ready: true,
      started: false,
      restartCount: 0,
      state: {
        terminated: {
          exitCode: 0,
          reason: "Completed",
          startedAt: now,
          finishedAt: now,
          containerID: undefined,
        },
      },
    })),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? "",
      imageID: imageID(c.image),
      containerID: cid(),
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
  const res = await kubeCall<Json>(cp.apiServerURL, creds, "PATCH", `${podPath}/status`, {
    body: { status },
    contentType: "application/merge-patch+json",
  });
  return res.body;
}
