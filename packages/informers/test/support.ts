// Shared by the informer integration tests: configs, a writer that logs every transition it makes
// (per key, in order, with the resourceVersion the server gave it), a handler that records what it was
// told, and the check that compares the two.
import type { ConfigMap } from "@org/api-types/core/v1";
import type { ConfigMapInterface } from "@org/clientset";
import {
  DeletedFinalStateUnknown,
  type ResourceEventHandler,
  SharedIndexInformer,
  type SharedIndexInformerOptions,
} from "@org/informers";
import { isAlreadyExists, isConflict, isNotFound, type RestConfig } from "@org/rest";
import type { ControlPlane } from "@org/testenv";

/** The admin user (system:masters), no client-side rate limit. */
export function adminConfig(
  cp: Pick<ControlPlane, "apiServerURL" | "caData" | "users">,
  host?: string,
): RestConfig {
  const u = cp.users.admin;
  return {
    host: host ?? cp.apiServerURL,
    tls: { caData: cp.caData, certData: u.clientCertificate!, keyData: u.clientKey! },
    qps: 0,
  };
}

/** The certificate user "alice" (no rights until granted). */
export function aliceConfig(cp: Pick<ControlPlane, "apiServerURL" | "caData" | "users">): RestConfig {
  const u = cp.users.certUser;
  return {
    host: cp.apiServerURL,
    tls: { caData: cp.caData, certData: u.clientCertificate!, keyData: u.clientKey! },
    qps: 0,
  };
}

const DELETED = "D";

/** Records, per key, every notification a handler got: resourceVersions, "D" for deletes. */
export class Recorder implements ResourceEventHandler<ConfigMap> {
  readonly seen = new Map<string, string[]>();
  /** onUpdate whose old object was not the last one delivered for the key. */
  inconsistent = 0;
  tombstones = 0;
  adds = 0;
  updates = 0;
  deletes = 0;
  #waiters: { name: string; resolve: () => void }[] = [];

  constructor(readonly delayMs = 0) {}

