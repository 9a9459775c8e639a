// meta.k8s.io/v1 Table output (what `kubectl get` asks for with Accept: ...;as=Table): the columns
// kube-apiserver prints for a few common resources, a CRD's additionalPrinterColumns, and the
// server's default (Name, Created At) for everything else.
import { type FakeResource, type Obj, own } from "./resources.js";
import type { FakeServer } from "./server.js";

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

interface Printer {
  columns: Column[];
  cells(o: Obj, now: number): Cell[];
}

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

const col = (name: string, type: string, description: string, priority = 0, format = ""): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

const nameCol = col(
  "Name",
  "string",
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  0,
  "name",
);
const ageCol = col(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
);

/** kubectl's duration rendering (HumanDuration) of the time since `ts`. */
export function age(ts: string | undefined, now: number): string {
  if (ts === undefined) return "<unknown>";
  const d = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (d < 120) return `${d}s`;
  const m = Math.floor(d / 60);
  if (m < 10) return d % 60 === 0 ? `${m}m` : `${m}m${d % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const days = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${days}d` : `${days}d${h % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

const printers: Record<string, Printer> = {
  "/configmaps": {
    columns: [nameCol, col("Data", "string", "Data contains the configuration data."), ageCol],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
      age(o.metadata.creationTimestamp, now),
    ],
  },
  "/secrets": {
    columns: [
      nameCol,
      col("Type", "string", "The type of the secret"),
      col("Data", "string", "The number of data entries"),
      ageCol,
    ],
    cells: (o, now) => [
      o.metadata.name,
      o.type ?? "Opaque",
      Object.keys(o.data ?? {}).length,
      age(o.metadata.creationTimestamp, now),
    ],
  },
  "/namespaces": {
    columns: [nameCol, col("Status", "string", "The status of the namespace"), ageCol],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? "", age(o.metadata.creationTimestamp, now)],
  },
  "/serviceaccounts": {
    columns: [
      nameCol,
      col(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      ),
      ageCol,
    ],
    cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o.metadata.creationTimestamp, now)],
  },
  "/pods": {
    columns: [
      nameCol,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      ageCol,
      col(
        "IP",
        "string",
        "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
        1,
      ),
      col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
      col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
      ),
      col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
      ),
    ],
    cells: (o, now) => {
      const total = (o.spec?.containers ?? []).length;
      const statuses: Obj[] = o.status?.containerStatuses ?? [];
      const ready = statuses.filter((s) => s.ready).length;
      const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
      const status =
        o.metadata.deletionTimestamp !== undefined
          ? "Terminating"
          : (o.status?.reason ?? o.status?.phase ?? "");
      return [
        o.metadata.name,
        `${ready}/${total}`,
        status,
        String(restarts),
        age(o.metadata.creationTimestamp, now),
        o.status?.podIP ?? "<none>",
        o.spec?.nodeName ?? "<none>",
        o.status?.nominatedNodeName ?? "<none>",
        "<none>",
      ];
    },
  },
  "apps/deployments": {
    columns: [
      nameCol,
      col("Ready", "string", "Number of the pod with ready state"),
      col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      col(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      ageCol,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
        1,
      ),
    ],
    cells: (o, now) => {
      const cs: Obj[] = o.spec?.template?.spec?.containers ?? [];
      const sel = Object.entries((o.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      return [
        o.metadata.name,
        `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        o.status?.updatedReplicas ?? 0,
        o.status?.availableReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
        cs.map((c) => c.name).join(","),
        cs.map((c) => c.image).join(","),
        sel,
      ];
    },
  },
};

const defaultPrinter: Printer = {
  columns: [nameCol, col("Created At", "date", ageCol.description)],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? null],
};

function jsonPathValue(o: Obj, path: string): Cell {
  let v: unknown = o;
  for (const p of path.replace(/^\./, "").split(".")) {
    if (p === "") continue;
    v = v !== null && typeof v === "object" && !Array.isArray(v) ? own(v as Obj, p) : undefined;
  }
  if (v === undefined || v === null) return null;
  if (typeof v === "object") return JSON.stringify(v);
  return v as Cell;
}

function crdPrinter(server: FakeServer, res: FakeResource): Printer {
  const crd = server.store.get("apiextensions.k8s.io/customresourcedefinitions", "", res.crd!);
  const version = (crd?.spec?.versions ?? []).find((v: Obj) => v.name === res.versions[0]);
  const extra: Obj[] = version?.additionalPrinterColumns ?? [];
  if (extra.length === 0) {
    return {
      columns: [nameCol, ageCol],
      cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now)],
    };
  }
  return {
    columns: [
      nameCol,
      ...extra.map((c) =>
        col(
          c.name,
          c.type === "date" ? "date" : c.type,
          c.description ?? "",
          c.priority ?? 0,
          c.format ?? "",
        ),
      ),
    ],
    cells: (o) => [o.metadata.name, ...extra.map((c) => jsonPathValue(o, c.jsonPath))],
  };
}

/** The Table of one object or a list (its items), as the server renders it. */
export function tableFor(
  server: FakeServer,
  res: FakeResource,
  body: Obj,
  query: URLSearchParams,
  now: number,
): Obj {
  const printer =
    res.crd !== undefined
      ? crdPrinter(server, res)
      : (printers[`${res.group}/${res.resource}`] ?? defaultPrinter);
  const isList = Array.isArray(body.items);
  const objects: Obj[] = isList ? body.items : [body];
  const include = query.get("includeObject") ?? "PartialObjectMetadata";
  const apiVersion = body.apiVersion as string;
  const rows = objects.map((o) => {
    const row: Obj = { cells: printer.cells(o, now) };
    if (include === "Object") row.object = { kind: res.kind, apiVersion, ...o };
    else if (include === "PartialObjectMetadata") {
      row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    }
    return row;
  });
  const metadata: Obj = {
    resourceVersion: isList ? body.metadata?.resourceVersion : body.metadata?.resourceVersion,
  };
  if (isList && body.metadata?.continue) metadata.continue = body.metadata.continue;
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions: printer.columns, rows };
}
