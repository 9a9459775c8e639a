// client-go's resourcelock.LeaseLock: the leader election record stored in a coordination.k8s.io/v1
// Lease. Every update carries the resourceVersion of the Lease this lock last read or wrote, so a
// writer that has not seen the latest version gets 409 Conflict instead of overwriting it.
import type { Lease } from "@org/api-types/coordination/v1";
import type { CoordinationV1Interface } from "@org/clientset";
import type { CallOptions } from "@org/rest";
import { truncateUtf8 } from "../utf8.js";

/** What candidates agree on (client-go's LeaderElectionRecord). Times are RFC 3339 MicroTime strings. */
export interface LeaderElectionRecord {
  /** "" when the lease has been released. */
  holderIdentity: string;
  /** How long others wait, from when they observed this record, before taking over. */
  leaseDurationSeconds: number;
  /** When the holder acquired the lease. */
  acquireTime: string;
  /** When the holder last renewed it. */
  renewTime: string;
  /** How many times the lease changed holders. */
  leaderTransitions: number;
}

/** Storage of the record (client-go's resourcelock.Interface). */
export interface ResourceLock {
  /** This candidate's identity, written as holderIdentity. */
  readonly identity: string;
  /** Reads the record; rejects with a NotFound StatusError when the lock object does not exist. */
  get(opts?: CallOptions): Promise<LeaderElectionRecord>;
  /** Creates the lock object holding the record. */
  create(record: LeaderElectionRecord, opts?: CallOptions): Promise<void>;
  /** Writes the record over the version last read or written (409 Conflict when it has changed since). */
  update(record: LeaderElectionRecord, opts?: CallOptions): Promise<void>;
  /** "namespace/name", for logs. */
  describe(): string;
}

/** Options of a LeaseLock. */
export interface LeaseLockOptions {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease (created when missing). */
  name: string;
  /** `clientset.coordinationV1()`. */
  client: CoordinationV1Interface;
  /** Unique per candidate, e.g. `${hostname}_${randomUUID()}`. */
  identity: string;
  /**
   * Field manager of every write (default: the identity, cut to the 128 bytes of UTF-8 the API server
   * allows), so the API server's managedFields show which candidate wrote each version.
   */
  fieldManager?: string;
}

/** MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function recordOf(lease: Lease): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? "",
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? "",
    renewTime: s.renewTime ?? "",
    leaderTransitions: s.leaseTransitions ?? 0,
  };
}

function specOf(r: LeaderElectionRecord): NonNullable<Lease["spec"]> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime || undefined,
    renewTime: r.renewTime || undefined,
    leaseTransitions: r.leaderTransitions,
  };
}

/** A ResourceLock on a Lease, through the typed clientset. */
export class LeaseLock implements ResourceLock {
  readonly identity: string;
  readonly #namespace: string;
  readonly #name: string;
  readonly #client: CoordinationV1Interface;
  readonly #fieldManager: string;
  #lease: Lease | undefined;

  constructor(opts: LeaseLockOptions) {
    if (!opts.identity) throw new TypeError("LeaseLock: identity is required (unique per candidate)");
    if (!opts.name || !opts.namespace) throw new TypeError("LeaseLock: namespace and name are required");
    this.identity = opts.identity;
    this.#namespace = opts.namespace;
    this.#name = opts.name;
    this.#client = opts.client;
    this.#fieldManager = truncateUtf8(opts.fieldManager ?? opts.identity, 128);
  }

  async get(opts: CallOptions = {}): Promise<LeaderElectionRecord> {
    this.#lease = await this.#client.leases(this.#namespace).get(this.#name, opts);
    return recordOf(this.#lease);
  }

  async create(record: LeaderElectionRecord, opts: CallOptions = {}): Promise<void> {
    this.#lease = await this.#client.leases(this.#namespace).create(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.#name },
        spec: specOf(record),
      },
      { ...opts, fieldManager: this.#fieldManager },
    );
  }

  async update(record: LeaderElectionRecord, opts: CallOptions = {}): Promise<void> {
    if (!this.#lease)
      throw new Error(`LeaseLock ${this.describe()}: update before the lease was read or created`);
    // managedFields are left out so the server tracks this write under our field manager.
    const next: Lease = {
      ...this.#lease,
      metadata: { ...this.#lease.metadata, managedFields: undefined },
      spec: { ...this.#lease.spec, ...specOf(record) },
    };
    this.#lease = await this.#client
      .leases(this.#namespace)
      .update(next, { ...opts, fieldManager: this.#fieldManager });
  }

  describe(): string {
    return `${this.#namespace}/${this.#name}`;
  }
}