  #push(name: string, v: string): void {
    const s = this.seen.get(name);
    if (s === undefined) this.seen.set(name, [v]);
    else s.push(v);
    this.#waiters = this.#waiters.filter((w) => {
      if (w.name !== name) return true;
      w.resolve();
      return false;
    });
  }

  async #pause(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  onAdd(obj: ConfigMap): Promise<void> | void {
    this.adds++;
    this.#push(obj.metadata!.name!, obj.metadata!.resourceVersion!);
    return this.delayMs > 0 ? this.#pause() : undefined;
  }

  onUpdate(oldObj: ConfigMap, newObj: ConfigMap): Promise<void> | void {
    this.updates++;
    const name = newObj.metadata!.name!;
    const prev = this.seen.get(name);
    if (prev?.at(-1) !== oldObj.metadata?.resourceVersion) this.inconsistent++;
    this.#push(name, newObj.metadata!.resourceVersion!);
    return this.delayMs > 0 ? this.#pause() : undefined;
  }

  onDelete(obj: ConfigMap | DeletedFinalStateUnknown<ConfigMap>): Promise<void> | void {
    this.deletes++;
    let name: string;
    if (obj instanceof DeletedFinalStateUnknown) {
      this.tombstones++;
      name = obj.obj.metadata!.name!;
    } else name = obj.metadata!.name!;
    this.#push(name, DELETED);
    return this.delayMs > 0 ? this.#pause() : undefined;
  }

  /** Resolves once a notification for `name` arrived (at once if one did). */
  waitFor(name: string): Promise<void> {
    if (this.seen.has(name)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const retryDelay = () => new Promise((r) => setTimeout(r, 200));

/**
 * Writes ConfigMaps and logs each key's transitions (resourceVersions, "D") in the order the server
 * applied them. One write per key at a time; a write whose outcome is unknown (the connection broke, the
 * server restarted) is retried and resolved: AlreadyExists after a create, Conflict after an update
 * (precondition on the resourceVersion) and NotFound after a delete mean the first attempt was applied.
 */
export class Writer {
  readonly log = new Map<string, string[]>();
  readonly #live = new Map<string, ConfigMap>();
  readonly #busy = new Set<string>();
  readonly #random: () => number;
  #n = 0;
  writes = 0;
  retries = 0;

  constructor(
    readonly client: ConfigMapInterface,
    readonly prefix = "cm",
    seed = 1,
  ) {
    this.#random = rng(seed);
  }

  #record(name: string, v: string): void {
    const s = this.log.get(name);
    if (s === undefined) this.log.set(name, [v]);
    else s.push(v);
  }

  /** Names currently existing (as far as this writer knows). */
  liveNames(): string[] {
    return [...this.#live.keys()];
  }

  async create(name = `${this.prefix}-${this.#n++}`): Promise<ConfigMap> {
    this.#busy.add(name);
    try {
      for (;;) {
        try {
          const cm = await this.client.create({ metadata: { name, labels: { w: "1" } }, data: { v: "0" } });
          return this.#created(name, cm);
        } catch (err) {
          if (isAlreadyExists(err)) return this.#created(name, await this.client.get(name));
          this.retries++;
          await retryDelay();
        }
      }
    } finally {
      this.#busy.delete(name);
    }
  }

  #created(name: string, cm: ConfigMap): ConfigMap {
    this.writes++;
    this.#live.set(name, cm);
    this.#record(name, cm.metadata!.resourceVersion!);
    return cm;
  }

  async update(name: string): Promise<void> {
    const cur = this.#live.get(name);
    if (cur === undefined) throw new Error(`update ${name}: not live`);
    this.#busy.add(name);
    try {
      const next: ConfigMap = {
        metadata: { name, resourceVersion: cur.metadata!.resourceVersion!, labels: { w: "1" } },
        data: { v: String(Number(cur.data?.v ?? 0) + 1) },
      };
      for (;;) {
        try {
          const cm = await this.client.update(next);
          this.#updated(name, cm);
          return;
        } catch (err) {
          if (isConflict(err)) {
            const now = await this.client.get(name);
            if (now.metadata!.resourceVersion !== cur.metadata!.resourceVersion) {
              this.#updated(name, now);
              return;
            }
          }
          this.retries++;
          await retryDelay();
        }
      }
    } finally {
      this.#busy.delete(name);
    }
  }

  #updated(name: string, cm: ConfigMap): void {
    this.writes++;
    this.#live.set(name, cm);
    this.#record(name, cm.metadata!.resourceVersion!);
  }

  /**
   * Deletes the key; does nothing while another write of it is under way (one write per key at a
   * time), or once it is deleted.
   */
  async delete(name: string): Promise<void> {
    // The fault tests' own deletes pick from liveNames() while the background writers run: a key may
    // be being deleted there, or be deleted by the time its turn comes. Deleting it again would log
    // two deletes of one object, and the second would count as a notification lost.
    if (this.#busy.has(name) || !this.#live.has(name)) return;
    this.#busy.add(name);
    try {
      for (;;) {
        try {
          await this.client.delete(name);
          break;
        } catch (err) {
          if (isNotFound(err)) break;
          this.retries++;
          await retryDelay();
        }
      }
      this.writes++;
      this.#live.delete(name);
      this.#record(name, DELETED);
    } finally {
      this.#busy.delete(name);
    }
  }

  /** `n` creates, `concurrency` at a time. */
  async createMany(n: number, concurrency = 16): Promise<void> {
    let left = n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await this.create();
      }),
    );
  }

  /** One random write: create (40%), update (40%) or delete (20%) of a key not being written. */
  async one(): Promise<void> {
    const r = this.#random();
    const idle = () => {
      const names = this.liveNames().filter((x) => !this.#busy.has(x));
      return names.length ? names[Math.floor(this.#random() * names.length)] : undefined;
    };
    if (r < 0.4) await this.create();
    else {
      const name = idle();
      if (name === undefined) await this.create();
      else if (r < 0.8) await this.update(name);
      else await this.delete(name);
    }
  }

  /** `n` mixed writes, `concurrency` at a time. */
  async mixed(n: number, concurrency = 8): Promise<void> {
    let left = n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await this.one();
      }),
    );
  }

  /** Mixed writes until `signal` aborts (each worker pauses `pauseMs` between writes). */
  async until(signal: AbortSignal, concurrency = 4, pauseMs = 20): Promise<void> {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!signal.aborted) {
          await this.one();
          if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
        }
      }),
    );
  }
}

