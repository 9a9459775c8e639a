// Realistic Kubernetes objects made at run time: pods shaped like those a Deployment's ReplicaSet
// creates on a real cluster (labels, owner references, managedFields from two managers, probes,
// resources, status with five conditions and container statuses), 4-7 KB each in JSON.

/** Deterministic PRNG (mulberry32) so every run serves the same bytes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number): string => {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
};
const alnum = (r: () => number, n: number): string => {
  const chars = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < n; i++) s += chars[Math.floor(r() * chars.length)];
  return s;
};
const uid = (r: () => number): string => `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const ts = (base: number, offsetSec: number): string =>
  new Date(base + offsetSec * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const APPS = ["checkout", "payments", "catalog", "search", "frontend", "inventory", "auth", "notifications"];
const TIERS = ["web", "api", "worker", "cache"];
const BASE_TIME = Date.UTC(2026, 9, 1, 8, 0, 0);
const PROBES = {
  livenessProbe: {
    httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  },
  readinessProbe: {
    httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 5,
    successThreshold: 1,
    failureThreshold: 3,
  },
};

function containerFields(name: string): Record<string, unknown> {
  return {
    [`k:{"name":"${name}"}`]: {
      ".": {},
      "f:env": { ".": {}, 'k:{"name":"LOG_LEVEL"}': { ".": {}, "f:name": {}, "f:value": {} } },
      "f:image": {},
      "f:imagePullPolicy": {},
      "f:livenessProbe": {
        ".": {},
        "f:failureThreshold": {},
        "f:httpGet": { ".": {}, "f:path": {}, "f:port": {}, "f:scheme": {} },
        "f:periodSeconds": {},
      },
      "f:name": {},
      "f:ports": {
        ".": {},
        'k:{"containerPort":8080,"protocol":"TCP"}': {
          ".": {},
          "f:containerPort": {},
          "f:name": {},
          "f:protocol": {},
        },
      },
      "f:resources": {
        ".": {},
        "f:limits": { ".": {}, "f:memory": {} },
        "f:requests": { ".": {}, "f:cpu": {}, "f:memory": {} },
      },
      "f:terminationMessagePath": {},
      "f:terminationMessagePolicy": {},
    },
  };
}

/** One pod; `i` selects it, `rv` is its resourceVersion. */
export function makePod(i: number, namespace: string, rv = 1000 + i): Record<string, unknown> {
  const r = rng(i * 7919 + 17);
  const app = pick(r, APPS);
  const tier = pick(r, TIERS);
  const hash = alnum(r, 10);
  const name = `${app}-${hash}-${alnum(r, 5)}`;
  const created = Math.floor(r() * 86400 * 20);
  const nContainers = r() < 0.3 ? 2 : 1;
  const node = `ip-10-0-${Math.floor(r() * 64)}-${Math.floor(r() * 250)}.ec2.internal`;
  const podIP = `10.${1 + Math.floor(r() * 3)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`;
  const hostIP = `10.0.${Math.floor(r() * 64)}.${Math.floor(r() * 250)}`;
  const containers = [];
  const statuses = [];
  const specFields: Record<string, unknown> = {};
  for (let c = 0; c < nContainers; c++) {
    const cname = c === 0 ? app : pick(r, ["sidecar", "envoy", "log-shipper", "metrics"]);
    const image = `registry.example.com/${app}/${cname}:v${1 + Math.floor(r() * 9)}.${Math.floor(r() * 30)}.${Math.floor(r() * 10)}`;
    const nEnv = c === 0 ? 1 + Math.floor(r() * 5) : 1;
    const env = [];
    for (let e = 0; e < nEnv; e++) {
      env.push(
        e % 3 === 2
          ? { name: `SECRET_${e}`, valueFrom: { secretKeyRef: { name: `${app}-secrets`, key: `key-${e}` } } }
          : {
              name: e === 0 ? "LOG_LEVEL" : `CONFIG_${e}_${alnum(r, 4).toUpperCase()}`,
              value: e === 0 ? "info" : alnum(r, 4 + Math.floor(r() * 20)),
            },
      );
    }
    containers.push({
      name: cname,
      image,
      imagePullPolicy: "IfNotPresent",
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
      env,
      resources: {
        limits: { memory: `${128 * (1 + Math.floor(r() * 8))}Mi` },
        requests: {
          cpu: `${50 * (1 + Math.floor(r() * 10))}m`,
          memory: `${64 * (1 + Math.floor(r() * 8))}Mi`,
        },
      },
      volumeMounts: [
        { name: "config", mountPath: "/etc/app", readOnly: true },
        {
          name: `kube-api-access-${alnum(r, 5)}`,
          readOnly: true,
          mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        },
      ],
      ...(c === 0 ? PROBES : {}),
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    });
    Object.assign(specFields, containerFields(cname));
    statuses.push({
      name: cname,
      state: { running: { startedAt: ts(BASE_TIME, created + 4) } },
      lastState: {},
      ready: true,
      restartCount: Math.floor(r() * 3),
      image,
      imageID: `${image.split(":")[0]}@sha256:${hex(r, 64)}`,
      containerID: `containerd://${hex(r, 64)}`,
      started: true,
    });
  }
  const condTime = (d: number) => ts(BASE_TIME, created + d);
  return {
    metadata: {
      name,
      generateName: `${app}-${hash}-`,
      namespace,
      uid: uid(r),
      resourceVersion: String(rv),
      creationTimestamp: ts(BASE_TIME, created),
      labels: {
        app,
        tier,
        "pod-template-hash": hash,
        "app.kubernetes.io/version": `1.${Math.floor(r() * 40)}.0`,
      },
      annotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${app}-${hash}`,
          uid: uid(r),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "v1",
          time: condTime(0),
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:annotations": { ".": {}, "f:prometheus.io/port": {}, "f:prometheus.io/scrape": {} },
              "f:generateName": {},
              "f:labels": {
                ".": {},
                "f:app": {},
                "f:app.kubernetes.io/version": {},
                "f:pod-template-hash": {},
                "f:tier": {},
              },
              "f:ownerReferences": { ".": {}, [`k:{"uid":"${uid(r)}"}`]: {} },
            },
            "f:spec": {
              "f:containers": specFields,
              "f:dnsPolicy": {},
              "f:enableServiceLinks": {},
              "f:restartPolicy": {},
              "f:schedulerName": {},
              "f:securityContext": {},
              "f:terminationGracePeriodSeconds": {},
              "f:volumes": {
                ".": {},
                'k:{"name":"config"}': {
                  ".": {},
                  "f:configMap": { ".": {}, "f:defaultMode": {}, "f:name": {} },
                  "f:name": {},
                },
              },
            },
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: condTime(6),
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": {
              "f:conditions": {
                'k:{"type":"ContainersReady"}': {
                  ".": {},
                  "f:lastProbeTime": {},
                  "f:lastTransitionTime": {},
                  "f:status": {},
                  "f:type": {},
                },
                'k:{"type":"Initialized"}': {
                  ".": {},
                  "f:lastProbeTime": {},
                  "f:lastTransitionTime": {},
                  "f:status": {},
                  "f:type": {},
                },
                'k:{"type":"PodReadyToStartContainers"}': {
                  ".": {},
                  "f:lastProbeTime": {},
                  "f:lastTransitionTime": {},
                  "f:status": {},
                  "f:type": {},
                },
                'k:{"type":"Ready"}': {
                  ".": {},
                  "f:lastProbeTime": {},
                  "f:lastTransitionTime": {},
                  "f:status": {},
                  "f:type": {},
                },
              },
              "f:containerStatuses": {},
              "f:hostIP": {},
              "f:hostIPs": {},
              "f:phase": {},
              "f:podIP": {},
              "f:podIPs": { ".": {}, [`k:{"ip":"${podIP}"}`]: { ".": {}, "f:ip": {} } },
              "f:startTime": {},
            },
          },
          subresource: "status",
        },
      ],
    },
    spec: {
      volumes: [
        { name: "config", configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: "kube-api-access",
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: app,
      serviceAccount: app,
      nodeName: node,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      schedulerName: "default-scheduler",
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {
      phase: "Running",
      conditions: [
        {
          type: "PodReadyToStartContainers",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: condTime(3),
        },
        { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: condTime(1) },
        { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: condTime(6) },
        { type: "ContainersReady", status: "True", lastProbeTime: null, lastTransitionTime: condTime(6) },
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: condTime(0) },
      ],
      hostIP: hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: condTime(1),
      containerStatuses: statuses,
      qosClass: "Burstable",
    },
  };
}

/** A PodList as the API server writes it (kind, apiVersion, metadata.resourceVersion). */
export function podListJSON(count: number, namespace: string): Buffer {
  const items = [];
  for (let i = 0; i < count; i++) items.push(makePod(i, namespace));
  return Buffer.from(
    JSON.stringify({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: String(1000 + count) },
      items,
    }),
  );
}

/** A watch stream body: one JSON event per line, as the API server writes it. */
export function watchStream(events: number, distinctPods: number, namespace: string): Buffer {
  const pods: string[] = [];
  for (let i = 0; i < distinctPods; i++) pods.push(JSON.stringify(makePod(i, namespace)));
  const chunks: string[] = [];
  for (let e = 0; e < events; e++) {
    const i = e % distinctPods;
    const type = e < distinctPods ? "ADDED" : "MODIFIED";
    // the pod's JSON with its own resourceVersion spliced in: same bytes a server sends, cheap to make
    const pod = (pods[i] as string).replace(/"resourceVersion":"\d+"/, `"resourceVersion":"${100000 + e}"`);
    chunks.push(`{"type":"${type}","object":{"kind":"Pod","apiVersion":"v1",${pod.slice(1)}}\n`);
  }
  return Buffer.from(chunks.join(""));
}

export function configMapJSON(namespace: string, name: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: {
        name,
        namespace,
        uid: "3c5d0f0e-2f4b-4b7e-9d55-6f1f3c2b9a10",
        resourceVersion: "4242",
        creationTimestamp: "2026-10-01T08:00:00Z",
        labels: { app: "bench" },
      },
      data: { "app.properties": "greeting=hello\nlevel=info\n", mode: "fast" },
    }),
  );
}
