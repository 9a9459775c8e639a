// Nodes and Running pods: a registered Node that reports Ready and whose kubelet endpoint is the node
// agent, and pods moved to Running through the status subresource, as a kubelet would report them,
// with their containers' main processes started in the agent.
import { createHash, randomBytes } from "node:crypto";
import { adminCredentials, type ControlPlane } from "./controlplane.js";
import { kubeCall, kubeFetch } from "./http.js";

type Json = Record<string, unknown>;

export interface NodeOptions {
  /**
   * Serve the node's kubelet API from the control plane's node agent (default: true when it has one):
   * InternalIP 127.0.0.1 and the agent's port, so exec, attach, port-forward and logs work.
   */
  agent?: boolean;
  /** Node InternalIP without the agent (default: derived from the name, in 10.89.0.0/16). */
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
  const agent = opts.agent ?? cp.nodeAgent !== undefined;
  if (agent && !cp.nodeAgent) {
    throw new Error(
      `registerNode: this control plane has no node agent (its bin dir lacks node-agent); pass { agent: false }`,
    );
  }
  const ip = agent ? "127.0.0.1" : (opts.internalIP ?? ipFor(name, "10.89"));
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
    daemonEndpoints: { kubeletEndpoint: { Port: agent && cp.nodeAgent ? cp.nodeAgent.port : 10250 } },
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

interface ContainerLike {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  workingDir?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

interface PodLike {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: {
    nodeName?: string;
    containers?: ContainerLike[];
    initContainers?: { name: string; image?: string; restartPolicy?: string }[];
  };
  status?: Json;
}

/**
 * Moves the pod `namespace/podName` to phase Running on `nodeName`, as a kubelet would: binds it to the
 * node when it is not yet (the binding subresource), starts every container's main process in the node
 * agent when the node is served by it (`command` + `args` in a directory of the pod, with the
 * container's `env`; a container without a command waits for a signal), then writes through the status
 * subresource conditions (PodScheduled, Initialized, ContainersReady, Ready), hostIP, podIP, startTime
 * and a running status for every container. The node must exist (registerNode). Returns the updated pod.
 * Nothing updates the status later: a main process that exits leaves the pod Running.
 */
export async function makePodRunning(
  cp: ControlPlane,
  namespace: string,
  podName: string,
  nodeName: string,
): Promise<Json> {
  const creds = adminCredentials(cp);
  const podPath = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(podName)}`;
  const node = await kubeCall<{
    status?: {
      addresses?: { type: string; address: string }[];
      daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
    };
  }>(cp.apiServerURL, creds, "GET", `/api/v1/nodes/${enc(nodeName)}`, { allow: [404] });
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
  const podIP = ipFor(`${namespace}/${podName}/${pod.metadata?.uid ?? ""}`, "10.244");
  const agent = cp.nodeAgent;
  if (
    agent &&
    hostIP === "127.0.0.1" &&
    node.body.status?.daemonEndpoints?.kubeletEndpoint?.Port === agent.port
  ) {
    await startInAgent(cp, pod, { hostIP, podIP, nodeName });
  }
  const now = new Date().toISOString();
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

/** The values of the downward-API fields a container's env may name (the rest are left out). */
function fieldValue(pod: PodLike, path: string, ips: { hostIP: string; podIP: string; nodeName: string }) {
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": ips.nodeName,
    "status.hostIP": ips.hostIP,
    "status.podIP": ips.podIP,
  };
  return fields[path];
}

/** Starts the pod's containers in the node agent (PUT /testenv/pods/<ns>/<name>; idempotent per UID). */
async function startInAgent(
  cp: ControlPlane,
  pod: PodLike,
  ips: { hostIP: string; podIP: string; nodeName: string },
): Promise<void> {
  const agent = cp.nodeAgent!;
  const body = {
    uid: pod.metadata?.uid ?? "",
    node: ips.nodeName,
    containers: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      command: c.command,
      args: c.args,
      env: (c.env ?? []).flatMap((e) => {
        const value =
          e.value ??
          (e.valueFrom?.fieldRef ? fieldValue(pod, e.valueFrom.fieldRef.fieldPath, ips) : undefined);
        return value === undefined ? [] : [{ name: e.name, value }];
      }),
      workingDir: c.workingDir,
      stdin: c.stdin,
      stdinOnce: c.stdinOnce,
      tty: c.tty,
    })),
  };
  const path = `/testenv/pods/${enc(pod.metadata?.namespace ?? "")}/${enc(pod.metadata?.name ?? "")}`;
  const res = await kubeFetch(agent.url, adminCredentials(cp), "PUT", path, { body });
  if (res.statusCode !== 200) {
    throw new Error(
      `makePodRunning: the node agent could not start the pod's containers: ${res.text.trim()}`,
    );
  }
}

/** A process the node agent runs for a pod: a container's main process or an exec. */
export interface NodeAgentProcess {
  pid: number;
  kind: "main" | "exec";
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

/** The processes the node agent is running now (main processes of containers and execs). */
export async function nodeAgentProcesses(cp: ControlPlane): Promise<NodeAgentProcess[]> {
  if (!cp.nodeAgent) throw new Error("nodeAgentProcesses: this control plane has no node agent");
  const res = await kubeFetch<NodeAgentProcess[]>(
    cp.nodeAgent.url,
    adminCredentials(cp),
    "GET",
    "/testenv/processes",
  );
  if (res.statusCode !== 200) throw new Error(`nodeAgentProcesses: HTTP ${res.statusCode}: ${res.text}`);
  return res.body;
}