/** What a handler's record says against the writer's log. */
export interface Comparison {
  keys: number;
  /** Keys whose final state the handler never reached (or never saw at all). */
  lost: number;
  /** Notifications delivered twice or out of order. */
  duplicates: number;
  /**
   * Versions never delivered because a relist replaced the store: intermediate ones superseded while
   * disconnected, and objects created and deleted meanwhile. Zero whenever no relist happened.
   */
  skipped: number;
  inconsistent: number;
  details: string[];
}

/** Compares a Recorder's notifications with the Writer's log, key by key. */
export function compare(writer: Writer, rec: Recorder): Comparison {
  const out: Comparison = {
    keys: 0,
    lost: 0,
    duplicates: 0,
    skipped: 0,
    inconsistent: rec.inconsistent,
    details: [],
  };
  for (const [name, w] of writer.log) {
    out.keys++;
    const h = rec.seen.get(name) ?? [];
    if (h.length === 0 && w.at(-1) === DELETED) {
      // Created and deleted while a relist replaced the store: no client could have seen it.
      out.skipped += w.length;
      continue;
    }
    // Where the handler started observing the key: its first notification (an initial add of a later
    // version, when the key existed before the informer started).
    let j = h.length ? w.indexOf(h[0]!) : 0;
    if (j < 0) {
      out.duplicates += h.length;
      out.details.push(
        `${name}: first notification ${h[0]} is not a version the writer made (${w.join(",")})`,
      );
      continue;
    }
    for (const v of h) {
      const k = w.indexOf(v, j);
      if (k < 0) {
        out.duplicates++;
        out.details.push(
          `${name}: ${v} delivered again or out of order (writer ${w.join(",")}; handler ${h.join(",")})`,
        );
        continue;
      }
      if (k > j) {
        out.skipped += k - j;
      }
      j = k + 1;
    }
    if (j < w.length) {
      out.lost++;
      out.details.push(
        `${name}: final state ${w.at(-1)} never delivered (writer ${w.join(",")}; handler ${h.join(",")})`,
      );
    }
  }
  for (const name of rec.seen.keys()) {
    if (!writer.log.has(name)) out.details.push(`${name}: notified but never written`);
  }
  return out;
}

/** The store's names and resourceVersions against a fresh LIST; "" when equal, else what differs. */
export async function storeMatchesList(
  client: ConfigMapInterface,
  store: Iterable<[string, ConfigMap]>,
): Promise<string> {
  const list = await client.list();
  const want = new Map(list.items.map((c) => [c.metadata!.name!, c.metadata!.resourceVersion!]));
  const got = new Map<string, string>();
  for (const [, c] of store) got.set(c.metadata!.name!, c.metadata!.resourceVersion!);
  const diff: string[] = [];
  for (const [n, rv] of want)
    if (got.get(n) !== rv) diff.push(`${n}: list ${rv}, store ${got.get(n) ?? "-"}`);
  for (const [n, rv] of got) if (!want.has(n)) diff.push(`${n}: store ${rv}, not in list`);
  return diff.length
    ? `${diff.length} differences (list ${want.size}, store ${got.size}): ${diff.slice(0, 10).join("; ")}`
    : "";
}

/** Writes a marker and waits until `rec` saw it: every earlier write was then delivered. Returns ms. */
export async function flush(writer: Writer, rec: Recorder, name: string): Promise<number> {
  const t0 = Date.now();
  await writer.create(name);
  await rec.waitFor(name);
  return Date.now() - t0;
}

/** A namespace on a control plane of a test's own (no service-account wait: only ConfigMaps live there). */
export async function namespaceOn(
  cs: { coreV1(): { namespaces(): { create(o: object): Promise<unknown> } } },
  name: string,
): Promise<string> {
  await cs.coreV1().namespaces().create({ metadata: { name } });
  return name;
}

