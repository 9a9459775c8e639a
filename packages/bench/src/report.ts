// Result rows, target checks and the markdown table.
import { fmt } from "./stats.js";

export interface Row {
  scenario: string;
  case: string;
  client: string;
  unit: string;
  /** Median of the samples; null when the client could not run (see note). */
  median: number | null;
  samples: number[];
  /** median / baseline median of the same case (time, bytes) — lower is better. */
  ratio: number | null;
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
  machine: { node: string; cpus: number; platform: string };
  config: Record<string, unknown>;
  rows: Row[];
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    "| scenario | case | client | median | × baseline | per second | target (our client) | met | note |",
    "|---|---|---|---:|---:|---:|---|:-:|---|",
  ];
  // by scenario (P3's real-server cases run after P4, when the bench's own server is down)
  const sorted = [...rows].sort((a, b) => a.scenario.localeCompare(b.scenario));
  for (const r of sorted) {
    const median = r.median === null ? "n/a" : `${fmt(r.median)} ${r.unit}`;
    const ratio = r.ratio === null ? "" : `${r.ratio.toFixed(2)}×`;
    const ps = r.perSecond === undefined ? "" : fmt(r.perSecond);
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    lines.push(
      `| ${r.scenario} | ${r.case} | ${r.client} | ${median} | ${ratio} | ${ps} | ${r.target ?? ""} | ${met} | ${(r.note ?? "").replaceAll("|", "/")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
