// Result rows, target checks and the markdown table.
import { fmt, median as med } from "./stats.js";

/** "median (min–max)" of a set of samples, in the row's unit. */
function spread(xs: readonly number[]): string {
  if (xs.length === 0) return "";
  return `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
}

export interface Row {
  scenario: string;
  case: string;
  client: string;
  unit: string;
  /** Median of the samples; null when the client could not run (see note). */
  median: number | null;
  samples: number[];
  /**
   * CPU time (user + system, ms) of the client's process per sample, beside the wall-time samples:
   * steadier than wall time on a shared machine. Only for clients that report it.
   */
  cpu?: number[];
  /** CPU median / the baseline's CPU median of the same case. */
  cpuRatio?: number | null;
  /** The 1-minute load average seen while the samples were taken: [min, max]. */
  load?: [number, number];
  /** median / baseline median of the same case (time, bytes) — lower is better. */
  ratio: number | null;
  /**
   * Round by round, sample / the baseline's sample of the same round (interleaved cases): the median
   * and range of those ratios. Load that drifts over the run falls on both samples of a pair alike.
   */
  paired?: { median: number; min: number; max: number };
  /** Work units per second at the median (events/s, requests/s), when meaningful. */
  perSecond?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  durationSec?: number;
  machine: {
    node: string;
    cpus: number;
    platform: string;
    /** 1-minute load averages (os.loadavg) sampled every few seconds during the run. */
    load?: { min: number; median: number; max: number; samples: number[] };
  };
  config: Record<string, unknown>;
  rows: Row[];
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    "| scenario | case | client | median | spread (min–max) | × baseline | CPU ms median (min–max) | CPU × baseline | per second | load (1-min avg) | target (our client) | met | note |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|:-:|---|",
  ];
  // by scenario (P3's real-server cases run after P4, when the bench's own server is down)
  const sorted = [...rows].sort((a, b) => a.scenario.localeCompare(b.scenario));
  for (const r of sorted) {
    const median = r.median === null ? "n/a" : `${fmt(r.median)} ${r.unit}`;
    const paired = r.paired
      ? `; paired ${r.paired.median.toFixed(2)}× (${r.paired.min.toFixed(2)}–${r.paired.max.toFixed(2)})`
      : "";
    const ratio = r.ratio === null ? "" : `${r.ratio.toFixed(2)}×${paired}`;
    const ps = r.perSecond === undefined ? "" : fmt(r.perSecond);
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    const cpu = r.cpu?.length ? `${fmt(med(r.cpu))} (${spread(r.cpu)})` : "";
    const cpuRatio = r.cpuRatio == null ? "" : `${r.cpuRatio.toFixed(2)}×`;
    const load = r.load ? `${r.load[0].toFixed(1)}–${r.load[1].toFixed(1)}` : "";
    lines.push(
      `| ${r.scenario} | ${r.case} | ${r.client} | ${median} | ${spread(r.samples)} | ${ratio} | ${cpu} | ${cpuRatio} | ${ps} | ${load} | ${r.target ?? ""} | ${met} | ${(r.note ?? "").replaceAll("|", "/")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