/** Per-fault figures for the report. */
export interface FaultReport {
  fault: string;
  lost: number;
  duplicates: number;
  skipped: number;
  tombstones: number;
  recoveryMs: number;
  writes: number;
  errors: string[];
}

/** One line for the test output. */
export function formatReport(r: FaultReport): string {
  const kinds = new Map<string, number>();
  for (const e of r.errors) kinds.set(e, (kinds.get(e) ?? 0) + 1);
  return `${r.fault}: lost ${r.lost}, duplicates ${r.duplicates}, superseded-by-relist ${r.skipped}, tombstones ${r.tombstones}, recovery ${r.recoveryMs} ms, ${r.writes} writes; errors: ${[...kinds].map(([k, n]) => `${k}×${n}`).join(", ") || "none"}`;
}

/** A short name for an error kind: "410", "429", "TransportError", "IdleWatchError" ... */
export function errorKind(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "number") return String(code);
  return (e as Error)?.name ?? typeof e;
}

/** An error the informer reported, and when. */
export interface TimedError {
  at: number;
  err: unknown;
}

export interface FaultRun {
  report: FaultReport;
  informer: SharedIndexInformer<ConfigMap>;
  errors: TimedError[];
  writer: Writer;
  recorder: Recorder;
  /** When `inject` returned (the fault cleared). */
  clearedAt: number;
  /** When `inject` started. */
  startedAt: number;
}

/**
 * The fault scenario: `initial` ConfigMaps, an informer (through `informerClient`) synced, writes
 * going on (through `writerClient`) before, during and after `inject` (which returns once the fault is
 * cleared), then a marker write whose arrival is the recovery time, more writes, a final marker, and the
 * comparison of the handler's record with the writer's log and of the store with a fresh LIST.
 */
export async function runFault(opts: {
  fault: string;
  writerClient: ConfigMapInterface;
  informerClient: ConfigMapInterface;
  initial?: number;
  informerOptions?: SharedIndexInformerOptions<ConfigMap>;
  inject: (run: Omit<FaultRun, "report" | "clearedAt" | "startedAt">) => Promise<void>;
  signal: AbortSignal;
}): Promise<FaultRun> {
  const writer = new Writer(opts.writerClient, "cm", opts.fault.length);
  await writer.createMany(opts.initial ?? 300, 8);
  const informer = new SharedIndexInformer<ConfigMap>(opts.informerClient, {
    name: `configmaps (${opts.fault})`,
    ...opts.informerOptions,
  });
  const errors: TimedError[] = [];
  informer.setWatchErrorHandler((err) => errors.push({ at: Date.now(), err }));
  const recorder = new Recorder();
  informer.addEventHandler(recorder);
  void informer.run(opts.signal);
  if (!(await informer.waitForSync(opts.signal))) throw new Error(`${opts.fault}: the informer did not sync`);

  const writing = new AbortController();
  const writes = writer.until(writing.signal, 4, 20);
  await new Promise((r) => setTimeout(r, 1500));
  const startedAt = Date.now();
  await opts.inject({ informer, errors, writer, recorder });
  const clearedAt = Date.now();
  const recoveryMs = await flush(writer, recorder, "marker-recovered");
  await new Promise((r) => setTimeout(r, 1500));
  writing.abort();
  await writes;
  await flush(writer, recorder, "marker-final");
  const diff = await storeMatchesList(opts.writerClient, informer.getIndexer().entries());
  if (diff) throw new Error(`${opts.fault}: the store differs from a fresh LIST: ${diff}`);
  const c = compare(writer, recorder);
  const report: FaultReport = {
    fault: opts.fault,
    lost: c.lost,
    duplicates: c.duplicates + c.inconsistent,
    skipped: c.skipped,
    tombstones: recorder.tombstones,
    recoveryMs,
    writes: writer.writes,
    errors: errors.map((e) => errorKind(e.err)),
  };
  if (c.details.some((d) => !d.startsWith("kube-root-ca.crt"))) {
    report.errors.push(...c.details.filter((d) => !d.startsWith("kube-root-ca.crt")).slice(0, 5));
  }
  return { report, informer, errors, writer, recorder, clearedAt, startedAt };
}
